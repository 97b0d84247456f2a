import { describe, expect, it } from 'vitest';
import type { Outcome } from '../cache/index.js';
import {
  parseReference,
  RegistryError,
  type ReferrerListing,
  type SignatureCandidate,
} from '../registry/index.js';
import { parseTrustPolicyDocument } from '../verify/index.js';
import { withRequiredReferrers, type ListingRegistry } from './referrer-step.js';
import { CLEAN_VERDICT, type CachedVerdict } from './verdict.js';

const IMAGE = `sha256:${'a'.repeat(64)}`;
const SPDX = 'application/spdx+json';
const statement = parseTrustPolicyDocument({
  version: '1.0',
  trustPolicies: [
    {
      name: 'app',
      registryScopes: ['*'],
      signatureVerification: { level: 'strict' },
      trustStores: ['ca:app'],
      trustedIdentities: ['*'],
    },
  ],
}).trustPolicies[0]!;
const SIGNATURE: SignatureCandidate = {
  digest: `sha256:${'b'.repeat(64)}`,
  descriptor: {} as never,
  load: () => Promise.reject(new Error('not loaded here')),
};

/** A registry whose one listing holds a signature and no referrer (or fails with `err`). */
function registry(err?: RegistryError) {
  const calls = { listings: 0, filtered: 0 };
  const r: ListingRegistry = {
    listReferrers: () => {
      calls.listings++;
      if (err) return Promise.reject(err);
      const listing: ReferrerListing = {
        subject: IMAGE,
        signatures: [{ mediaType: 'm', digest: SIGNATURE.digest, size: 1, subject: IMAGE }],
        artifacts: new Map(),
      };
      return Promise.resolve(listing);
    },
    candidates: () => [SIGNATURE],
    fetchReferrer: () => Promise.reject(new Error('no referrer is listed')),
    signatureCandidates: () => {
      calls.filtered++;
      return Promise.resolve([]);
    },
  };
  return { r, calls };
}

const verdicts: Record<string, Outcome<CachedVerdict>> = {
  verified: { kind: 'verified', verdict: CLEAN_VERDICT, validUntil: Infinity },
  failed: {
    kind: 'failed',
    verdict: { result: 'failed', code: 'SIGNATURE_NOT_FOUND', reason: 'x' },
  },
};

const run = (r: ListingRegistry, referrers: number, signatures: 'verified' | 'failed') => {
  const seen: { digest: string }[][] = [];
  const result = withRequiredReferrers(
    {
      registry: r,
      ref: parseReference(`registry.example/app@${IMAGE}`),
      artifact: IMAGE,
      repository: 'registry.example/app',
      requirements: {
        signers: [{ name: 'app', statement }],
        referrers: Array.from({ length: referrers }, () => ({ artifactType: SPDX, signer: 'app' })),
      },
      trustStores: new Map(),
      now: Date.now,
      call: {},
    },
    // As verifyImageOnce: a listing error is its own to classify (here: the given verdict).
    async (list) => {
      if (list) seen.push(await list().catch(() => []));
      return { verdict: verdicts[signatures]! };
    },
  );
  return { result, seen };
};

describe('withRequiredReferrers', () => {
  describe('when the statement requires no referrer', () => {
    it('returns the signatures’ verdict from the caller’s own listing, listing nothing itself', async () => {
      const { r, calls } = registry();
      const { result, seen } = run(r, 0, 'verified');
      expect((await result).verdict).toBe(verdicts['verified']);
      expect(seen).toEqual([]);
      expect(calls).toEqual({ listings: 0, filtered: 0 });
    });
  });

  describe('when it requires a referrer', () => {
    it('lists once, handing the signatures of that listing to the signer groups', async () => {
      const { r, calls } = registry();
      const { result, seen } = run(r, 1, 'verified');
      const out = await result;
      expect(seen).toEqual([[SIGNATURE]]);
      expect(calls).toEqual({ listings: 1, filtered: 0 });
      expect(out.verdict).toMatchObject({
        kind: 'failed',
        verdict: { code: 'REFERRER_NOT_FOUND' },
      });
    });
  });

  describe('when the listing could not be had', () => {
    const down = new RegistryError('NETWORK', 'registry unavailable: 503', { status: 503 });

    it('returns inconclusive when the signatures had passed', async () => {
      const out = await run(registry(down).r, 1, 'verified').result;
      expect(out).toMatchObject({
        stopped: { code: 'NETWORK' },
        verdict: { kind: 'inconclusive' },
      });
    });

    it('returns the signatures’ definitive failure (never left to onError)', async () => {
      const out = await run(registry(down).r, 1, 'failed').result;
      expect(out.verdict).toBe(verdicts['failed']);
    });
  });
});
