import { describe, expect, it } from 'vitest';
import { createNamespaceLabels, NamespaceLookupError } from './namespace-labels.js';

/** A read whose answers the test gives, one pending promise per call. */
function pendingReads() {
  const calls: { name: string; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  const read = (name: string) =>
    new Promise<{ labels?: Record<string, string> }>((resolve, reject) =>
      calls.push({ name, resolve: resolve as (v: unknown) => void, reject }),
    );
  return { calls, read };
}

const apiError = (code: number) => Object.assign(new Error('HTTP-Code: …'), { code, body: '' });

describe('createNamespaceLabels', () => {
  describe('when concurrent reviews ask for one namespace', () => {
    it('returns its labels from one read, and from the cache until the TTL passes', async () => {
      let clock = 0;
      const { calls, read } = pendingReads();
      const lookup = createNamespaceLabels({ read, cacheTtlMs: 5_000, now: () => clock });
      const both = Promise.all([lookup('team-a'), lookup('team-a')]);
      calls[0]!.resolve({ labels: { team: 'a' } });
      expect(await both).toEqual([{ team: 'a' }, { team: 'a' }]);
      expect(await lookup('team-a')).toEqual({ team: 'a' });
      expect(calls).toHaveLength(1);
      clock = 5_001;
      const again = lookup('team-a');
      calls[1]!.resolve({});
      expect(await again).toEqual({});
      expect(calls).toHaveLength(2);
    });
  });

  describe('when the namespace does not exist', () => {
    it('throws "not found", remembered for missingTtlMs only', async () => {
      let clock = 0;
      const { calls, read } = pendingReads();
      const lookup = createNamespaceLabels({ read, missingTtlMs: 1_000, now: () => clock });
      const first = lookup('ghost');
      calls[0]!.reject(apiError(404));
      await expect(first).rejects.toThrow(new NamespaceLookupError('not found'));
      await expect(lookup('ghost')).rejects.toThrow('not found');
      expect(calls).toHaveLength(1);
      clock = 1_001;
      void lookup('ghost').catch(() => undefined);
      expect(calls).toHaveLength(2);
    });
  });

  describe('when the API server fails', () => {
    it('throws its status, never caches it, and never shows client-node text', async () => {
      const { calls, read } = pendingReads();
      const lookup = createNamespaceLabels({ read });
      const first = lookup('team-a');
      calls[0]!.reject(apiError(403));
      await expect(first).rejects.toThrow(
        'HTTP 403: forbidden: the service account lacks the RBAC permission',
      );
      const second = lookup('team-a');
      calls[1]!.reject(new Error('connect ECONNREFUSED\nAuthorization: Bearer secret'));
      await expect(second).rejects.toThrow('the API server could not be reached');
    });
  });

  describe('when the review stops waiting first', () => {
    it('throws at the caller’s signal, and the read goes on for others', async () => {
      const { calls, read } = pendingReads();
      const lookup = createNamespaceLabels({ read });
      const gone = new AbortController();
      const waiting = lookup('team-a', gone.signal);
      gone.abort();
      await expect(waiting).rejects.toThrow('the review deadline passed first');
      const other = lookup('team-a');
      calls[0]!.resolve({ labels: { team: 'a' } });
      expect(await other).toEqual({ team: 'a' });
      expect(calls).toHaveLength(1);
    });
  });

  describe('when too many reads are under way (a flood of unknown namespaces)', () => {
    it('throws at once beyond maxInFlight, and forgets the oldest beyond maxEntries', async () => {
      const { calls, read } = pendingReads();
      const lookup = createNamespaceLabels({ read, maxInFlight: 2, maxEntries: 2 });
      const a = lookup('a');
      const b = lookup('b');
      await expect(lookup('c')).rejects.toThrow('more than 2 namespace lookups are under way');
      calls[0]!.resolve({});
      calls[1]!.resolve({});
      await Promise.all([a, b]);
      const c = lookup('c'); // a third entry: 'a', the oldest, is forgotten
      calls[2]!.resolve({});
      await c;
      void lookup('a');
      expect(calls.map((c) => c.name)).toEqual(['a', 'b', 'c', 'a']);
    });
  });
});
