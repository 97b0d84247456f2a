import { beforeEach, describe, expect, it } from 'vitest';
import {
  ecdsaKey,
  inDays,
  keyJson,
  MemoryTufRepo,
  target,
  type Publication,
  type SigningKey,
} from '../../../test/support/tuf-repo.js';
import type { Json } from './canonical-json.js';
import { EMPTY_STATE, type TufState } from './state.js';
import { verifyTrustData, type VerifyTrustDataOptions } from './verify-trust-data.js';

const A = { digest: `sha256:${'a'.repeat(64)}`, size: 527 };
const B = { digest: `sha256:${'b'.repeat(64)}`, size: 1000 };
let repo: MemoryTufRepo;
let pub: Publication;

beforeEach(async () => {
  repo = await MemoryTufRepo.create();
  pub = { ...repo.defaults(), targets: { v1: target(A.digest, A.size) } };
  repo.publish(pub);
});

const verify = (o: Partial<VerifyTrustDataOptions> = {}) =>
  verifyTrustData({
    gun: repo.gun,
    trustStore: repo.pins(),
    source: repo,
    image: { ...A, tag: 'v1' },
    now: new Date(),
    ...o,
  });
const code = (c: string, role?: string): Record<string, string> => ({
  code: c,
  ...(role && { role }),
});
const republish = (change: Partial<Publication>): void =>
  repo.publish((pub = { ...pub, ...change }));
const bumped = (): Partial<Publication> => ({
  timestampVersion: pub.timestampVersion + 1,
  snapshotVersion: pub.snapshotVersion + 1,
});

describe('verifyTrustData', () => {
  describe('when every role verifies', () => {
    it('returns the target of the tag and the versions trusted', async () => {
      const out = await verify();
      expect(out.target).toEqual({ name: 'v1', role: 'targets', digest: A.digest, length: A.size });
      expect(out.state).toEqual({ root: 1, timestamp: 1, snapshot: 1, targets: { targets: 1 } });
    });

    it('reads snapshot and targets by their consistent names', async () => {
      await verify();
      expect(repo.requests.map((r) => r.replace(/\.[0-9a-f]{64}$/, '.<sha256>'))).toEqual([
        'root',
        'timestamp',
        'snapshot.<sha256>',
        'targets.<sha256>',
      ]);
    });

    it('returns the target whose hash is the digest when no tag is given', async () => {
      expect((await verify({ image: A })).target.name).toBe('v1');
    });
  });

  describe('when the image is not what the target says', () => {
    it('throws DIGEST_MISMATCH for another digest under the tag', async () => {
      await expect(verify({ image: { ...B, tag: 'v1' } })).rejects.toMatchObject(
        code('DIGEST_MISMATCH'),
      );
    });

    it('throws DIGEST_MISMATCH for the right digest with another size', async () => {
      await expect(verify({ image: { ...A, size: 1, tag: 'v1' } })).rejects.toMatchObject(
        code('DIGEST_MISMATCH'),
      );
    });

    it('throws DIGEST_MISMATCH for a digest that is not sha256', async () => {
      await expect(
        verify({ image: { digest: `sha512:${'a'.repeat(128)}`, tag: 'v1' } }),
      ).rejects.toMatchObject(code('DIGEST_MISMATCH'));
    });

    it('throws TARGET_NOT_FOUND for an unknown tag or digest', async () => {
      await expect(verify({ image: { ...A, tag: 'v9' } })).rejects.toMatchObject(
        code('TARGET_NOT_FOUND'),
      );
      await expect(verify({ image: B })).rejects.toMatchObject(code('TARGET_NOT_FOUND'));
    });
  });

  describe('when the timestamp is not right', () => {
    it('throws THRESHOLD_NOT_MET when another key signed it', async () => {
      const named = repo.timestampKey;
      repo.timestampKey = ecdsaKey();
      republish({ edit: { root: (d) => nameKey(d, 'timestamp', named) } });
      await expect(verify()).rejects.toMatchObject(code('THRESHOLD_NOT_MET', 'timestamp'));
    });

    it('throws EXPIRED once it expired', async () => {
      await expect(verify({ now: new Date(Date.now() + 15 * 86_400_000) })).rejects.toMatchObject(
        code('EXPIRED', 'timestamp'),
      );
    });

    it('throws ROLLBACK for a version lower than one trusted', async () => {
      const state: TufState = { ...EMPTY_STATE, timestamp: 2 };
      await expect(verify({ state })).rejects.toMatchObject(code('ROLLBACK', 'timestamp'));
    });

    it('throws METADATA_MISSING when the server has none', async () => {
      repo.files.delete('timestamp');
      await expect(verify()).rejects.toMatchObject(code('METADATA_MISSING', 'timestamp'));
    });
  });

  describe('when the snapshot is not right', () => {
    it('throws HASH_MISMATCH for bytes other than the timestamp names', async () => {
      const name = [...repo.files.keys()].find((n) => n.startsWith('snapshot.'))!;
      const bytes = repo.files.get(name)!;
      repo.files.set(name, Buffer.from(bytes.toString().replace('"version":1', '"version":2')));
      await expect(verify()).rejects.toMatchObject(code('HASH_MISMATCH', 'snapshot'));
    });

    it('throws HASH_MISMATCH for more bytes than the timestamp names, from a source that stops at them', async () => {
      const name = [...repo.files.keys()].find((n) => n.startsWith('snapshot.'))!;
      repo.files.set(name, Buffer.concat([repo.files.get(name)!, Buffer.from(' ')]));
      // As src/registry's client: a body over maxBytes is a TOO_LARGE rejection, not bytes.
      const stopping = {
        fetch: async (gun: string, r: Parameters<MemoryTufRepo['fetch']>[1]) => {
          const body = await repo.fetch(gun, r);
          if (body && body.length > r.maxBytes)
            throw Object.assign(new Error('over maxBytes'), { code: 'TOO_LARGE' });
          return body;
        },
      };
      await expect(verify({ source: stopping })).rejects.toMatchObject(
        code('HASH_MISMATCH', 'snapshot'),
      );
      await expect(verify()).rejects.toMatchObject(code('HASH_MISMATCH', 'snapshot'));
    });

    it('throws TOO_LARGE before fetching when the timestamp announces more than the bound', async () => {
      await expect(verify({ limits: { snapshotBytes: 100 } })).rejects.toMatchObject(
        code('TOO_LARGE', 'snapshot'),
      );
      expect(repo.requests.some((r) => r.startsWith('snapshot'))).toBe(false);
    });

    it('throws ROLLBACK for an older snapshot under a newer timestamp', async () => {
      const state: TufState = { ...EMPTY_STATE, snapshot: 3 };
      republish({ timestampVersion: 5, snapshotVersion: 2 });
      await expect(verify({ state })).rejects.toMatchObject(code('ROLLBACK', 'snapshot'));
    });

    it('throws EXPIRED once it expired', async () => {
      republish({ snapshotExpires: new Date(Date.now() - 1000).toISOString() });
      await expect(verify()).rejects.toMatchObject(code('EXPIRED', 'snapshot'));
    });

    it('throws HASH_MISMATCH when the root is not the one it was made with', async () => {
      republish({
        edit: {
          snapshot: (d) =>
            void ((d['meta'] as Record<string, unknown>)['root'] = {
              length: 1,
              hashes: { sha256: Buffer.alloc(32).toString('base64') },
            }),
        },
      });
      await expect(verify()).rejects.toMatchObject(code('HASH_MISMATCH', 'root'));
    });

    it('throws METADATA_MALFORMED when it has no targets meta', async () => {
      republish({
        edit: { snapshot: (d) => void delete (d['meta'] as Record<string, unknown>)['targets'] },
      });
      await expect(verify()).rejects.toMatchObject(code('METADATA_MALFORMED'));
    });
  });

  describe('when the targets role is not right', () => {
    it('throws EXPIRED once it expired', async () => {
      republish({ targetsExpires: new Date(Date.now() - 1000).toISOString() });
      await expect(verify()).rejects.toMatchObject(code('EXPIRED', 'targets'));
    });

    it('throws ROLLBACK for a version lower than one trusted', async () => {
      await expect(
        verify({ state: { ...EMPTY_STATE, targets: { targets: 4 } } }),
      ).rejects.toMatchObject(code('ROLLBACK', 'targets'));
    });

    it('throws THRESHOLD_NOT_MET when a key the root does not name signed it', async () => {
      const named = repo.targetsKey;
      repo.targetsKey = ecdsaKey();
      republish({ edit: { root: (d) => nameKey(d, 'targets', named) } });
      await expect(verify()).rejects.toMatchObject(code('THRESHOLD_NOT_MET', 'targets'));
    });
  });

  describe('when an answer is outside the bounds', () => {
    it('throws TOO_LARGE for more bytes than the source was allowed', async () => {
      const big = { fetch: async () => Promise.resolve(new Uint8Array(600 * 1024)) };
      await expect(verify({ source: big })).rejects.toMatchObject(code('TOO_LARGE'));
    });

    it('throws TOO_LARGE when the whole verification would read more than its budget', async () => {
      await expect(verify({ limits: { totalBytes: 3000 } })).rejects.toMatchObject(
        code('TOO_LARGE'),
      );
    });

    it('throws TOO_LARGE for more signatures than the bound', async () => {
      const ts = JSON.parse(repo.files.get('timestamp')!.toString()) as { signatures: unknown[] };
      ts.signatures = Array.from({ length: 65 }, () => ts.signatures[0]);
      repo.files.set('timestamp', Buffer.from(JSON.stringify(ts)));
      await expect(verify()).rejects.toMatchObject(code('TOO_LARGE'));
    });
  });

  describe('when the source fails', () => {
    it('passes its rejection on as it is (never trusted)', async () => {
      const failure = Object.assign(new Error('timeout'), {
        kind: 'availability',
        code: 'TIMEOUT',
      });
      await expect(verify({ source: { fetch: () => Promise.reject(failure) } })).rejects.toBe(
        failure,
      );
    });

    it('throws TRUST_DATA_NOT_FOUND when there is no root', async () => {
      repo.files.clear();
      await expect(verify()).rejects.toMatchObject(code('TRUST_DATA_NOT_FOUND'));
    });
  });

  describe('when versions go up between verifications', () => {
    it('returns a state that never goes down', async () => {
      const first = (await verify()).state;
      republish({ ...bumped(), targetsVersion: 2 });
      const second = (await verify({ state: first })).state;
      expect(second).toMatchObject({ timestamp: 2, snapshot: 2, targets: { targets: 2 } });
    });
  });

  describe('when a root verified before is given', () => {
    const rootRequests = (): number => repo.requests.filter((r) => r === 'root').length;

    it('returns the target without fetching root.json', async () => {
      const first = await verify();
      republish({
        ...bumped(),
        targets: { v1: target(A.digest, A.size), v2: target(B.digest, B.size) },
      });
      const before = rootRequests();
      const out = await verify({
        image: { ...B, tag: 'v2' },
        trustedRoot: first.root,
        state: first.state,
      });
      expect(out.target.name).toBe('v2');
      expect(rootRequests()).toBe(before);
      expect(out.root).toBe(first.root);
    });

    it('returns the target through the new root when the root changed on the server', async () => {
      const first = await verify();
      republish({ ...bumped(), rootVersion: 2, targets: { v1: target(A.digest, A.size) } });
      const out = await verify({ trustedRoot: first.root, state: first.state });
      expect(out.state.root).toBe(2);
      expect(out.root).not.toBe(first.root);
    });

    it('fetches root.json again once the cached root expired', async () => {
      const first = await verify();
      const later = new Date(Date.now() + 20 * 86_400_000);
      const before = rootRequests();
      await expect(verify({ trustedRoot: first.root, now: later })).rejects.toMatchObject(
        code('EXPIRED', 'timestamp'),
      );
      expect(rootRequests()).toBe(before + 1);
    });
  });

  describe('when the target is found', () => {
    it('returns the earliest expiry of the metadata used', async () => {
      const soonest = inDays(1);
      republish({ ...bumped(), timestampExpires: inDays(2), targetsExpires: soonest });
      const out = await verify();
      expect(out.expires).toEqual(new Date(soonest));
    });
  });
});

/** Makes the root name `key` as the role's only key (the files are signed by another). */
function nameKey(doc: Record<string, Json>, role: string, key: SigningKey): void {
  (doc['keys'] as Record<string, Json>)[key.id] = keyJson(key);
  (doc['roles'] as Record<string, Json>)[role] = { keyids: [key.id], threshold: 1 };
}
