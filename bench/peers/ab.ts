// Two builds of ours side by side (issue 20): `npm run bench -- warm-ab`. BENCH_AB_BEFORE=<commit>
// (default HEAD) against the working tree (each with BENCH_AB_NODE_FLAGS_BEFORE / _AFTER, Node flags
// to compare), both started as the peers bench starts ours (the bundle,
// pinned to core 0, cache on, log level warn), one image by digest with its verdict cached, the
// same load generator on core 1 alternating A B B A between them in 2 s slices: a machine whose
// speed drifts by 20-30% within minutes (this one) moves both alike. No Ratify needed.
import { sendOk, target } from './client.js';
import { startLoadGenerator, type LoadGenerator } from './loadgen.js';
import { env, median, num, table, waitQuiet } from './md.js';
import { cpuWindow, rssBytes } from './proc.js';
import { OTHER_CPU, SERVER_CPU, startPeer, type PeerServer } from './servers.js';
import { setupBench, signedImages, type PeerBench } from './setup.js';

const BLOCKS = env('BENCH_AB_BLOCKS', 3, 1);
const SLICE_MS = env('BENCH_AB_SLICE_SECONDS', 2, 1) * 1000;
const CONCURRENCY = concurrencies(process.env['BENCH_AB_CONCURRENCY'] ?? '1,4,16');
const MiB = 2 ** 20;

/** `BENCH_AB_CONCURRENCY`: closed-loop concurrencies, comma-separated (default 1,4,16). */
export function concurrencies(list: string): number[] {
  const values = list.split(',').map((v) => Number(v.trim()));
  if (values.length === 0 || !values.every((c) => Number.isInteger(c) && c >= 1 && c <= 1024))
    throw new Error(`BENCH_AB_CONCURRENCY: integers 1-1024, comma-separated, not "${list}"`);
  return values;
}

/** `BENCH_AB_NODE_FLAGS_BEFORE` / `_AFTER`: Node flags for one side, space-separated. */
export function nodeFlags(side: 'BEFORE' | 'AFTER', env = process.env): string[] {
  const raw = env[`BENCH_AB_NODE_FLAGS_${side}`] ?? '';
  const flags = raw.split(' ').filter((f) => f !== '');
  const bad = flags.find((f) => !/^--[a-z0-9][a-z0-9_-]*(=[^\s]*)?$/i.test(f));
  if (bad !== undefined) throw new Error(`BENCH_AB_NODE_FLAGS_${side}: not a Node flag: "${bad}"`);
  return flags;
}

/** One build's figures at one concurrency: one entry per slice. */
export interface AbSlices {
  throughput: number[];
  cpuUsPerRequest: number[];
  p99Ms: number[];
}

const slot = (): AbSlices => ({ throughput: [], cpuUsPerRequest: [], p99Ms: [] });

/** The Markdown table: medians per build and concurrency, after ÷ before. */
export function abTable(
  labels: { before: string; after: string },
  slices: ReadonlyMap<number, { before: AbSlices; after: AbSlices }>,
): string {
  const rows = [...slices].map(([c, { before, after }]) => {
    const [rb, ra] = [median(before.throughput), median(after.throughput)];
    const [cb, ca] = [median(before.cpuUsPerRequest), median(after.cpuUsPerRequest)];
    return [
      c,
      Math.round(rb),
      Math.round(ra),
      (ra / rb).toFixed(2),
      Math.round(cb),
      Math.round(ca),
      (ca / cb).toFixed(2),
      num(median(before.p99Ms)),
      num(median(after.p99Ms)),
    ];
  });
  const { before: b, after: a } = labels;
  return table(
    [
      'concurrency',
      `requests/s, ${b}`,
      `requests/s, ${a}`,
      'after ÷ before',
      `CPU µs/request, ${b}`,
      `CPU µs/request, ${a}`,
      'after ÷ before',
      `p99 ms, ${b}`,
      `p99 ms, ${a}`,
    ],
    rows,
  );
}

/** One closed-loop slice against `s`, with the server's CPU over its measured window. */
async function measureSlice(
  gen: LoadGenerator,
  o: { b: PeerBench; s: PeerServer; refs: string[]; c: number },
): Promise<{ throughput: number; cpuUs: number; p99: number }> {
  let window: (() => { cpuMs: number }) | undefined;
  let cpuMs = Number.NaN;
  const run = {
    ...target(o.b, o.s),
    body: o.s.body(o.refs),
    concurrency: o.c,
    warmupMs: 500,
    durationMs: SLICE_MS,
  };
  const summary = await gen.run(run, (phase) => {
    if (phase === 'start') window = cpuWindow(o.s.pid, SERVER_CPU);
    else if (window) cpuMs = window().cpuMs;
  });
  if (summary.failed > 0)
    throw new Error(`${summary.failed} reviews failed: ${summary.samples[0]}`);
  return {
    throughput: summary.throughput,
    cpuUs: (cpuMs / summary.requests) * 1000,
    p99: summary.latencyMs.p99,
  };
}

export async function abSuite(): Promise<string> {
  const ref = process.env['BENCH_AB_BEFORE'] || 'HEAD';
  const b = await setupBench('distribution');
  const [image] = await signedImages(b, 'ab', 1);
  const refs = [image!.reference];
  const flags = { before: nodeFlags('BEFORE'), after: nodeFlags('AFTER') };
  const start = (which: 'before' | 'after', r?: string): Promise<PeerServer> =>
    startPeer('ours', b, {
      cpu: SERVER_CPU,
      cache: true,
      tag: `ab-${which}`,
      nodeFlags: flags[which],
      ...(r !== undefined && { ref: r }),
    });
  const servers = { before: await start('before', ref), after: await start('after') };
  const gen = startLoadGenerator(OTHER_CPU);
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const rest = { before: rssBytes(servers.before.pid), after: rssBytes(servers.after.pid) };
    for (const s of Object.values(servers)) await sendOk(b, s, refs, 50);
    const slices = new Map(CONCURRENCY.map((c) => [c, { before: slot(), after: slot() }]));
    // Block by block, concurrency by concurrency: A B B A, so drift hits both builds alike.
    const plan = Array.from({ length: BLOCKS }, () => CONCURRENCY).flat();
    for (const c of plan) {
      await waitQuiet();
      for (const which of ['before', 'after', 'after', 'before'] as const) {
        const one = await measureSlice(gen, { b, s: servers[which], refs, c });
        const into = slices.get(c)![which];
        into.throughput.push(one.throughput);
        into.cpuUsPerRequest.push(one.cpuUs);
        into.p99Ms.push(one.p99);
      }
    }
    const after = { before: rssBytes(servers.before.pid), after: rssBytes(servers.after.pid) };
    const named = (base: string, f: readonly string[]): string =>
      f.length === 0 ? base : `${base} ${f.join(' ')}`;
    const labels = {
      before: named(`commit ${ref}`, flags.before),
      after: named('working tree', flags.after),
    };
    const rss = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;
    return [
      `Before: ${labels.before}; after: ${labels.after}. ${BLOCKS} blocks of A B B A per concurrency, ${SLICE_MS / 1000} s slices; medians.`,
      '',
      abTable(labels, slices),
      '',
      `RSS at rest: before ${rss(rest.before)}, after ${rss(rest.after)}; after the runs: before ${rss(after.before)}, after ${rss(after.after)}.`,
      '',
    ].join('\n');
  } finally {
    await gen.close();
    await servers.before.close();
    await servers.after.close();
    await b.registry.stop();
  }
}

export const AB_SUITES: Record<string, () => Promise<string>> = { 'warm-ab': abSuite };
