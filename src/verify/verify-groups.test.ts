import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeChain, type Chain } from '../../test/support/certs.js';
import { signJws } from '../../test/support/envelopes.js';
import { DEFAULT_MAX_SIGNATURES, type SignatureCandidate } from './candidates.js';
import { parseTrustPolicyDocument, type TrustPolicyStatement } from './trust-policy/index.js';
import { createTrustStore } from './trust-store/trust-store.js';
import type { Descriptor, TrustStores } from './types.js';
import { verifyArtifact } from './verify-artifact.js';
import {
  verifyGroups,
  type SignerGroupStatement,
  type VerifyGroupsOptions,
} from './verify-groups.js';

const NOW = new Date();
const REPOSITORY = 'registry.example/apps/ubuntu';
const ARTIFACT: Descriptor = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${'a'.repeat(64)}`,
  size: 500,
};
const JWS = 'application/jose+json';
const VENDOR_DN = 'C=US, ST=WA, O=Vendor, CN=release';
const ORG_DN = 'C=US, ST=WA, O=Org, CN=promotion';

const unavailable = (message: string) =>
  Object.assign(new Error(message), { kind: 'availability', code: 'NETWORK' });

function statement(name: string, stores: string[], identities = ['*']): TrustPolicyStatement {
  return parseTrustPolicyDocument({
    version: '1.0',
    trustPolicies: [
      {
        name,
        registryScopes: [REPOSITORY],
        signatureVerification: { level: 'strict' },
        trustStores: stores,
        trustedIdentities: identities,
      },
    ],
  }).trustPolicies[0]!;
}

const thumbprint = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

describe('verifyGroups', () => {
  let vendor: Chain;
  let org: Chain;
  let stores: TrustStores;
  beforeAll(async () => {
    [vendor, org] = await Promise.all([
      makeChain({ key: 'ec-p256', levels: 2, leaf: { subject: VENDOR_DN } }),
      makeChain({ key: 'ec-p256', levels: 2, leaf: { subject: ORG_DN } }),
    ]);
    stores = new Map([
      [
        'ca:vendor',
        createTrustStore({ type: 'ca', name: 'vendor', certificates: [vendor.root.pem] }),
      ],
      ['ca:org', createTrustStore({ type: 'ca', name: 'org', certificates: [org.root.pem] })],
    ]);
  });

  const groups = (): SignerGroupStatement[] => [
    {
      name: 'vendor',
      statement: statement('ubuntu/vendor', ['ca:vendor'], [`x509.subject: ${VENDOR_DN}`]),
    },
    { name: 'org', statement: statement('ubuntu/org', ['ca:org']) },
  ];

  /** Signatures by `who`, in order; counts every load. */
  function listing(
    who: ({ chain: Chain; metadata?: Record<string, string> } | 'junk' | 'unavailable')[],
    thumbprints: (string[] | undefined)[] = [],
  ) {
    const loads = new Map<string, number>();
    let listings = 0;
    const candidates: SignatureCandidate[] = who.map((w, i) => {
      const digest = `sha256:${i.toString(16).padStart(64, '0')}`;
      return {
        digest,
        ...(thumbprints[i] && { thumbprints: thumbprints[i] }),
        load: () => {
          loads.set(digest, (loads.get(digest) ?? 0) + 1);
          if (w === 'unavailable') return Promise.reject(unavailable('registry unavailable: 503'));
          if (w === 'junk')
            return Promise.resolve({ mediaType: JWS, bytes: new Uint8Array([123]) });
          const payload = { ...ARTIFACT, ...(w.metadata && { annotations: w.metadata }) };
          const bytes = signJws({ chain: w.chain.certs, payload, signingTime: NOW });
          return Promise.resolve({ mediaType: JWS, bytes });
        },
      };
    });
    const listSignatures = () => {
      listings++;
      return Promise.resolve(candidates);
    };
    return { listSignatures, loads, listings: () => listings };
  }

  const options = (
    listSignatures: () => Promise<SignatureCandidate[]>,
    more: Partial<VerifyGroupsOptions> = {},
  ): VerifyGroupsOptions => ({
    repository: REPOSITORY,
    artifact: ARTIFACT,
    trustStores: stores,
    now: NOW,
    groups: groups(),
    required: 2,
    listSignatures,
    ...more,
  });

  const codes = (o: Awaited<ReturnType<typeof verifyGroups>>) =>
    Object.fromEntries(o.groups.map((g) => [g.name, g.outcome.error?.code ?? 'passed']));

  describe('when every group has a signature', () => {
    it('returns verified from one listing, each envelope loaded once', async () => {
      const l = listing([{ chain: vendor }, { chain: org }]);
      const outcome = await verifyGroups(options(l.listSignatures));
      expect(outcome.verified).toBe(true);
      expect(codes(outcome)).toEqual({ vendor: 'passed', org: 'passed' });
      expect(l.listings()).toBe(1);
      expect([...l.loads.values()]).toEqual([1, 1]);
    });
  });

  describe('when one group has no signature', () => {
    it('returns not verified naming that group and its code', async () => {
      const l = listing([{ chain: vendor }]);
      const outcome = await verifyGroups(options(l.listSignatures));
      expect(outcome.verified).toBe(false);
      expect(codes(outcome)).toEqual({ vendor: 'passed', org: 'CERT_CHAIN_UNTRUSTED' });
    });

    it('returns verified when signersRequired is met by the other group', async () => {
      const l = listing([{ chain: org }]);
      const outcome = await verifyGroups(options(l.listSignatures, { required: 1 }));
      expect(outcome.verified).toBe(true);
      expect(codes(outcome)).toEqual({ vendor: 'CERT_CHAIN_UNTRUSTED', org: 'passed' });
    });

    it('returns SIGNATURE_NOT_FOUND for every group of an unsigned image', async () => {
      const l = listing([]);
      const outcome = await verifyGroups(options(l.listSignatures));
      expect(codes(outcome)).toEqual({ vendor: 'SIGNATURE_NOT_FOUND', org: 'SIGNATURE_NOT_FOUND' });
    });
  });

  describe('when an attacker’s signature satisfies one group', () => {
    it('never counts it for another group of the same CA but another identity', async () => {
      const sameCa = groups();
      sameCa[1] = {
        name: 'org',
        statement: statement('ubuntu/org', ['ca:vendor'], [`x509.subject: ${ORG_DN}`]),
      };
      const l = listing([{ chain: vendor }]);
      const outcome = await verifyGroups(options(l.listSignatures, { groups: sameCa }));
      expect(outcome.verified).toBe(false);
      expect(codes(outcome)).toEqual({ vendor: 'passed', org: 'IDENTITY_UNTRUSTED' });
    });

    it('does not satisfy signersRequired 2 with two copies of the vendor signature', async () => {
      const l = listing([{ chain: vendor }, { chain: vendor }]);
      const outcome = await verifyGroups(options(l.listSignatures));
      expect(outcome.verified).toBe(false);
      expect(codes(outcome)['org']).toBe('CERT_CHAIN_UNTRUSTED');
    });
  });

  describe('when a group requires signed user metadata', () => {
    it('returns METADATA_MISMATCH for that group only', async () => {
      const g = groups();
      g[0] = { ...g[0]!, userMetadata: { buildId: '42' } };
      const l = listing([{ chain: vendor, metadata: { buildId: '41' } }, { chain: org }]);
      const outcome = await verifyGroups(options(l.listSignatures, { groups: g }));
      expect(codes(outcome)).toEqual({ vendor: 'METADATA_MISMATCH', org: 'passed' });
      const right = listing([{ chain: vendor, metadata: { buildId: '42' } }, { chain: org }]);
      expect((await verifyGroups(options(right.listSignatures, { groups: g }))).verified).toBe(
        true,
      );
    });
  });

  describe('when junk referrers are listed', () => {
    it('loads at most maxSignatures distinct envelopes across three groups, each once', async () => {
      const three = [...groups(), { name: 'ci', statement: statement('ubuntu/ci', ['ca:org']) }];
      const l = listing(Array<'junk'>(100).fill('junk'));
      const outcome = await verifyGroups(options(l.listSignatures, { groups: three, required: 3 }));
      expect(outcome.verified).toBe(false);
      expect(codes(outcome)['ci']).toBe('MAX_SIGNATURES_EXCEEDED');
      expect(l.loads.size).toBe(DEFAULT_MAX_SIGNATURES);
      expect(Math.max(...l.loads.values())).toBe(1);
    });

    it('keeps a group’s own signature in reach when junk copies another group’s thumbprint', async () => {
      const vendorThumb = thumbprint(vendor.root.der);
      const orgThumb = thumbprint(org.root.der);
      const junk = Array<'junk'>(40).fill('junk');
      const l = listing(
        [...junk, { chain: vendor }, { chain: org }],
        [...junk.map(() => [vendorThumb]), [vendorThumb], [orgThumb]],
      );
      const outcome = await verifyGroups(options(l.listSignatures, { required: 1 }));
      expect(codes(outcome)['org']).toBe('passed');
      expect(l.loads.size).toBeLessThanOrEqual(DEFAULT_MAX_SIGNATURES);
    });
  });

  describe('when a group’s signature could not be fetched', () => {
    it('returns verified when the required groups passed without it', async () => {
      const l = listing([{ chain: vendor }, 'unavailable']);
      const outcome = await verifyGroups(options(l.listSignatures, { required: 1 }));
      expect(outcome.verified).toBe(true);
      expect(outcome.groups[1]?.unavailable).toBeDefined();
    });

    it('throws the availability error when that group could change the verdict', async () => {
      const l = listing([{ chain: vendor }, 'unavailable']);
      await expect(verifyGroups(options(l.listSignatures))).rejects.toMatchObject({
        kind: 'availability',
      });
    });
  });

  describe('when there is one group', () => {
    it('returns exactly verifyArtifact’s outcome for its statement', async () => {
      const only = groups()[1]!;
      for (const who of [[{ chain: org }], [{ chain: vendor }], []]) {
        const l = listing(who);
        const grouped = await verifyGroups(
          options(l.listSignatures, { groups: [only], required: 1 }),
        );
        const plain = await verifyArtifact({
          ...options(l.listSignatures),
          document: { version: '1.0', trustPolicies: [only.statement] },
        });
        expect(grouped.groups[0]?.outcome).toEqual(plain);
      }
    });
  });

  describe('when passing groups expire at different times', () => {
    it('returns the instant until which the required number still hold', async () => {
      const l = listing([{ chain: vendor }, { chain: org }]);
      const one = await verifyGroups(options(l.listSignatures, { required: 1 }));
      const both = await verifyGroups(options(l.listSignatures));
      const times = one.groups.map((g) => g.outcome.signature!.validUntil!.getTime());
      expect(one.validUntil?.getTime()).toBe(Math.max(...times));
      expect(both.validUntil?.getTime()).toBe(Math.min(...times));
    });
  });
});
