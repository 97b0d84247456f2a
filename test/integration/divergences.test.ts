// Each documented divergence from notation (docs/conformance.md), pinned against the real CLI:
// the same signature goes to `notation verify`, which accepts it, and to our verifier, which
// follows the spec and refuses it with the documented code.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTrustStore,
  parseTrustPolicyDocument,
  PolicyError,
  verifyArtifact,
  type TrustStores,
} from '../../src/verify/index.js';
import {
  attachSignature,
  makePki,
  notationSign,
  notationVerify,
  OciClient,
  pushImage,
  simpleTrustPolicy,
  startRegistry,
  type PushedImage,
  type Registry,
} from '../harness/index.js';
import { e2eSigner, signCose, signJws } from '../support/envelopes.js';
import { VECTORS, vectorText } from '../support/vectors.js';
import { listSignatures } from './differential/signatures.js';

const E2E_CERT = path.join(VECTORS, 'certs/notation-e2e/localkeys/e2e.crt');
const NOTARY_SCHEME = 'io.cncf.notary.signingScheme';

describe('divergences from notation, each pinned against notation verify', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await startRegistry({ kind: 'olareg' });
  });
  afterAll(() => registry.stop());

  const e2eStores: TrustStores = new Map([
    [
      'ca:e2e',
      createTrustStore({
        type: 'ca',
        name: 'e2e',
        certificates: [vectorText('certs/notation-e2e/localkeys/e2e.crt')],
      }),
    ],
  ]);
  const e2eTrust = {
    trustPolicy: simpleTrustPolicy({ trustStores: ['ca:e2e'] }),
    trustStores: { ca: { e2e: [E2E_CERT] } },
  };

  async function ours(
    image: PushedImage,
    trustStores: TrustStores,
    trustPolicy: unknown = e2eTrust.trustPolicy,
  ) {
    return verifyArtifact({
      repository: `${registry.host}/${image.repository}`,
      artifact: { mediaType: image.mediaType, digest: image.digest, size: image.size },
      document: parseTrustPolicyDocument(trustPolicy),
      trustStores,
      listSignatures: () => listSignatures(new OciClient(registry), image.repository, image.digest),
      now: new Date(),
    });
  }

  /** Pushes a fresh image and attaches `envelope(descriptor)` as its only signature. */
  async function signedWith(
    repo: string,
    mediaType: string,
    envelope: (subject: PushedImage) => Uint8Array,
  ): Promise<PushedImage> {
    const image = await pushImage(registry, repo);
    await attachSignature(registry, {
      repository: repo,
      subject: image,
      envelope: { mediaType, bytes: envelope(image) },
    });
    return image;
  }
  const subjectOf = (i: PushedImage) => ({
    mediaType: i.mediaType,
    digest: i.digest,
    size: i.size,
  });

  it('D1 an unknown critical signed attribute: notation accepts, we refuse (UNKNOWN_CRITICAL_HEADER)', async () => {
    const image = await signedWith('d1/app', 'application/jose+json', (i) =>
      signJws({
        chain: [e2eSigner()],
        payload: subjectOf(i),
        protected: { 'com.example.policy': 'x', crit: [NOTARY_SCHEME, 'com.example.policy'] },
      }),
    );
    expect((await notationVerify(image.reference, registry, e2eTrust)).verified).toBe(true);
    const outcome = await ours(image, e2eStores);
    expect(outcome.verified).toBe(false);
    expect(outcome.error?.code).toBe('UNKNOWN_CRITICAL_HEADER');
  });

  it('D17 an extra top-level JWS member: notation accepts, we refuse (ENVELOPE_MALFORMED)', async () => {
    const image = await signedWith('d17/app', 'application/jose+json', (i) => {
      const jws = JSON.parse(
        Buffer.from(signJws({ chain: [e2eSigner()], payload: subjectOf(i) })).toString('utf8'),
      ) as object;
      return Buffer.from(
        JSON.stringify({ ...jws, extra: 'not part of the flattened serialization' }),
      );
    });
    expect((await notationVerify(image.reference, registry, e2eTrust)).verified).toBe(true);
    const outcome = await ours(image, e2eStores);
    expect(outcome.error?.code).toBe('ENVELOPE_MALFORMED');
  });

  it('D16 a COSE notary.x509 envelope with authenticSigningTime: notation accepts, we refuse (ENVELOPE_MALFORMED)', async () => {
    const image = await signedWith('d16/app', 'application/cose', (i) =>
      signCose({
        chain: [e2eSigner()],
        payload: subjectOf(i),
        protected: {
          'io.cncf.notary.authenticSigningTime': new Date('2025-01-01T00:00:00Z'),
          crit: [NOTARY_SCHEME, 'io.cncf.notary.authenticSigningTime'],
        },
      }),
    );
    expect((await notationVerify(image.reference, registry, e2eTrust)).verified).toBe(true);
    const outcome = await ours(image, e2eStores);
    expect(outcome.error?.code).toBe('ENVELOPE_MALFORMED');
  });

  it('D5 a leaf with anyExtendedKeyUsage: notation accepts, we refuse (CERT_REQUIREMENTS_UNMET)', async () => {
    const pki = await makePki({ key: 'ec-p256', leaf: { profile: 'any-eku' } });
    const image = await pushImage(registry, 'd5/app');
    await notationSign(image.reference, registry, {
      key: pki.leaf.keyPath,
      certChain: pki.chainPath,
      referrersApi: true,
    });
    const trust = {
      trustPolicy: simpleTrustPolicy({ trustStores: ['ca:pki'] }),
      trustStores: { ca: { pki: [pki.root.certPath] } },
    };
    expect((await notationVerify(image.reference, registry, trust)).verified).toBe(true);
    const stores: TrustStores = new Map([
      ['ca:pki', createTrustStore({ type: 'ca', name: 'pki', certificates: [pki.root.pem] })],
    ]);
    const outcome = await ours(image, stores, trust.trustPolicy);
    expect(outcome.error?.code).toBe('CERT_REQUIREMENTS_UNMET');
  });

  it('D2 skip with the global scope: notation admits anything, we refuse the policy (SKIP_WITH_GLOBAL_SCOPE)', async () => {
    const image = await pushImage(registry, 'd2/unsigned');
    const skipAll = JSON.parse(
      vectorText('trustpolicies/notation-e2e/skip_trustpolicy.json'),
    ) as unknown;
    expect(
      (await notationVerify(image.reference, registry, { trustPolicy: skipAll, trustStores: {} }))
        .verified,
    ).toBe(true);
    let refused: unknown;
    try {
      parseTrustPolicyDocument(skipAll);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(PolicyError);
    expect((refused as PolicyError).code).toBe('SKIP_WITH_GLOBAL_SCOPE');
  });
  it('D18 a scope not in normal form: notation accepts the policy, we refuse it showing the normal form (SCOPE_INVALID)', async () => {
    const image = await signedWith('d18/app', 'application/jose+json', (i) =>
      signJws({ chain: [e2eSigner()], payload: subjectOf(i) }),
    );
    const base = e2eTrust.trustPolicy as { version: string; trustPolicies: object[] };
    const upper = {
      ...base.trustPolicies[0],
      name: 'upper-case-host',
      registryScopes: ['Registry.Example.com:443/d18/app'],
    };
    const trustPolicy = { ...base, trustPolicies: [...base.trustPolicies, upper] };
    const notation = await notationVerify(image.reference, registry, { ...e2eTrust, trustPolicy });
    expect(notation.verified).toBe(true);
    let refused: unknown;
    try {
      parseTrustPolicyDocument(trustPolicy);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(PolicyError);
    expect((refused as PolicyError).code).toBe('SCOPE_INVALID');
    expect((refused as PolicyError).message).toBe(
      'trustPolicies[1].registryScopes[0]: "Registry.Example.com:443/d18/app" is not in normal form; write "registry.example.com/d18/app"',
    );
  });
  it('D19 a registry-prefix scope: notation refuses the policy, we verify under the most specific scope', async () => {
    const image = await signedWith('d19/team/app', 'application/jose+json', (i) =>
      signJws({ chain: [e2eSigner()], payload: subjectOf(i) }),
    );
    const base = e2eTrust.trustPolicy as { version: string; trustPolicies: object[] };
    const team = {
      ...base.trustPolicies[0],
      name: 'team-prefix',
      registryScopes: [`${registry.host}/d19/team/*`],
    };
    const trustPolicy = { version: '1.0', trustPolicies: [team] };
    const notation = await notationVerify(image.reference, registry, { ...e2eTrust, trustPolicy });
    expect(notation.verified).toBe(false);
    expect(notation.stderr).toContain('with wild card(s) is not valid');
    const outcome = await ours(image, e2eStores, trustPolicy);
    expect([outcome.verified, outcome.policy?.name]).toEqual([true, 'team-prefix']);
  });
});
