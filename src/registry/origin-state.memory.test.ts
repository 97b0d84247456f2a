import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { RegistryClient } from './client.js';
import { ORIGIN_STATE_DEFAULTS, OriginStates } from './origin-state.js';
import { parseReference } from './reference.js';

// Standing decision 10: Pod specs can name any number of registry hosts. Hosts that do not exist
// still made state before it was bounded (an undici pool per origin, about 25 KB each: 10,000
// names that fail DNS or that the address guard refuses grew the heap by ~245 MiB). Now they
// fill the per-origin state up to its cap and no further.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use after full collections (twice: weak references and finalizers settle). */
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const MiB = 1024 * 1024;
const states = new OriginStates({ now: Date.now });
const client = new RegistryClient({
  originStates: states,
  // Even names fail DNS; odd ones resolve to loopback, which the address guard refuses.
  resolver: (name) =>
    Number(/\d+/.exec(name)?.[0]) % 2 === 0
      ? Promise.reject(
          Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' }),
        )
      : Promise.resolve(['127.0.0.1']),
});
afterAll(() => client.close());

/** Asks `n` distinct hosts from `from` for a manifest, 200 at a time; every call fails. */
async function askHosts(from: number, n: number): Promise<Set<string>> {
  const codes = new Set<string>();
  for (let i = from; i < from + n; i += 200) {
    const batch = Array.from({ length: Math.min(200, from + n - i) }, (_, j) =>
      client.resolve(parseReference(`h${i + j}.example.com/app:1`)).then(
        () => 'resolved',
        (e: { code?: string }) => e.code ?? 'unknown',
      ),
    );
    for (const code of await Promise.all(batch)) codes.add(code);
  }
  return codes;
}

describe('RegistryClient per-origin state', () => {
  describe('when 10,000 distinct hosts are asked for', () => {
    it('returns with the state at its cap and the heap flat', { timeout: 180_000 }, async () => {
      // Warm up past the cap, so the baseline already holds a full state.
      await askHosts(0, 300);
      expect(states.size).toBe(ORIGIN_STATE_DEFAULTS.maxOrigins);
      const before = heapAfterGc();
      const codes = await askHosts(300, 10_000);
      expect(codes).toEqual(new Set(['NETWORK', 'NOT_ALLOWED']));
      expect(states.size).toBe(ORIGIN_STATE_DEFAULTS.maxOrigins);
      // Forgotten pools are closed, not kept: undici lets go of them on its next timer tick
      // (about a second). Unbounded, the 10,000 hosts kept ~245 MiB for good.
      let grown = Infinity;
      await vi.waitFor(
        () => {
          grown = heapAfterGc() - before;
          expect(grown / MiB).toBeLessThan(16);
        },
        { timeout: 20_000, interval: 500 },
      );
      process.stdout.write(`[memory] 10,000 hosts: heap grew ${(grown / MiB).toFixed(1)} MiB\n`);
    });
  });
});
