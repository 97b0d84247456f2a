// Sets up one differential scenario with real components: PKI (openssl), registry, the notation
// CLI for signing, a TSA, CRL and OCSP servers. Returns what both verifiers need.
import {
  makePki,
  notationSign,
  pushImage,
  type CrlServer,
  type KeySpec,
  type OcspResponder,
  type Pki,
  type PushedImage,
  type Registry,
  type Tsa,
} from '../../harness/index.js';
import type { Scenario } from './scenarios.js';

export interface Infra {
  registries: Record<Scenario['registry'], Registry>;
  tsa: Tsa;
  crl: CrlServer;
  ocsp: OcspResponder;
  stranger: Pki;
  trusted: (key: KeySpec) => Promise<Pki>;
}

export interface Prepared {
  scenario: Scenario;
  registry: Registry;
  image: PushedImage;
  trustPolicy: unknown;
  /** type → store name → certificate files */
  trustStores: Record<string, Record<string, string[]>>;
  /** Verify no earlier than this (expiry scenarios). */
  notBefore: number;
}

const LEAF_LIFETIME_MS = 6_000;

/** `CN=a,O=b,C=c` (RFC 2253, most specific first) as notation writes DNs: `C=c, O=b, CN=a`. */
const asTrustPolicyDn = (rfc2253: string): string => rfc2253.split(',').reverse().join(', ');

function identities(s: Scenario, pki: Pki): string[] {
  switch (s.identity ?? 'any') {
    case 'any':
      return ['*'];
    case 'subject':
      return [`x509.subject:${asTrustPolicyDn(pki.leaf.subject)}`];
    case 'subset':
      return ['x509.subject:C=US, ST=WA, O=Notary Admission'];
    case 'other':
      return ['x509.subject:C=US, ST=WA, O=Somebody Else'];
  }
}

async function signerPki(s: Scenario, infra: Infra): Promise<Pki> {
  if (s.untrusted) return infra.stranger;
  if (s.revocation)
    return makePki({
      key: s.key,
      revocation: { [s.revocation.method]: infra[s.revocation.method] },
    });
  if (s.leafExpired)
    return makePki({
      key: s.key,
      leaf: { validity: { notAfter: new Date(Date.now() + LEAF_LIFETIME_MS) } },
    });
  return infra.trusted(s.key);
}

/** Signs the image as the scenario says (maybe twice, maybe not at all). */
async function signImage(s: Scenario, infra: Infra, image: PushedImage, pki: Pki): Promise<void> {
  const registry = infra.registries[s.registry];
  const sign = (p: Pki): Promise<unknown> =>
    notationSign(image.reference, registry, {
      key: p.leaf.keyPath,
      certChain: p.chainPath,
      format: s.format,
      referrersApi: s.registry === 'olareg',
      ...(s.timestamp && {
        timestampUrl: infra.tsa.url,
        timestampRootCert: infra.tsa.pki.root.certPath,
      }),
      ...(s.expired && { expiry: '2s' }),
      ...(s.signedMetadata && { userMetadata: s.signedMetadata }),
    });
  if (s.withUntrustedSibling) await sign(infra.stranger);
  if (!s.unsigned) await sign(pki);
  if (s.revocation?.revoked) await pki.revoke(pki.leaf);
}

/** The trust stores: the trusted root (of this key type, or the scenario's own PKI) and maybe a tsa store. */
async function trustStoresFor(
  s: Scenario,
  infra: Infra,
  pki: Pki,
): Promise<Prepared['trustStores']> {
  const root = s.untrusted ? (await infra.trusted(s.key)).root : pki.root;
  const stores: Prepared['trustStores'] = { ca: { trusted: [root.certPath] } };
  if (s.timestamp) {
    const tsaRoot = s.timestamp === 'trusted' ? infra.tsa.pki.root : infra.stranger.root;
    stores['tsa'] = { tsa: [tsaRoot.certPath] };
  }
  return stores;
}

function statementFor(
  s: Scenario,
  scope: string,
  stores: Prepared['trustStores'],
  pki: Pki,
): unknown {
  const skip = s.level === 'skip';
  return {
    name: 'differential',
    registryScopes: skip ? [scope] : ['*'],
    signatureVerification: {
      level: s.level,
      ...(s.override && { override: s.override }),
      ...(s.verifyTimestamp && { verifyTimestamp: s.verifyTimestamp }),
    },
    trustStores: skip
      ? []
      : Object.entries(stores).map(([type, named]) => `${type}:${Object.keys(named)[0]}`),
    trustedIdentities: skip ? [] : identities(s, pki),
  };
}

export async function prepare(s: Scenario, infra: Infra): Promise<Prepared> {
  const registry = infra.registries[s.registry];
  const repo = `diff/${s.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}`;
  const image = await pushImage(registry, repo);
  const pki = await signerPki(s, infra);
  const start = Date.now();
  await signImage(s, infra, image, pki);
  const trustStores = await trustStoresFor(s, infra, pki);
  const statement = statementFor(s, `${registry.host}/${repo}`, trustStores, pki);
  const wait = s.expired ? 2_500 : s.leafExpired ? LEAF_LIFETIME_MS + 1_500 : 0;
  return {
    scenario: s,
    registry,
    image,
    trustPolicy: { version: '1.0', trustPolicies: [statement] },
    trustStores,
    notBefore: start + wait,
  };
}
