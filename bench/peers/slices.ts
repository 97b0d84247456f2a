// The closed-loop machinery of the warm and no-cache parts: both servers run for the whole part
// and the load alternates between them in short slices, A B B A, repeated: a machine whose other
// load comes and goes then hits both alike. Round 1 is each block's first pair (ours, then
// Ratify), round 2 its second (Ratify, then ours). One load generator process (pinned to the
// other core) serves every slice; the server's CPU is read over each slice's measured window.
import { target } from './client.js';
import { startLoadGenerator, type LoadGenerator, type LoadSummary } from './loadgen.js';
import { env, median, num, ratio, ORDER, waitQuiet } from './md.js';
import { cpuWindow } from './proc.js';
import { LABEL, OTHER_CPU, SERVER_CPU, type PeerName, type PeerServer } from './servers.js';
import type { PeerBench } from './setup.js';

const SLICE_MS = env('BENCH_PEERS_SLICE_SECONDS', 3, 1) * 1000;
const WARMUP_MS = env('BENCH_PEERS_WARMUP_SECONDS', 1, 0.5) * 1000;
const REPEAT = env('BENCH_PEERS_REPEAT', 3, 1);
export const CONCURRENCY = [1, 4, 16, 64];
export const NAMES: PeerName[] = ['ours', 'ratify'];

export interface Slice {
  summary: LoadSummary;
  cpuMs: number;
  othersShare: number;
}

interface Sweep {
  gen: LoadGenerator;
  b: PeerBench;
  servers: Record<PeerName, PeerServer>;
  refs: string[];
}

async function slice(w: Sweep, name: PeerName, c: number): Promise<Slice> {
  const s = w.servers[name];
  let window: (() => { cpuMs: number; othersShare: number }) | undefined;
  let used = { cpuMs: NaN, othersShare: NaN };
  const options = { ...target(w.b, s), body: s.body(w.refs), concurrency: c };
  const summary = await w.gen.run(
    { ...options, warmupMs: WARMUP_MS, durationMs: SLICE_MS },
    (phase) => {
      if (phase === 'start') window = cpuWindow(s.pid, SERVER_CPU);
      else if (window) used = window();
    },
  );
  return { summary, ...used };
}

/** `round name concurrency` → its slices, REPEAT blocks of A B B A per concurrency. */
export async function interleaved(
  b: PeerBench,
  servers: Record<PeerName, PeerServer>,
  refs: string[],
  concurrency: number[],
): Promise<Map<string, Slice[]>> {
  const out = new Map<string, Slice[]>();
  const plan = concurrency.flatMap((c) =>
    Array.from({ length: REPEAT }, () =>
      ORDER.flatMap((order, i) => order.map((name) => ({ c, round: i + 1, name }))),
    ),
  );
  const w: Sweep = { gen: startLoadGenerator(OTHER_CPU), b, servers, refs };
  try {
    for (const block of plan) {
      await waitQuiet();
      for (const { c, round, name } of block) {
        const key = `${round} ${name} ${c}`;
        out.set(key, [...(out.get(key) ?? []), await slice(w, name, c)]);
      }
    }
  } finally {
    await w.gen.close();
  }
  return out;
}

const pctOf = (v: number): string => `${Math.round(v * 100)}%`;
const range = (v: number[]): string =>
  `${Math.round(median(v))} (${Math.round(Math.min(...v))}–${Math.round(Math.max(...v))})`;
export const cpuPer = (s: Slice[]): number =>
  s.reduce((a, x) => a + x.cpuMs, 0) / s.reduce((a, x) => a + x.summary.requests, 0);

export function row(round: number, name: PeerName, c: number, s: Slice[]): (string | number)[] {
  const failed = s.reduce((a, x) => a + x.summary.failed, 0);
  const sample = s.find((x) => x.summary.failed > 0)?.summary.samples[0];
  return [
    round,
    LABEL[name] + (failed > 0 ? ` (${failed} failed: ${sample})` : ''),
    c,
    range(s.map((x) => x.summary.throughput)),
    num(median(s.map((x) => x.summary.latencyMs.p50))),
    num(median(s.map((x) => x.summary.latencyMs.p99))),
    Math.round(cpuPer(s) * 1000),
    pctOf(median(s.map((x) => x.othersShare))),
  ];
}

export const HEAD = [
  'round',
  '<server',
  'concurrency',
  'requests/s: median (range)',
  'p50 ms',
  'p99 ms',
];
export const CPU_HEAD = ['server CPU µs/request', 'others on its core (median)'];

/** ours ÷ Ratify of one figure at each concurrency, with the range of the per-pair ratios. */
export function ratios(
  slices: Map<string, Slice[]>,
  round: number,
  f: (s: Slice) => number,
): string {
  return CONCURRENCY.filter((c) => slices.has(`${round} ours ${c}`))
    .map((c) => {
      const [o, t] = NAMES.map((n) => slices.get(`${round} ${n} ${c}`)!);
      const pairs = o!.map((x, k) => f(x) / f(t![k]!));
      const lo = Math.min(...pairs).toFixed(2);
      const hi = Math.max(...pairs).toFixed(2);
      return `${ratio(median(o!.map(f)), median(t!.map(f)))} (${lo}–${hi})`;
    })
    .join(' / ');
}

/** One figure per round: the median over its slices of `f`, for each server. */
export function perRound(slices: Map<string, Slice[]>, c: number, f: (s: Slice[]) => number) {
  const at = (n: PeerName): number[] =>
    [1, 2].map((r) => slices.get(`${r} ${n} ${c}`)).map((s) => (s ? f(s) : NaN));
  return { ours: at('ours'), ratify: at('ratify') };
}

export const medianOf = (f: (s: Slice) => number) => (s: Slice[]) => median(s.map(f));
