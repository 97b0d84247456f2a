import { describe, expect, it } from 'vitest';
import { RegistryError, type ProvidedCredentials } from '../registry/index.js';
import { CredentialCache } from './cache.js';

const HOUR = 3_600_000;

/** A cache on a clock the test moves, and a fetch that counts its calls. */
function setup(lifeMs = HOUR, maxEntries?: number) {
  const clock = { now: 1_000_000 };
  const calls: string[] = [];
  const refreshErrors: unknown[] = [];
  const cache = new CredentialCache({
    code: 'ECR_CREDENTIALS_UNAVAILABLE',
    label: 'ECR',
    now: () => clock.now,
    ...(maxEntries !== undefined && { maxEntries }),
    onRefreshError: (_key, err) => refreshErrors.push(err),
  });
  let failNext: Error | undefined;
  const fetch = (key: string) => (): Promise<ProvidedCredentials> => {
    calls.push(key);
    if (failNext) {
      const err = failNext;
      failNext = undefined;
      return Promise.reject(err);
    }
    const password = `pw-${calls.length}`;
    return Promise.resolve({ username: 'AWS', password, expiresAt: clock.now + lifeMs });
  };
  const get = (key = 'us-east-1', signal = new AbortController().signal) =>
    cache.get(key, signal, fetch(key));
  const fail = (err: Error) => (failNext = err);
  return { clock, calls, cache, get, fail, refreshErrors };
}

/** Lets a background refresh settle. */
const settle = () => new Promise((r) => setImmediate(r));

describe('CredentialCache', () => {
  describe('when credentials are fresh', () => {
    it('returns the cached ones without fetching again', async () => {
      const t = setup();
      expect((await t.get()).password).toBe('pw-1');
      t.clock.now += 0.79 * HOUR;
      expect((await t.get()).password).toBe('pw-1');
      expect(t.calls).toHaveLength(1);
    });
  });

  describe('when 80% of their life has passed', () => {
    it('returns the current ones and refreshes them once, ahead of expiry', async () => {
      const t = setup();
      await t.get();
      t.clock.now += 0.81 * HOUR;
      const [a, b] = await Promise.all([t.get(), t.get()]);
      expect([a.password, b.password]).toEqual(['pw-1', 'pw-1']);
      await settle();
      expect(t.calls).toHaveLength(2);
      expect((await t.get()).password).toBe('pw-2');
      // Refreshed before the first ones expired: no request ever waited on an expired token.
      t.clock.now += 0.2 * HOUR;
      expect((await t.get()).password).toBe('pw-2');
      expect(t.calls).toHaveLength(2);
    });
  });

  describe('when a refresh ahead of expiry fails', () => {
    it('keeps serving the current ones until they expire, then fetches anew', async () => {
      const t = setup();
      await t.get();
      t.clock.now += 0.9 * HOUR;
      t.fail(new Error('ExpiredTokenException: Token expired'));
      expect((await t.get()).password).toBe('pw-1');
      await settle();
      expect(t.refreshErrors).toHaveLength(1);
      t.clock.now += 0.11 * HOUR;
      expect((await t.get()).password).toBe('pw-3');
    });
  });

  describe('when they have expired', () => {
    it('waits for a new fetch', async () => {
      const t = setup();
      await t.get();
      t.clock.now += HOUR;
      expect((await t.get()).password).toBe('pw-2');
    });
  });

  describe('when many ask at once for absent credentials', () => {
    it('returns one fetch to all of them (single-flight)', async () => {
      const t = setup();
      const all = await Promise.all([t.get(), t.get(), t.get()]);
      expect(all.map((c) => c.password)).toEqual(['pw-1', 'pw-1', 'pw-1']);
      expect(t.calls).toHaveLength(1);
    });
  });

  describe('when the fetch fails', () => {
    it('throws the provider code, keeps nothing, and fetches again next time', async () => {
      const t = setup();
      t.fail(new Error("ENOENT: no such file or directory, open '/var/run/token'"));
      const err = await t.get().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RegistryError);
      expect(err).toMatchObject({
        code: 'ECR_CREDENTIALS_UNAVAILABLE',
        kind: 'availability',
        message:
          "ECR registry credentials unavailable: ENOENT: no such file or directory, open '/var/run/token'",
      });
      expect((await t.get()).password).toBe('pw-2');
    });
  });

  describe('when the provider gives credentials that have already expired', () => {
    it('throws the provider code', async () => {
      const t = setup(-1);
      await expect(t.get()).rejects.toMatchObject({ code: 'ECR_CREDENTIALS_UNAVAILABLE' });
    });
  });

  describe("when a caller's deadline passes during the fetch", () => {
    it('rejects that caller with the provider code and leaves the fetch to the others', async () => {
      const t = setup();
      const caller = new AbortController();
      const late = t.get('us-east-1', caller.signal);
      const patient = t.get();
      caller.abort();
      await expect(late).rejects.toMatchObject({
        code: 'ECR_CREDENTIALS_UNAVAILABLE',
        message:
          'ECR registry credentials unavailable: the deadline passed while they were fetched',
      });
      expect((await patient).password).toBe('pw-1');
    });
  });

  describe('when more keys are asked for than it holds', () => {
    it('forgets the least recently used', async () => {
      const t = setup(HOUR, 2);
      await t.get('a');
      await t.get('b');
      await t.get('a');
      await t.get('c');
      expect(t.cache.size).toBe(2);
      await t.get('a');
      await t.get('b');
      expect(t.calls).toEqual(['a', 'b', 'c', 'b']);
    });
  });
});
