// Memory of 100,000 cached verdicts (issue 5, target: RSS growth under 50 MB). Each variant runs
// in a fresh child (`node --expose-gc --import tsx bench/cache-memory.ts <variant>`) that fills a
// cache with ENTRIES verified verdicts and reports heapUsed and RSS after a full GC, before and
// after. `pipeline` is the product as it is: the real LruVerdictCache holding CachedVerdict values
// built as src/pipeline/verdict.ts builds them, keyed as src/pipeline/key.ts keys them, from
// strings made as the pipeline makes them (image from a parsed review body, digest cut from it by
// parseReference, signature digest from a parsed manifest). The other variants are prototypes of
// product changes, measured the same way; none of them is in src/.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { cacheKey, LruVerdictCache, Singleflight, type Outcome } from '../src/cache/index.js';
import { CLEAN_VERDICT, verdictKey, type CachedVerdict } from '../src/pipeline/index.js';
import { parseReference, repositoryName } from '../src/registry/index.js';

const ENTRIES = 100_000;
const REPOSITORIES = 1_000;
const REVISION = createHash('sha256').update('policy').digest('hex');
const POLICY = 'production';

/** Varies every digest between the throwaway fill and the measured one. */
let seed = '';
const hex = (text: string): string => createHash('sha256').update(`${seed}${text}`).digest('hex');

/** What the pipeline has in hand for entry `i`. */
function inputs(i: number) {
  const repo = `registry.example.com/team-${i % 50}/app-${i % REPOSITORIES}`;
  // A review body's container image, and a signature manifest's digest, as JSON.parse makes them.
  const { image } = JSON.parse(`{"image":"${repo}@sha256:${hex(`a${i}`)}"}`) as { image: string };
  const sig = JSON.parse(`{"digest":"sha256:${hex(`s${i}`)}"}`) as { digest: string };
  const ref = parseReference(image);
  return { digest: ref.digest!, repository: repositoryName(ref), signature: sig.digest };
}

type In = ReturnType<typeof inputs>;
const pipelineKey = (x: In): string => cacheKey(x.digest, `${REVISION}/${POLICY}/${x.repository}`);
/** Prototype: the key as a 32-byte SHA-256 of the pipeline's key, one Latin-1 char per byte. */
const hashedKey = (x: In): string =>
  createHash('sha256').update(pipelineKey(x)).digest().toString('latin1');
/** Prototype: the pipeline's key, flattened into one sequential string. */
const flatKey = (x: In): string => Buffer.from(pipelineKey(x), 'latin1').toString('latin1');

const EMPTY: string[] = Object.freeze([]) as unknown as string[];
/** The verdict as the pipeline stored it before this measurement (digest and signature in it). */
interface LegacyVerdict {
  result: 'verified';
  digest: string;
  logged: string[];
  signature: string;
}
const verdict = (x: In): LegacyVerdict => ({
  result: 'verified',
  digest: x.digest,
  logged: [],
  signature: x.signature,
});
/**
 * Prototype: no digest (the caller has it: it is in the key), no signature digest (src/ never
 * reads it back) and one shared empty `logged`.
 */
const leanVerdict = () => ({ result: 'verified' as const, logged: EMPTY });

/** Fills the real cache through `get`, as a miss that computes a verified outcome does. */
async function fillReal<V>(key: (x: In) => string, value: (x: In) => V): Promise<unknown> {
  const cache = new LruVerdictCache<V>({ maxEntries: ENTRIES, positiveTtlMs: 3_600_000 });
  for (let i = 0; i < ENTRIES; i++) {
    const x = inputs(i);
    const outcome: Outcome<V> = { kind: 'verified', verdict: value(x), validUntil: Infinity };
    await cache.get(key(x), () => Promise.resolve(outcome));
  }
  if (cache.stats().size !== ENTRIES) throw new Error(`cache holds ${cache.stats().size}`);
  return cache;
}

/** The verdicts without per-entry data, shared: a clean pass is one frozen object for all. */
const CLEAN = Object.freeze({ result: 'verified' as const, logged: EMPTY });

/**
 * Prototype of a compact verdict cache with the same `get` path (Singleflight, one awaited
 * computation per miss): hashed key → { verdict (shared when clean), expiry and store time in
 * whole seconds since the cache started (small integers: no boxed number per entry) }. The Map's
 * insertion order is the LRU order, as in src/cache/lru.ts.
 */
class CompactCache {
  readonly #map = new Map<string, { verdict: typeof CLEAN; expiresAt: number; storedAt: number }>();
  readonly #flights = new Singleflight<typeof CLEAN>();
  readonly #epoch = Date.now();
  readonly #seconds = (): number => Math.floor((Date.now() - this.#epoch) / 1000);

  get size(): number {
    return this.#map.size;
  }

  async get(key: string, compute: () => Promise<{ logged: string[] }>): Promise<typeof CLEAN> {
    const hit = this.#map.get(key);
    if (hit !== undefined && hit.expiresAt > this.#seconds()) return hit.verdict;
    return this.#flights.do(key, async () => {
      const { logged } = await compute();
      const verdict = logged.length === 0 ? CLEAN : { result: 'verified' as const, logged };
      const now = this.#seconds();
      this.#map.set(key, { verdict, expiresAt: now + 300, storedAt: now });
      return verdict;
    }).result;
  }
}

async function fillCompact(): Promise<unknown> {
  const cache = new CompactCache();
  for (let i = 0; i < ENTRIES; i++) {
    const x = inputs(i);
    await cache.get(hashedKey(x), () => Promise.resolve(leanVerdict()));
  }
  if (cache.size !== ENTRIES) throw new Error(`cache holds ${cache.size}`);
  return cache;
}

/** Only the keys (each to one shared value), for the key cost alone. */
function fillKeysOnly(key: (x: In) => string): unknown {
  const map = new Map<string, true>();
  for (let i = 0; i < ENTRIES; i++) map.set(key(inputs(i)), true);
  return map;
}

export const VARIANTS: Record<string, { label: string; fill: () => unknown }> = {
  pipeline: {
    label: 'as it is: LruVerdictCache, verdictKey (hashed), the shared clean CachedVerdict',
    fill: () =>
      fillReal<CachedVerdict>(
        (x) => verdictKey(x.digest, REVISION, POLICY, x.repository),
        () => CLEAN_VERDICT,
      ),
  },
  before: {
    label: 'before: template-literal keys, verdict with digest and signature',
    fill: () => fillReal(pipelineKey, verdict),
  },
  'keys-only': {
    label: 'attribution: only the pipeline keys, in a plain Map',
    fill: () => fillKeysOnly(pipelineKey),
  },
  'flat-key': {
    label: 'A. pipeline key flattened into one string',
    fill: () => fillReal(flatKey, verdict),
  },
  'hashed-key': {
    label: 'B. key = SHA-256 of the pipeline key (32 bytes)',
    fill: () => fillReal(hashedKey, verdict),
  },
  'lean-verdict': {
    label: 'C. verdict without digest and signature, shared empty `logged`',
    fill: () => fillReal(pipelineKey, leanVerdict),
  },
  'hashed-lean': {
    label: 'B + C',
    fill: () => fillReal(hashedKey, leanVerdict),
  },
  'hashed-shared': {
    label: 'B + one shared frozen verdict for every clean pass',
    fill: () => fillReal(hashedKey, () => CLEAN),
  },
  compact: {
    label: 'D. B + shared verdict + compact entry (times as small integers), Map LRU',
    fill: fillCompact,
  },
};

export interface MemoryResult {
  variant: string;
  entries: number;
  /** After the fill minus after the throwaway fill (a process that has done this work before). */
  heapUsedDelta: number;
  rssDelta: number;
  /** After the fill minus a fresh process's baseline (the throwaway fill's churn included). */
  rssDeltaCold: number;
}

async function measureChild(variant: string): Promise<MemoryResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const fill = VARIANTS[variant]!.fill;
  inputs(0); // load and compile everything the fill uses before the baseline
  const settle = (): NodeJS.MemoryUsage => {
    gc();
    gc();
    return process.memoryUsage();
  };
  const fresh = settle();
  // A throwaway fill with other digests: the same allocations, all garbage once it is dropped,
  // so the next delta is what the entries hold, not how far the heap and malloc grew to make them.
  seed = 'throwaway';
  await (async (): Promise<void> => void (await fill()))(); // a frame of its own: nothing stays
  seed = '';
  const before = settle();
  const spacesBefore = v8.getHeapSpaceStatistics();
  const held = await fill();
  const after = settle();
  if (held === undefined) throw new Error('nothing held');
  return {
    variant,
    entries: ENTRIES,
    heapUsedDelta: after.heapUsed - before.heapUsed,
    rssDelta: after.rss - before.rss,
    rssDeltaCold: after.rss - fresh.rss,
    ...(process.env['BENCH_MEMORY_DEBUG'] && {
      debug: { fresh, before, after, spacesBefore, spaces: v8.getHeapSpaceStatistics() },
    }),
  };
}

/** Runs one variant in a fresh Node process. */
function runChild(variant: string): Promise<MemoryResult> {
  const args = ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), variant];
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, (err, out, stderr) =>
      err
        ? reject(new Error(`${variant}: ${err.message}\n${stderr}`))
        : resolve(JSON.parse(out) as MemoryResult),
    ),
  );
}

/** Every variant, each in its own process, as a Markdown table. */
export async function memoryTable(runs = 3): Promise<string> {
  const mb = (b: number): string => (b / 1e6).toFixed(1);
  const lines = [
    `| variant (${ENTRIES.toLocaleString('en')} verified verdicts, ${REPOSITORIES} repositories) | heapUsed Δ MB | RSS Δ MB | RSS Δ MB, fresh process | heap bytes/entry | RSS Δ < 50 MB |`,
    '|---|---:|---:|---:|---:|---|',
  ];
  for (const [variant, { label }] of Object.entries(VARIANTS)) {
    const results: MemoryResult[] = [];
    for (let r = 0; r < runs; r++) results.push(await runChild(variant));
    const median = (f: (m: MemoryResult) => number): number =>
      results.map(f).sort((a, b) => a - b)[Math.floor(runs / 2)]!;
    const heap = median((m) => m.heapUsedDelta);
    const rss = median((m) => m.rssDelta);
    const cold = mb(median((m) => m.rssDeltaCold));
    const perEntry = Math.round(heap / ENTRIES);
    lines.push(
      `| ${label} | ${mb(heap)} | ${mb(rss)} | ${cold} | ${perEntry} | ${rss < 50e6 ? 'yes' : 'no'} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(await measureChild(process.argv[2] ?? 'pipeline'))}\n`);
}
