import { beforeAll, describe, expect, it } from 'vitest';
import { makeChain, type Chain } from '../../test/support/certs.js';
import { signJws } from '../../test/support/envelopes.js';
import type { PolicyRequirements, SignerGroup } from '../config/snapshot.types.js';
import { parseReference, RegistryError, type RegistryClient } from '../registry/index.js';
import {
  createTrustStore,
  parseTrustPolicyDocument,
  type Descriptor,
  type TrustPolicyStatement,
  type TrustStores,
} from '../verify/index.js';
import { singleStatement } from './policy.js';
import { CLEAN_VERDICT } from './verdict.js';
import { verifyImageOnce, type VerifyOnceOptions } from './verify-once.js';

const REPOSITORY = 'registry.example/apps/ubuntu';
const ARTIFACT: Descriptor = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${'c'.repeat(64)}`,
  size: 500,
};

const statement = (name: string, stores: string[]): TrustPolicyStatement =>
  parseTrustPolicyDocument({
    version: '1.0',
    trustPolicies: [
      {
        name,
        registryScopes: [REPOSITORY],
        signatureVerification: { level: 'strict' },
        trustStores: stores,
        trustedIdentities: ['*'],
      },
    ],
  }).trustPolicies[0]!;

type Registry = Pick<RegistryClient, 'signatureCandidates'>;
type Signer = { chain: Chain; metadata?: Record<string, string> } | 'unavailable';

describe('verifyImageOnce with signer groups (issue 14)', () => {
  let vendor: Chain;
  let org: Chain;
  let stores: TrustStores;
  beforeAll(async () => {
    [vendor, org] = await Promise.all([makeChain({ levels: 2 }), makeChain({ levels: 2 })]);
    stores = new Map([
      [
        'ca:vendor',
        createTrustStore({ type: 'ca', name: 'vendor', certificates: [vendor.root.pem] }),
      ],
      ['ca:org', createTrustStore({ type: 'ca', name: 'org', certificates: [org.root.pem] })],
    ]);
  });

  const groups = (): SignerGroup[] => [
    {
      name: 'vendor',
      statement: statement('ubuntu/vendor', ['ca:vendor']),
      userMetadata: { buildId: '42' },
    },
    { name: 'org', statement: statement('ubuntu/org', ['ca:org']) },
  ];
  const requirements = (over: Partial<PolicyRequirements> = {}): PolicyRequirements => ({
    signers: groups(),
    signersRequired: 2,
    referrers: [],
    signedSubject: 'Index',
    ...over,
  });

  function registryOf(signers: Signer[]): { registry: Registry; listings: () => number } {
    let listings = 0;
    const registry: Registry = {
      signatureCandidates: () => {
        listings++;
        return Promise.resolve(
          signers.map((s, i) => ({
            digest: `sha256:${i.toString(16).padStart(64, '0')}`,
            descriptor: {} as never,
            load: () => {
              if (s === 'unavailable')
                return Promise.reject(new RegistryError('NETWORK', 'registry unavailable: 503'));
              const payload = { ...ARTIFACT, ...(s.metadata && { annotations: s.metadata }) };
              const bytes = signJws({ chain: s.chain.certs, payload, signingTime: new Date() });
              return Promise.resolve({
                mediaType: 'application/jose+json',
                bytes,
                subject: ARTIFACT,
              });
            },
          })),
        );
      },
    };
    return { registry, listings: () => listings };
  }

  const verify = (registry: Registry, more: Partial<VerifyOnceOptions> = {}) =>
    verifyImageOnce({
      registry,
      ref: parseReference(`${REPOSITORY}@${ARTIFACT.digest}`),
      artifact: ARTIFACT,
      document: { version: '1.0', trustPolicies: [] },
      trustStores: stores,
      signal: new AbortController().signal,
      deadline: Date.now() + 10_000,
      now: Date.now,
      requirements: requirements(),
      ...more,
    });

  describe('when every group is satisfied', () => {
    it('returns the clean verdict and each group’s account, from one listing', async () => {
      const { registry, listings } = registryOf([
        { chain: vendor, metadata: { buildId: '42' } },
        { chain: org },
      ]);
      const result = await verify(registry);
      expect(result.verdict).toMatchObject({ kind: 'verified', verdict: CLEAN_VERDICT });
      expect('groups' in result && result.groups.groups.map((g) => g.outcome.verified)).toEqual([
        true,
        true,
      ]);
      expect(listings()).toBe(1);
    });
  });

  describe('when a piece is missing', () => {
    it.each([
      [
        'the org signature',
        (): Signer[] => [{ chain: vendor, metadata: { buildId: '42' } }],
        'org: signer ',
        'CERT_CHAIN_UNTRUSTED',
      ],
      [
        'the vendor signature',
        (): Signer[] => [{ chain: org }],
        'vendor: signer ',
        'CERT_CHAIN_UNTRUSTED',
      ],
      [
        'the right metadata value',
        (): Signer[] => [{ chain: vendor, metadata: { buildId: '41' } }, { chain: org }],
        'vendor: the signed payload lacks the required metadata buildId=42',
        'METADATA_MISMATCH',
      ],
    ] as const)('returns failed naming the group for %s', async (_, signers, reason, code) => {
      const { registry } = registryOf(signers());
      const { verdict } = await verify(registry);
      expect(verdict).toMatchObject({ kind: 'failed', verdict: { code } });
      expect(verdict.verdict.result === 'failed' && verdict.verdict.reason).toMatch(
        new RegExp(`^${reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
    });

    it('returns every failing group in the policy’s order, each with its code', async () => {
      const { registry } = registryOf([]);
      const { verdict } = await verify(registry);
      expect(verdict.verdict).toEqual({
        result: 'failed',
        code: 'SIGNATURE_NOT_FOUND',
        reason: `vendor: no signature is associated with ${ARTIFACT.digest} [SIGNATURE_NOT_FOUND]; org: no signature is associated with ${ARTIFACT.digest}`,
      });
    });

    it('says how many passed when only some groups are required', async () => {
      const { registry } = registryOf([]);
      const { verdict } = await verify(registry, {
        requirements: requirements({ signersRequired: 1 }),
      });
      expect(verdict.verdict.result === 'failed' && verdict.verdict.reason).toMatch(
        /^0 of the 1 required signer groups passed; vendor: /,
      );
    });
  });

  describe('when a group’s signature could not be fetched', () => {
    it('returns verified when the required groups passed anyway', async () => {
      const { registry } = registryOf([{ chain: org }, 'unavailable']);
      const { verdict } = await verify(registry, {
        requirements: requirements({ signersRequired: 1 }),
      });
      expect(verdict.kind).toBe('verified');
    });

    it('returns inconclusive when it could change the verdict', async () => {
      const { registry } = registryOf([{ chain: org }, 'unavailable']);
      const { verdict } = await verify(registry);
      expect(verdict).toMatchObject({ kind: 'inconclusive', verdict: { code: 'NETWORK' } });
    });
  });

  describe('when the requirements are a single statement’s', () => {
    it('returns exactly what the statement alone gives', async () => {
      const only = statement('prod', ['ca:org']);
      const document = { version: '1.0' as const, trustPolicies: [only] };
      for (const signers of [[{ chain: org }], [{ chain: vendor }], []] as Signer[][]) {
        const { registry } = registryOf(signers);
        const alone = await verify(registry, { document, requirements: undefined as never });
        const grouped = await verify(registry, { document, requirements: singleStatement(only) });
        expect(grouped).toEqual(alone);
      }
    });
  });
});
