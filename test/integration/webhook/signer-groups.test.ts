// Issue 14, items 1, 2 and 4 (signer groups) through the real HTTPS service, on both harness
// registries, with images signed by the real notation CLI (JWS and COSE, --user-metadata): a Pod
// is admitted only when every signer group and its metadata hold, and each missing piece is
// denied naming its group and code. The policies come from notation's trustpolicy.json plus the
// `--config` file's `policies.<statement>.signers`. A counting proxy in front of the registry
// measures the requests of one cold verification for 1, 2 and 3 groups (bench/README.md).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notationSign, type Pki, type PushedImage } from '../../harness/index.js';
import { attachJunkReferrers, type JunkKind } from '../../harness/junk-referrers.js';
import { makeWorkdir } from '../../harness/workdir.js';
import type { ApiServerClient } from '../../support/api-server.js';
import { startCountingProxy, type CountedRequest } from '../../support/counting-proxy.js';
import { podReview } from '../../support/reviews.js';
import { startTestService, type TestService } from '../../support/service.js';
import {
  asTrustPolicyDn,
  failedClause,
  signerName,
  startSigningWorld,
  type SigningWorld,
} from './fixtures.js';

const DENIED = 'admission webhook "validate.notary-admission.dev" denied the request: ';

/** Requests of one cold verification, by registry and number of groups (printed for bench/README.md). */
const counts: Record<string, Record<number, number>> = {};

describe.each(['olareg', 'distribution'] as const)('signer groups (service) on %s', (kind) => {
  // Both envelope formats on both registries: the vendor signs JWS on one and COSE on the other.
  const [vendorFormat, orgFormat] =
    kind === 'olareg' ? (['jws', 'cose'] as const) : (['cose', 'jws'] as const);
  let world: SigningWorld;
  let proxy: Awaited<ReturnType<typeof startCountingProxy>>;
  let svc: TestService;
  let api: ApiServerClient;
  const img: Record<string, PushedImage> = {};
  let vendor: Pki;
  let org: Pki;

  /** `proxy/repo@digest`: the service reaches the registry through the counting proxy only. */
  const ref = (name: string): string =>
    `${proxy.host}/${img[name]!.repository}@${img[name]!.digest}`;
  const scope = (name: string): string => `${proxy.host}/groups/${name}`;

  async function sign(
    name: string,
    signer: Pki,
    format: 'jws' | 'cose',
    metadata?: Record<string, string>,
  ) {
    await notationSign(img[name]!.reference, world.registry, {
      key: signer.leaf.keyPath,
      certChain: signer.chainPath,
      format,
      referrersApi: kind === 'olareg',
      ...(metadata && { userMetadata: metadata }),
    });
  }

  const vendorGroup = (metadata = true) => ({
    name: 'vendor',
    trustStores: ['ca:vendor'],
    trustedIdentities: [`x509.subject: ${asTrustPolicyDn(vendor.leaf.subject)}`],
    ...(metadata && { userMetadata: { buildId: '42' } }),
  });
  const orgGroup = { name: 'org', trustStores: ['ca:org'], trustedIdentities: ['*'] };
  const statement = (name: string, scopes: string[]) => ({
    name,
    registryScopes: scopes,
    signatureVerification: { level: 'strict' },
    trustStores: ['ca:vendor'],
    trustedIdentities: ['*'],
  });

  beforeAll(async () => {
    world = await startSigningWorld({ kind });
    [vendor, org] = [world.pki, world.stranger];
    proxy = await startCountingProxy(world.registry.url);
    const names = ['both', 'no-vendor', 'no-org', 'wrong-meta', 'twice', 'single-meta'];
    const counted = ['warm', 'count-1', 'count-2', 'count-3', 'junk'];
    for (const name of [...names, ...counted]) img[name] = await world.push(`groups/${name}`);
    await Promise.all([
      sign('both', vendor, vendorFormat, { buildId: '42' }).then(() =>
        sign('both', org, orgFormat),
      ),
      sign('no-vendor', org, orgFormat),
      sign('no-org', vendor, vendorFormat, { buildId: '42' }),
      sign('wrong-meta', vendor, vendorFormat, { buildId: '41' }).then(() =>
        sign('wrong-meta', org, orgFormat),
      ),
      sign('twice', vendor, vendorFormat, { buildId: '42' }).then(() =>
        sign('twice', vendor, orgFormat, { buildId: '42' }),
      ),
      sign('single-meta', vendor, vendorFormat, { buildId: '41' }),
      ...['count-1', 'count-2', 'count-3'].map((n) =>
        sign(n, vendor, vendorFormat, { buildId: '42' }).then(() => sign(n, org, orgFormat)),
      ),
    ]);
    await attachJunkReferrers(world.registry, {
      repository: img['junk']!.repository,
      subject: img['junk']!,
      kinds: Array<JunkKind>(40).fill('two-layers'),
      referrersApi: kind === 'olareg',
    });

    const dir = makeWorkdir('signer-groups');
    const config = path.join(dir, 'config.json');
    const ubuntu = ['both', 'no-vendor', 'no-org', 'wrong-meta', 'twice'].map(scope);
    const policies = {
      ubuntu: { signers: [vendorGroup(), orgGroup] },
      'single-meta': { userMetadata: { buildId: '42' } },
      two: { signers: [vendorGroup(false), orgGroup] },
      three: { signers: [vendorGroup(false), orgGroup, { ...orgGroup, name: 'ci' }] },
      junk: { signers: [vendorGroup(false), orgGroup, { ...orgGroup, name: 'ci' }] },
    };
    await writeFile(config, JSON.stringify({ policies }));
    svc = await startTestService({
      trustPolicy: {
        version: '1.0',
        trustPolicies: [
          statement('ubuntu', ubuntu),
          statement('single-meta', [scope('single-meta')]),
          statement('one', [scope('count-1'), scope('warm')]),
          statement('two', [scope('count-2')]),
          statement('three', [scope('count-3')]),
          statement('junk', [scope('junk')]),
        ],
      },
      trustStores: { ca: { vendor: [vendor.root.pem], org: [org.root.pem] } },
      flags: ['--config', config, ...world.serviceFlags, '--insecure-registry', proxy.host],
    });
    api = svc.client();
    // The registry's referrers support is probed once per registry: not part of any count.
    await review('warm');
  });
  afterAll(async () => {
    await svc?.close();
    await proxy?.stop();
    await world?.stop();
  });

  const review = (name: string) => api.review(podReview({ images: [ref(name)] }));
  const clause = (name: string, reason: string, code: string, policy = 'ubuntu') =>
    DENIED +
    failedClause({
      fieldPath: 'spec.containers[0].image',
      image: ref(name),
      digest: img[name]!.digest,
      policy,
      reason,
      code,
    });

  describe('when the vendor and the organisation signed, with the metadata', () => {
    it('admits the Pod', async () => {
      const outcome = await review('both');
      expect(outcome.message).toBeUndefined();
      expect(outcome.kind).toBe('admitted');
    });
  });

  describe('when a piece is missing', () => {
    it('denies a Pod without the vendor signature, naming the vendor group', async () => {
      const outcome = await review('no-vendor');
      expect(outcome.message).toBe(
        clause(
          'no-vendor',
          `vendor: signer ${signerName(org)} does not chain to a certificate in ca:vendor`,
          'CERT_CHAIN_UNTRUSTED',
        ),
      );
    });

    it('denies a Pod without the organisation signature, naming the org group', async () => {
      const outcome = await review('no-org');
      expect(outcome.message).toBe(
        clause(
          'no-org',
          `org: signer ${signerName(vendor)} does not chain to a certificate in ca:org`,
          'CERT_CHAIN_UNTRUSTED',
        ),
      );
    });

    it('denies a Pod whose vendor signature carries the wrong metadata value', async () => {
      const outcome = await review('wrong-meta');
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toMatch(
        /— vendor: the signed payload lacks the required metadata buildId=42 \(1 other signature failed too\) \[METADATA_MISMATCH\]$/,
      );
    });

    it('denies a single statement’s wrong metadata value with no group named', async () => {
      const outcome = await review('single-meta');
      expect(outcome.message).toBe(
        clause(
          'single-meta',
          'the signed payload lacks the required metadata buildId=42',
          'METADATA_MISMATCH',
          'single-meta',
        ),
      );
    });

    it('never counts two vendor signatures for the org group', async () => {
      const outcome = await review('twice');
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toMatch(/— org: .* \[CERT_CHAIN_UNTRUSTED\]$/);
      expect(outcome.message).not.toContain('vendor:');
    });
  });

  describe('when the groups are counted in requests (one cold verification each)', () => {
    const made = async (name: string): Promise<CountedRequest[]> => {
      const before = proxy.requests.length;
      const outcome = await review(name);
      expect(outcome.message).toBeUndefined();
      return proxy.requests.slice(before);
    };

    it('lists once and fetches each envelope once, whatever the number of groups', async () => {
      const one = await made('count-1');
      const two = await made('count-2');
      const three = await made('count-3');
      counts[kind] = { 1: one.length, 2: two.length, 3: three.length };
      const listings = (rs: CountedRequest[]) =>
        rs.filter((r) => r.path.includes('/referrers/') || r.path.includes('/manifests/sha256-'));
      for (const rs of [one, two, three]) {
        expect(listings(rs)).toHaveLength(1);
        expect(new Set(rs.map((r) => r.path)).size).toBe(rs.length);
      }
      // A second group costs the second signature's manifest and envelope; a third, sharing it, nothing.
      expect(two.length).toBe(one.length + 2);
      expect(three.length).toBe(two.length);
    });

    it('keeps junk referrers under one signature cap across three groups', async () => {
      const before = proxy.requests.length;
      const outcome = await review('junk');
      expect(outcome.kind).toBe('denied');
      const rs = proxy.requests.slice(before);
      const manifests = rs.filter((r) => /\/manifests\/sha256:/.test(r.path));
      expect(manifests.length).toBe(32);
      expect(new Set(manifests.map((r) => r.path)).size).toBe(32);
      expect(outcome.message).toMatch(/\[MAX_SIGNATURES_EXCEEDED\]$/);
    });
  });
});

afterAll(() => {
  if (Object.keys(counts).length > 0)
    console.log(`signer-group requests per cold verification: ${JSON.stringify(counts)}`);
});
