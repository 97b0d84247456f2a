import { describe, expect, it } from 'vitest';
import type { Outcome } from '../cache/index.js';
import type { SignedSubject } from '../config/snapshot.types.js';
import { parseReference, RegistryError, type OciDescriptor } from '../registry/index.js';
import type { Descriptor } from '../verify/index.js';
import { MAX_PLATFORMS, selectPlatforms, verifyBySubject, verifySubjects } from './platforms.js';
import { CLEAN_VERDICT, type CachedVerdict } from './verdict.js';

const INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const digestN = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const INDEX: Descriptor = { mediaType: INDEX_TYPE, digest: digestN(0), size: 900 };

function entry(n: number, platform?: string): OciDescriptor {
  const [os, architecture, variant] = (platform ?? '').split('/');
  return {
    mediaType: MANIFEST,
    digest: digestN(n),
    size: 500,
    ...(platform && {
      platform: { os: os!, architecture: architecture!, ...(variant && { variant }) },
    }),
  };
}

const verified = (until = Infinity): Outcome<CachedVerdict> => ({
  kind: 'verified',
  verdict: CLEAN_VERDICT,
  validUntil: until,
});
const failed = (code = 'SIGNATURE_NOT_FOUND'): Outcome<CachedVerdict> => ({
  kind: 'failed',
  verdict: { result: 'failed', code, reason: 'no signature is associated with it' },
});

/** `signed`: digests whose verification passes (with validUntil = their number). */
function run(
  mode: SignedSubject,
  manifests: OciDescriptor[],
  signed: Set<string>,
  platforms?: string[],
) {
  const seen = { fetches: 0, verified: [] as string[] };
  const result = verifySubjects<Outcome<CachedVerdict>>({
    registry: {
      platforms: (_ref, artifact) => {
        seen.fetches++;
        return Promise.resolve({
          artifact: typeof artifact === 'string' ? INDEX : artifact,
          manifests,
        });
      },
    },
    ref: parseReference(`registry.example/app@${INDEX.digest}`),
    artifact: INDEX,
    mode,
    ...(platforms && { platforms }),
    call: {},
    verify: (subject) => {
      const digest = typeof subject === 'string' ? subject : subject.digest;
      seen.verified.push(digest);
      return Promise.resolve(
        signed.has(digest) ? verified(1000 + Number.parseInt(digest.slice(-4), 16)) : failed(),
      );
    },
    verdictOf: (r) => r,
  });
  return { result, seen };
}

const twoPlatforms = [entry(1, 'linux/amd64'), entry(2, 'linux/arm64/v8')];

describe('verifySubjects', () => {
  describe('when the mode is Index', () => {
    it('returns the index verdict without fetching the index', async () => {
      const { result, seen } = run('Index', twoPlatforms, new Set([INDEX.digest]));
      expect((await result).verdict.kind).toBe('verified');
      expect(seen).toEqual({ fetches: 0, verified: [INDEX.digest] });
    });
  });

  describe('when the mode is EachPlatform', () => {
    it('returns verified when every platform is signed, until the earliest expiry', async () => {
      const { result, seen } = run('EachPlatform', twoPlatforms, new Set([digestN(1), digestN(2)]));
      const { verdict } = await result;
      expect(verdict).toEqual({ kind: 'verified', verdict: CLEAN_VERDICT, validUntil: 1001 });
      expect(seen.fetches).toBe(1);
      expect(seen.verified.sort()).toEqual([digestN(1), digestN(2)]);
    });

    it('returns failed naming the unsigned platform', async () => {
      const { result } = run('EachPlatform', twoPlatforms, new Set([INDEX.digest, digestN(1)]));
      const { verdict } = await result;
      expect(verdict).toMatchObject({ kind: 'failed', verdict: { code: 'SIGNATURE_NOT_FOUND' } });
      expect(verdict.verdict.result === 'failed' && verdict.verdict.reason).toMatch(
        /^platform linux\/arm64\/v8 \(sha256:0{12}\): no signature/,
      );
    });

    it('verifies only the platforms of the filter, any variant of an arch without one', async () => {
      const list = [...twoPlatforms, entry(3, 'linux/s390x')];
      const { result, seen } = run('EachPlatform', list, new Set([digestN(1), digestN(2)]), [
        'linux/amd64',
        'linux/arm64',
      ]);
      expect((await result).verdict.kind).toBe('verified');
      expect(seen.verified.sort()).toEqual([digestN(1), digestN(2)]);
    });

    it('returns verified for a single-platform image verified as itself', async () => {
      const { result, seen } = run('EachPlatform', [], new Set([INDEX.digest]));
      expect((await result).verdict.kind).toBe('verified');
      expect(seen.verified).toEqual([INDEX.digest]);
    });
  });

  describe('when the mode is Either', () => {
    it('returns verified from the index alone when it is signed', async () => {
      const { result, seen } = run('Either', twoPlatforms, new Set([INDEX.digest]));
      expect((await result).verdict.kind).toBe('verified');
      expect(seen.verified).toEqual([INDEX.digest]);
    });

    it('returns verified when every platform is signed instead', async () => {
      const { result } = run('Either', twoPlatforms, new Set([digestN(1), digestN(2)]));
      expect((await result).verdict.kind).toBe('verified');
    });

    it('returns failed naming both the index and the platform when neither holds', async () => {
      const { result } = run('Either', twoPlatforms, new Set([digestN(1)]));
      const { verdict } = await result;
      expect(verdict.kind).toBe('failed');
      const reason = verdict.verdict.result === 'failed' ? verdict.verdict.reason : '';
      expect(reason).toContain('index: no signature');
      expect(reason).toContain('nor every platform: platform linux/arm64/v8');
    });
  });

  describe('when the index lists 10,000 platforms', () => {
    it('returns TOO_MANY_PLATFORMS having verified none of them', async () => {
      const many = Array.from({ length: 10_000 }, (_, i) => entry(i + 1, `linux/arch${i}`));
      const { result, seen } = run('EachPlatform', many, new Set());
      expect((await result).verdict).toMatchObject({
        kind: 'failed',
        verdict: { code: 'TOO_MANY_PLATFORMS' },
      });
      expect(seen.verified).toEqual([]);
    });
  });
});

describe('verifyBySubject', () => {
  describe('when one platform is left to verify and it fails', () => {
    it('returns its account with the verdict naming the platform', async () => {
      const result = await verifyBySubject<{ verdict: Outcome<CachedVerdict>; id: string }>({
        registry: {
          platforms: () => Promise.resolve({ artifact: INDEX, manifests: twoPlatforms }),
        },
        ref: parseReference(`registry.example/app@${INDEX.digest}`),
        artifact: INDEX,
        mode: 'EachPlatform',
        platforms: ['linux/arm64'],
        call: {},
        verify: (subject) =>
          Promise.resolve({
            verdict: failed(),
            id: typeof subject === 'string' ? subject : subject.digest,
          }),
      });
      expect(result).toMatchObject({ id: digestN(2), verdict: { kind: 'failed' } });
      const reason =
        result.verdict.verdict.result === 'failed' ? result.verdict.verdict.reason : '';
      expect(reason).toMatch(/^platform linux\/arm64\/v8 /);
    });
  });

  describe('when the index cannot be fetched', () => {
    it('returns the registry error as stopped (inconclusive for availability)', async () => {
      const down = new RegistryError('NETWORK', 'registry unavailable: 503', { status: 503 });
      const result = await verifyBySubject({
        registry: { platforms: () => Promise.reject(down) },
        ref: parseReference(`registry.example/app@${INDEX.digest}`),
        artifact: INDEX,
        mode: 'Either',
        call: {},
        verify: () => Promise.resolve({ verdict: failed() }),
      });
      expect(result).toMatchObject({
        stopped: { code: 'NETWORK' },
        verdict: { kind: 'inconclusive' },
      });
    });
  });
});

describe('selectPlatforms', () => {
  describe('when the index holds attestation manifests and entries without a platform', () => {
    it('returns every runnable entry, those without a platform whatever the filter', () => {
      const list = [entry(1, 'linux/amd64'), entry(2, 'unknown/unknown'), entry(3)];
      expect(selectPlatforms(list, ['linux/arm64'])).toEqual({ chosen: [entry(3)] });
      expect(selectPlatforms(list, undefined)).toEqual({
        chosen: [entry(1, 'linux/amd64'), entry(3)],
      });
    });
  });

  describe('when the filter names a variant', () => {
    it('returns only that variant', () => {
      const list = [entry(1, 'linux/arm/v6'), entry(2, 'linux/arm/v7')];
      expect(selectPlatforms(list, ['linux/arm/v7'])).toEqual({
        chosen: [entry(2, 'linux/arm/v7')],
      });
    });
  });

  describe('when nothing matches or too much does', () => {
    it('returns PLATFORM_NOT_FOUND or TOO_MANY_PLATFORMS', () => {
      expect(selectPlatforms([entry(1, 'linux/amd64')], ['linux/arm64'])).toMatchObject({
        code: 'PLATFORM_NOT_FOUND',
      });
      const many = Array.from({ length: MAX_PLATFORMS + 1 }, (_, i) => entry(i, `linux/a${i}`));
      expect(selectPlatforms(many, undefined)).toMatchObject({ code: 'TOO_MANY_PLATFORMS' });
      expect(selectPlatforms(many.slice(1), undefined)).toHaveProperty('chosen');
    });
  });
});
