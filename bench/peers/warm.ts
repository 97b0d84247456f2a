// Closed-loop runs of the two servers on one core: warm (one image by digest, verdict cached) at
// concurrency 1, 4, 16, 64, and without a cache (every request verifies) at concurrency 1. Both
// servers run for the whole part and the load alternates between them in short slices, A B B A,
// repeated: a machine whose other load comes and goes then hits both alike. Round 1 is each
// block's first pair (ours, then Ratify), round 2 its second (Ratify, then ours).
import { setTimeout as sleep } from 'node:timers/promises';
import type { PushedImage } from '../../test/harness/index.js';
import { startCountingProxy } from '../../test/support/counting-proxy.js';
import { sendOk, target } from './client.js';
import { startLoadGenerator, type LoadGenerator, type LoadSummary } from './loadgen.js';
import { env, median, num, ORDER, ratio, table, waitQuiet } from './md.js';
import { cpuWindow, rssBytes } from './proc.js';
import {
  LABEL,
  OTHER_CPU,
  SERVER_CPU,
  withPeers,
  type PeerName,
  type PeerServer,
} from './servers.js';
import { addRegistryHost, via, type PeerBench } from './setup.js';

const SLICE_MS = env('BENCH_PEERS_SLICE_SECONDS', 3) * 1000;
const REPEAT = env('BENCH_PEERS_REPEAT', 3);
const CONCURRENCY = [1, 4, 16, 64];
const MiB = 2 ** 20;
const NAMES: PeerName[] = ['ours', 'ratify'];

interface Slice {
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
    { ...options, warmupMs: 1_000, durationMs: SLICE_MS },
    (phase) => {
      if (phase === 'start') window = cpuWindow(s.pid, SERVER_CPU);
      else if (window) used = window();
    },
  );
  return { summary, ...used };
}

/** `round name concurrency` → its slices, REPEAT blocks of A B B A per concurrency. */
async function interleaved(
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
const cpuPer = (s: Slice[]): number =>
  s.reduce((a, x) => a + x.cpuMs, 0) / s.reduce((a, x) => a + x.summary.requests, 0);

function row(round: number, name: PeerName, c: number, s: Slice[]): (string | number)[] {
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

const HEAD = ['round', '<server', 'concurrency', 'requests/s: median (range)', 'p50 ms', 'p99 ms'];
const CPU_HEAD = ['server CPU µs/request', 'others on its core (median)'];

/** ours ÷ Ratify of one figure at each concurrency, with the range of the per-pair ratios. */
function ratios(slices: Map<string, Slice[]>, round: number, f: (s: Slice) => number): string {
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

export async function warmPart(b: PeerBench, image: PushedImage): Promise<string> {
  return withPeers(b, { cpu: SERVER_CPU, cache: true, tag: 'warm' }, async (servers) => {
    await sleep(1_000);
    const atRest = NAMES.map((n) => rssBytes(servers[n].pid));
    // The verdict cached (Ratify stores verdicts asynchronously: a few requests).
    for (const n of NAMES) await sendOk(b, servers[n], [image.reference], 20);
    const slices = await interleaved(b, servers, [image.reference], CONCURRENCY);
    const rows = [...slices].map(([key, s]) => {
      const [round, name, c] = key.split(' ');
      return row(Number(round), name as PeerName, Number(c), s);
    });
    const memory = NAMES.map((n, i) => [
      LABEL[n],
      num(atRest[i]! / MiB),
      num(rssBytes(servers[n].pid) / MiB),
    ]);
    const ratioRows = [1, 2].map((r) => {
      const cpu = ratio(cpuPer(slices.get(`${r} ours 1`)!), cpuPer(slices.get(`${r} ratify 1`)!));
      const t = ratios(slices, r, (x) => x.summary.throughput);
      return `| ${r} | ${t} | ${ratios(slices, r, (x) => x.summary.latencyMs.p99)} | ${cpu} |`;
    });
    return [
      table(
        [...HEAD, ...CPU_HEAD],
        rows.sort((x, y) => Number(x[0]) - Number(y[0])),
      ),
      '',
      '| round | requests/s, ours ÷ Ratify at 1 / 4 / 16 / 64: median (range of pairs) | p99, ours ÷ Ratify | CPU per request at 1, ours ÷ Ratify |',
      '|---:|---|---|---:|',
      ...ratioRows,
      '',
      table(['<server', 'RSS at rest MiB', 'RSS after the warm runs MiB'], memory),
    ].join('\n');
  });
}

/** Every request verifies afresh: ours `--no-cache`, Ratify without `--cache-enabled`. */
export async function noCachePart(b: PeerBench, image: PushedImage): Promise<string> {
  const proxy = await startCountingProxy(b.registry.url);
  addRegistryHost(b, proxy.host);
  try {
    return await withPeers(
      b,
      { cpu: SERVER_CPU, cache: false, tag: 'nocache' },
      async (servers) => {
        const requests: string[] = [];
        for (const n of NAMES) {
          await sendOk(b, servers[n], [image.reference], 5);
          const from = proxy.requests.length;
          await sendOk(b, servers[n], [via(b, image.reference, proxy.host)], 10);
          requests.push(num((proxy.requests.length - from) / 10));
        }
        const slices = await interleaved(b, servers, [image.reference], [1]);
        const rows = [1, 2].flatMap((r) => [
          ...ORDER[r - 1]!.map((n) => [
            ...row(r, n, 1, slices.get(`${r} ${n} 1`)!),
            requests[NAMES.indexOf(n)]!,
          ]),
          [
            r,
            '**ours ÷ Ratify**',
            1,
            ratios(slices, r, (x) => x.summary.throughput),
            '',
            '',
            ratio(cpuPer(slices.get(`${r} ours 1`)!), cpuPer(slices.get(`${r} ratify 1`)!)),
            '',
            '',
          ],
        ]);
        return table(
          [...HEAD, 'server CPU µs/verification', CPU_HEAD[1]!, 'registry requests/verification'],
          rows,
        );
      },
    );
  } finally {
    await proxy.stop();
  }
}
