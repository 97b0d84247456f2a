import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryTufRepo, target, type Publication } from '../../test/support/tuf-repo.js';
import type { DctAlternative, PolicyRequirements } from '../config/snapshot.types.js';
import { RegistryError } from '../registry/index.js';
import type { ComputeOptions } from './compute.js';
import { createDctContext, type DctContext } from './dct-context.js';
import { withDct, type ComputedVerification, type DctVerification } from './dct.js';
import type { ImageVerification } from './verify-once.js';

const A = { digest: `sha256:${'a'.repeat(64)}`, size: 527 };
const B = { digest: `sha256:${'b'.repeat(64)}`, size: 900 };
const DAY = 86_400_000;
const NOW = Date.now();

let repo: MemoryTufRepo;
let pub: Publication;
let context: DctContext;
let asked: number;

beforeEach(async () => {
  repo = await MemoryTufRepo.create('registry.example/acme/app');
  pub = { ...repo.defaults(), targets: { v1: target(A.digest, A.size) } };
  repo.publish(pub);
  asked = 0;
  const real = createDctContext();
  // The real state and root memory, over the in-memory repository instead of a server.
  context = {
    ...real,
    session: (_server, _call, fn) => {
      asked++;
      return fn(repo);
    },
  };
});

const policy = (o: Partial<DctAlternative> = {}): DctAlternative => ({
  server: 'https://notary.example',
  until: new Date(NOW + 30 * DAY).toISOString(),
  trustStore: 'acme',
  roots: [repo.root.certPem!],
  roles: ['targets/releases', 'targets'],
  ...o,
});

const notationVerdict =
  (code: string, result: 'failed' | 'inconclusive' = 'failed') =>
  (): Promise<ImageVerification> =>
    Promise.resolve({
      stopped: { result, code, reason: `notation said ${code}` },
      verdict: { kind: result, verdict: { result, code, reason: `notation said ${code}` } },
    });

const passed = (): Promise<ImageVerification> =>
  Promise.resolve({
    stopped: { result: 'failed', code: 'X', reason: 'unused' },
    verdict: {
      kind: 'verified',
      verdict: { result: 'verified', logged: [] },
      validUntil: Infinity,
    },
  });

function run(
  dct: DctAlternative | undefined,
  notation: () => Promise<ImageVerification>,
  o: { image?: typeof A; tag?: string | undefined; digestRef?: boolean; now?: number } = {},
): Promise<ComputedVerification> {
  const image = o.image ?? A;
  const requirements = {
    signers: [],
    signersRequired: 1,
    referrers: [],
    signedSubject: 'Index',
    ...(dct && { dct }),
  } as unknown as PolicyRequirements;
  const options = {
    requirements,
    ref: {
      registry: 'registry.example',
      repository: 'acme/app',
      ...(o.tag !== undefined && { tag: o.tag }),
      ...(o.digestRef && { digest: image.digest }),
    },
    artifact: { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...image },
    signal: new AbortController().signal,
    deadline: NOW + 10_000,
    now: () => o.now ?? NOW,
    dct: context,
  } as unknown as ComputeOptions;
  return withDct(options, notation);
}

const dctOf = (v: ComputedVerification): DctVerification => v as DctVerification;

describe('withDct', () => {
  describe('when the policy accepts no DCT', () => {
    it('returns the Notation verification and asks no Notary server', async () => {
      const out = await run(undefined, notationVerdict('SIGNATURE_NOT_FOUND'));
      expect(out.verdict).toMatchObject({ kind: 'failed' });
      expect(asked).toBe(0);
    });
  });

  describe('when Notation passes', () => {
    it('returns its verdict without asking the Notary server', async () => {
      const out = await run(policy(), passed);
      expect(out.verdict.kind).toBe('verified');
      expect(asked).toBe(0);
    });
  });

  describe('when only DCT signs the image, inside the window', () => {
    it('returns verified, naming the role and tag, valid no longer than until', async () => {
      const p = policy({ until: new Date(NOW + 2 * DAY).toISOString() });
      const out = await run(p, notationVerdict('SIGNATURE_NOT_FOUND'), { tag: 'v1' });
      expect(out.verdict).toEqual({
        kind: 'verified',
        verdict: { result: 'verified', logged: [], dct: { role: 'targets', tag: 'v1' } },
        validUntil: NOW + 2 * DAY,
      });
    });

    it('returns a validity no longer than the trust data’s own expiry', async () => {
      repo.publish(
        (pub = {
          ...pub,
          timestampVersion: 2,
          snapshotVersion: 2,
          timestampExpires: new Date(NOW + DAY).toISOString(),
        }),
      );
      const out = await run(policy(), notationVerdict('SIGNATURE_NOT_FOUND'), { tag: 'v1' });
      expect(out.verdict).toMatchObject({ kind: 'verified', validUntil: NOW + DAY });
    });

    it('returns verified for a digest reference whose digest is any target', async () => {
      const out = await run(policy(), notationVerdict('SIGNATURE_NOT_FOUND'), {
        tag: 'other',
        digestRef: true,
      });
      expect(out.verdict.kind).toBe('verified');
    });

    it('reuses the verified root: a second verification reads no root.json', async () => {
      await run(policy(), notationVerdict('SIGNATURE_NOT_FOUND'), { tag: 'v1' });
      const before = repo.requests.filter((r) => r === 'root').length;
      await run(policy(), notationVerdict('SIGNATURE_NOT_FOUND'), { tag: 'v1' });
      expect(repo.requests.filter((r) => r === 'root').length).toBe(before);
    });
  });

  describe('when the window has closed', () => {
    it('returns DCT_WINDOW_CLOSED after Notation’s clause and asks no Notary server', async () => {
      const p = policy({ until: new Date(NOW - 1).toISOString() });
      const out = await run(p, notationVerdict('SIGNATURE_NOT_FOUND'), { tag: 'v1' });
      expect(out.verdict).toEqual({
        kind: 'failed',
        verdict: {
          result: 'failed',
          code: 'DCT_WINDOW_CLOSED',
          reason: `notation said SIGNATURE_NOT_FOUND [SIGNATURE_NOT_FOUND]; Docker Content Trust signatures stopped counting at ${p.until}: sign the image with Notation`,
        },
      });
      expect(dctOf(out).dct).toBe('window-closed');
      expect(asked).toBe(0);
    });

    it('returns Notation’s own failure when the image has a Notation signature that failed', async () => {
      const p = policy({ until: new Date(NOW - 1).toISOString() });
      const out = await run(p, notationVerdict('CERT_CHAIN_UNTRUSTED'), { tag: 'v1' });
      expect(out.verdict.verdict).toMatchObject({ code: 'CERT_CHAIN_UNTRUSTED' });
    });
  });

  describe('when DCT does not sign the image either', () => {
    it('returns failed with the DCT code last for an image without Notation signatures', async () => {
      const out = await run(policy(), notationVerdict('SIGNATURE_NOT_FOUND'), {
        image: B,
        tag: 'v2',
      });
      expect(out.verdict.verdict).toMatchObject({
        result: 'failed',
        code: 'DCT_TARGET_NOT_FOUND',
        reason: expect.stringMatching(
          /^notation said SIGNATURE_NOT_FOUND \[SIGNATURE_NOT_FOUND\]; Docker Content Trust \(https:\/\/notary\.example\): no target for tag v2 in /,
        ) as unknown,
      });
    });

    it('returns DCT_DIGEST_MISMATCH for a tag signed for another digest', async () => {
      const out = await run(policy(), notationVerdict('SIGNATURE_NOT_FOUND'), {
        image: B,
        tag: 'v1',
      });
      expect(out.verdict.verdict).toMatchObject({ code: 'DCT_DIGEST_MISMATCH' });
    });

    it('returns Notation’s code last when its signature failed', async () => {
      const out = await run(policy(), notationVerdict('SIGNATURE_INVALID'), {
        image: B,
        tag: 'v2',
      });
      expect(out.verdict.verdict).toMatchObject({ result: 'failed', code: 'SIGNATURE_INVALID' });
    });

    it('returns DCT_ROOT_UNTRUSTED when the pin is not the repository’s root', async () => {
      const other = await MemoryTufRepo.create('registry.example/acme/app');
      const out = await run(
        policy({ roots: [other.root.certPem!] }),
        notationVerdict('SIGNATURE_NOT_FOUND'),
        { tag: 'v1' },
      );
      expect(out.verdict.verdict).toMatchObject({ code: 'DCT_ROOT_UNTRUSTED' });
    });
  });

  describe('when an answer is missing', () => {
    it('returns inconclusive when the Notary server could not be asked', async () => {
      context = {
        ...context,
        session: () => Promise.reject(new RegistryError('NETWORK', 'connection refused')),
      };
      const out = await run(policy(), notationVerdict('SIGNATURE_NOT_FOUND'), { tag: 'v1' });
      expect(out.verdict).toMatchObject({ kind: 'inconclusive', verdict: { code: 'NETWORK' } });
    });

    it('returns inconclusive when Notation could not be asked and DCT failed', async () => {
      const out = await run(policy(), notationVerdict('TIMEOUT', 'inconclusive'), {
        image: B,
        tag: 'v2',
      });
      expect(out.verdict).toMatchObject({ kind: 'inconclusive', verdict: { code: 'TIMEOUT' } });
    });

    it('returns verified when Notation could not be asked but DCT signs the image', async () => {
      const out = await run(policy(), notationVerdict('TIMEOUT', 'inconclusive'), { tag: 'v1' });
      expect(out.verdict.kind).toBe('verified');
    });
  });
});
