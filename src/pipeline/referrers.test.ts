import { beforeAll, describe, expect, it } from 'vitest';
import { makeChain, type Chain } from '../../test/support/certs.js';
import { signJws } from '../../test/support/envelopes.js';
import type { SignerGroup } from '../config/snapshot.types.js';
import {
  parseReference,
  RegistryError,
  type FetchedReferrer,
  type ReferrerDescriptor,
} from '../registry/index.js';
import {
  createTrustStore,
  parseTrustPolicyDocument,
  type Descriptor,
  type TrustStores,
} from '../verify/index.js';
import { referrersVerdict } from './referrer-verdict.js';
import {
  MAX_REFERRER_CANDIDATES,
  verifyReferrers,
  type ReferrerRegistry,
  type ReferrerStepOptions,
} from './referrers.js';

const IMAGE = `sha256:${'a'.repeat(64)}`;
const SPDX = 'application/spdx+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
// The test chains are valid from an hour before they are made: NOW must not be a fixed date.
const NOW = Math.floor(Date.now() / 1000) * 1000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const digestN = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

function group(name: string, store: string): SignerGroup {
  const document = parseTrustPolicyDocument({
    version: '1.0',
    trustPolicies: [
      {
        name: `policy/${name}`,
        registryScopes: ['*'],
        signatureVerification: { level: 'strict' },
        trustStores: [store],
        trustedIdentities: ['*'],
      },
    ],
  });
  return { name, statement: document.trustPolicies[0]! };
}

/** One referrer as the registry has it: what it lists, what its manifest says, who signed it. */
interface Stored {
  n: number;
  /** The listing's (unsigned) created annotation. */
  listedCreated?: string;
  /** The manifest's own created annotation (signed with it). */
  created?: string;
  signer?: Chain;
  junk?: RegistryError;
}

function fakeRegistry(stored: Stored[]) {
  const seen = { fetched: [] as string[], listed: [] as string[] };
  const descriptor = (s: Stored): Descriptor => ({
    mediaType: MANIFEST,
    digest: digestN(s.n),
    size: 700,
  });
  const registry: ReferrerRegistry = {
    fetchReferrer: (_ref, listed: ReferrerDescriptor) => {
      seen.fetched.push(listed.digest);
      const s = stored.find((x) => digestN(x.n) === listed.digest)!;
      if (s.junk) return Promise.reject(s.junk);
      const created = s.created === undefined ? undefined : new Date(s.created);
      const fetched: FetchedReferrer = {
        descriptor: descriptor(s),
        artifactType: SPDX,
        subject: { mediaType: MANIFEST, digest: IMAGE, size: 500 },
        annotations: {},
        ...(created && { created }),
      };
      return Promise.resolve(fetched);
    },
    signatureCandidates: (_ref, artifact) => {
      const digest = typeof artifact === 'string' ? artifact : artifact.digest;
      seen.listed.push(digest);
      const s = stored.find((x) => digestN(x.n) === digest)!;
      if (!s.signer) return Promise.resolve([]);
      const bytes = signJws({
        chain: s.signer.certs,
        payload: descriptor(s),
        signingTime: new Date(NOW - DAY),
      });
      const load = () =>
        Promise.resolve({ mediaType: 'application/jose+json', bytes, subject: descriptor(s) });
      return Promise.resolve([{ digest: digestN(1000 + s.n), descriptor: {} as never, load }]);
    },
  };
  const listing = {
    subject: IMAGE,
    signatures: [],
    artifacts: new Map([
      [
        SPDX,
        stored.map((s) => ({
          mediaType: MANIFEST,
          digest: digestN(s.n),
          size: 700,
          artifactType: SPDX,
          subject: IMAGE,
          ...(s.listedCreated && {
            annotations: { 'org.opencontainers.image.created': s.listedCreated },
          }),
        })),
      ],
    ]),
  };
  return { registry, listing, seen };
}

describe('verifyReferrers', () => {
  let org: Chain;
  let vendor: Chain;
  let trustStores: TrustStores;
  const groups = () => [group('org', 'ca:org'), group('vendor', 'ca:vendor')];
  beforeAll(async () => {
    [org, vendor] = await Promise.all([
      makeChain({ key: 'ec-p256', levels: 2 }),
      makeChain({ key: 'ec-p256', levels: 2 }),
    ]);
    trustStores = new Map([
      ['ca:org', createTrustStore({ type: 'ca', name: 'org', certificates: [org.root.pem] })],
      [
        'ca:vendor',
        createTrustStore({ type: 'ca', name: 'vendor', certificates: [vendor.root.pem] }),
      ],
    ]);
  });

  const run = (stored: Stored[], maxAgeSeconds?: number) => {
    const fake = fakeRegistry(stored);
    const options: ReferrerStepOptions = {
      registry: fake.registry,
      ref: parseReference(`registry.example/app@${IMAGE}`),
      repository: 'registry.example/app',
      listing: fake.listing,
      requirements: {
        signers: groups(),
        referrers: [
          {
            artifactType: SPDX,
            signer: 'org',
            ...(maxAgeSeconds !== undefined && { maxAgeSeconds }),
          },
        ],
      },
      trustStores,
      now: () => NOW,
      call: {},
    };
    return { result: verifyReferrers(options), seen: fake.seen };
  };
  const verdictOf = async (stored: Stored[], maxAgeSeconds?: number) =>
    referrersVerdict(await run(stored, maxAgeSeconds).result);

  describe('when the image has no referrer of the type', () => {
    it('returns REFERRER_NOT_FOUND naming the artifact type and group', async () => {
      const v = await verdictOf([]);
      expect(v).toEqual({
        verified: false,
        failed: [
          {
            code: 'REFERRER_NOT_FOUND',
            reason: `referrer ${SPDX} signed by org: the image has no referrer of type ${SPDX}`,
          },
        ],
      });
    });
  });

  describe('when a referrer is signed by the named group', () => {
    it('returns verified until created + maxAge (before the signature expires)', async () => {
      const created = iso(NOW - DAY);
      const v = await verdictOf([{ n: 1, created, signer: org }], 7 * 86_400);
      expect(v).toEqual({ verified: true, validUntil: new Date(NOW + 6 * DAY) });
    });
  });

  describe('when the referrer is unsigned', () => {
    it('returns REFERRER_UNTRUSTED with the verifier’s SIGNATURE_NOT_FOUND', async () => {
      const v = await verdictOf([{ n: 1, created: iso(NOW) }]);
      expect(v).toMatchObject({ verified: false, failed: [{ code: 'REFERRER_UNTRUSTED' }] });
      expect(JSON.stringify(v)).toContain('[SIGNATURE_NOT_FOUND]');
    });
  });

  describe('when the referrer is signed by another group', () => {
    it('returns REFERRER_UNTRUSTED with the verifier’s code', async () => {
      const v = await verdictOf([{ n: 1, created: iso(NOW), signer: vendor }]);
      expect(v).toMatchObject({ verified: false, failed: [{ code: 'REFERRER_UNTRUSTED' }] });
      expect(JSON.stringify(v)).toContain('[CERT_CHAIN_UNTRUSTED]');
    });
  });

  describe('when the signed created time is old but the listing claims it is new', () => {
    it('returns REFERRER_TOO_OLD: only the signed manifest counts', async () => {
      const stored = { n: 1, listedCreated: iso(NOW), created: iso(NOW - 30 * DAY), signer: org };
      const v = await verdictOf([stored], 7 * 86_400);
      expect(v).toMatchObject({ verified: false, failed: [{ code: 'REFERRER_TOO_OLD' }] });
    });
  });

  describe('when maxAge is set and the created time is missing or in the future', () => {
    it.each([[undefined], [iso(NOW + DAY)]])('returns REFERRER_TOO_OLD for %j', async (created) => {
      const v = await verdictOf([{ n: 1, ...(created && { created }), signer: org }], 86_400);
      expect(v).toMatchObject({ verified: false, failed: [{ code: 'REFERRER_TOO_OLD' }] });
    });
  });

  describe('when a junk referrer of the type is listed beside the real one', () => {
    it('returns verified, the junk failed alone', async () => {
      const junk = new RegistryError('PROTOCOL', 'names another image as its subject');
      const v = await verdictOf([
        { n: 1, listedCreated: iso(NOW), junk },
        { n: 2, created: iso(NOW - DAY), signer: org },
      ]);
      expect(v.verified).toBe(true);
    });

    it('returns REFERRER_INVALID when the junk is all there is', async () => {
      const junk = new RegistryError('PROTOCOL', 'names another image as its subject');
      const v = await verdictOf([{ n: 1, junk }]);
      expect(v).toMatchObject({ verified: false, failed: [{ code: 'REFERRER_INVALID' }] });
    });
  });

  describe('when the registry lists a flood of referrers of the type', () => {
    it('fetches and lists at most MAX_REFERRER_CANDIDATES, newest listed first', async () => {
      const flood: Stored[] = Array.from({ length: 500 }, (_, i) => ({
        n: i + 10,
        created: iso(NOW),
      }));
      const real = { n: 1, listedCreated: iso(NOW), created: iso(NOW), signer: org };
      const { result, seen } = run([...flood, real]);
      expect(referrersVerdict(await result).verified).toBe(true);
      expect(seen.fetched).toHaveLength(MAX_REFERRER_CANDIDATES);
      expect(seen.listed.length).toBeLessThanOrEqual(MAX_REFERRER_CANDIDATES);
    });
  });

  describe('when a flood of junk claims to be newer than the real referrer', () => {
    it('returns REFERRER_UNTRUSTED (fails closed) having looked at the cap only', async () => {
      const flood: Stored[] = Array.from({ length: 50 }, (_, i) => ({
        n: i + 10,
        listedCreated: iso(NOW - i * 1000),
        created: iso(NOW),
      }));
      const real = { n: 1, listedCreated: iso(NOW - DAY), created: iso(NOW - DAY), signer: org };
      const { result, seen } = run([real, ...flood]);
      const v = referrersVerdict(await result);
      expect(v).toMatchObject({ verified: false, failed: [{ code: 'REFERRER_UNTRUSTED' }] });
      expect(seen.fetched).toHaveLength(MAX_REFERRER_CANDIDATES);
      expect(seen.fetched).not.toContain(digestN(1));
    });
  });

  describe('when several referrers count', () => {
    it('returns the newest by its signed created time', async () => {
      const [older, newer] = [iso(NOW - 2 * DAY), iso(NOW - DAY)];
      const outcomes = await run([
        { n: 1, listedCreated: iso(NOW), created: older, signer: org },
        { n: 2, created: newer, signer: org },
      ]).result;
      expect(outcomes[0]?.passed?.digest).toBe(digestN(2));
    });
  });

  describe('when the registry could not be asked for a candidate and none passed', () => {
    it('throws the availability error (inconclusive, never "no")', async () => {
      const down = new RegistryError('NETWORK', 'registry unavailable: 503', { status: 503 });
      await expect(
        run([
          { n: 1, junk: down },
          { n: 2, created: iso(NOW) },
        ]).result,
      ).rejects.toBe(down);
    });

    it('returns verified when another candidate passed', async () => {
      const down = new RegistryError('NETWORK', 'registry unavailable: 503', { status: 503 });
      const v = await verdictOf([
        { n: 1, junk: down },
        { n: 2, created: iso(NOW), signer: org },
      ]);
      expect(v.verified).toBe(true);
    });
  });
});
