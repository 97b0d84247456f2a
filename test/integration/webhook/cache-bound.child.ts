// T-39's child process (run with a small --max-old-space-size and --expose-gc): 100,000 distinct
// digests through one LruVerdictCache capped at 10,000 entries, with verdicts shaped as the
// webhook stores them. Prints what it saw as one JSON line for the parent test to judge.
import { createHash } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import { cacheKey, LruVerdictCache, type Outcome } from '../../../src/cache/index.js';
import type { CachedVerdict } from '../../../src/pipeline/index.js';

const DIGESTS = 100_000;
const MAX_ENTRIES = 10_000;
const REVISION = `${'ab'.repeat(32)}/prod/registry.example.com/acme/app`;

const gc = (globalThis as { gc?: () => void }).gc;
const heapAfterGc = (): number => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
};
const digestOf = (i: number): string =>
  `sha256:${createHash('sha256').update(`image-${i}`).digest('hex')}`;

/** Nine in ten verified, one in ten a definitive failure: both kinds the cache stores. */
function outcomeFor(i: number): Outcome<CachedVerdict> {
  const digest = digestOf(i);
  if (i % 10 === 0)
    return {
      kind: 'failed',
      verdict: {
        result: 'failed',
        code: 'SIGNATURE_NOT_FOUND',
        reason: `no signature is associated with "registry.example.com/acme/app@${digest}"`,
      },
    };
  return {
    kind: 'verified',
    verdict: { result: 'verified', logged: [] },
    validUntil: Infinity,
  };
}

const cache = new LruVerdictCache<CachedVerdict>({ maxEntries: MAX_ENTRIES });
const checkpoints: { digests: number; size: number; heapUsed: number }[] = [];
for (let i = 0; i < DIGESTS; i++) {
  const outcome = outcomeFor(i);
  await cache.get(cacheKey(digestOf(i), REVISION), () => Promise.resolve(outcome));
  if ((i + 1) % 20_000 === 0)
    checkpoints.push({ digests: i + 1, size: cache.stats().size, heapUsed: heapAfterGc() });
}
const never = (): Promise<Outcome<CachedVerdict>> => Promise.reject(new Error('not cached'));
const newest = await cache.get(cacheKey(digestOf(DIGESTS - 1), REVISION), never).catch(() => null);
const oldest = await cache.get(cacheKey(digestOf(0), REVISION), never).catch(() => null);
process.stdout.write(
  `${JSON.stringify({
    stats: cache.stats(),
    checkpoints,
    newestSource: newest?.source ?? 'missing',
    oldestSource: oldest?.source ?? 'missing',
    gcExposed: gc !== undefined,
    heapLimit: getHeapStatistics().heap_size_limit,
  })}\n`,
);
