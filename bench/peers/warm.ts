// Warm: one image by digest, verdict cached (5 minutes for both), closed loop at concurrency 1, 4,
// 16, 64, both servers on one core (slices.ts), with their resident memory at rest and after.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PushedImage } from '../../test/harness/index.js';
import { sendOk } from './client.js';
import { env, num, ratio, table } from './md.js';
import { rssBytes } from './proc.js';
import { LABEL, SERVER_CPU, withPeers, type PeerName } from './servers.js';
import type { PeerBench } from './setup.js';
import {
  CONCURRENCY,
  CPU_HEAD,
  cpuPer,
  HEAD,
  interleaved,
  medianOf,
  NAMES,
  perRound,
  ratios,
  row,
  type Slice,
} from './slices.js';
import type { Figures } from './targets.js';

const MiB = 2 ** 20;
/**
 * An idle server's RSS again this long after it started: V8's memory reducer returns start-up's
 * garbage after some idle seconds (ours: 79 -> 68 MiB between 15 and 20 s), so "at rest" is read
 * both soon after the port accepts and settled. 0 skips the second reading.
 */
const SETTLE_MS = env('BENCH_PEERS_SETTLE_SECONDS', 25, 0) * 1000;

function warmFigures(
  slices: Map<string, Slice[]>,
  rest: number[],
  settled: number[] | undefined,
  after: number[],
): Figures {
  const rps = medianOf((x) => x.summary.throughput);
  const p99 = medianOf((x) => x.summary.latencyMs.p99);
  const us = (s: Slice[]): number => cpuPer(s) * 1000;
  return [
    ...CONCURRENCY.map((c) => ({
      name: `warm requests/s at concurrency ${c}`,
      unit: '/s',
      ...perRound(slices, c, rps),
      rule: { kind: 'ratio-min' as const, min: 1.5 },
    })),
    ...CONCURRENCY.map((c) => ({
      name: `warm p99 at concurrency ${c}`,
      unit: 'ms',
      ...perRound(slices, c, p99),
      rule: { kind: 'ratio-max' as const, max: 1 },
    })),
    {
      name: 'server CPU per warm request at concurrency 1',
      unit: 'µs',
      ...perRound(slices, 1, us),
      rule: { kind: 'ratio-max', max: 1 },
    },
    {
      name: 'RSS at rest (started, no request yet)',
      unit: 'MiB',
      ours: [rest[0]!],
      ratify: [rest[1]!],
      rule: { kind: 'abs-max', max: 80 },
    },
    ...(settled === undefined
      ? []
      : [
          {
            name: `RSS at rest, idle ${SETTLE_MS / 1000} s after start`,
            unit: 'MiB',
            ours: [settled[0]!],
            ratify: [settled[1]!],
            rule: { kind: 'abs-max' as const, max: 80 },
          },
        ]),
    {
      name: 'RSS after the warm runs',
      unit: 'MiB',
      ours: [after[0]!],
      ratify: [after[1]!],
      rule: { kind: 'abs-max', max: 150 },
    },
  ];
}

export async function warmPart(
  b: PeerBench,
  image: PushedImage,
  figures: Figures,
): Promise<string> {
  return withPeers(b, { cpu: SERVER_CPU, cache: true, tag: 'warm' }, async (servers) => {
    await sleep(1_000);
    const atRest = NAMES.map((n) => rssBytes(servers[n].pid));
    if (SETTLE_MS > 0) await sleep(SETTLE_MS - 1_000);
    const settledBytes = SETTLE_MS > 0 ? NAMES.map((n) => rssBytes(servers[n].pid)) : undefined;
    // The verdict cached (Ratify stores verdicts asynchronously: a few requests).
    for (const n of NAMES) await sendOk(b, servers[n], [image.reference], 20);
    const slices = await interleaved(b, servers, [image.reference], CONCURRENCY);
    const rows = [...slices].map(([key, s]) => {
      const [round, name, c] = key.split(' ');
      return row(Number(round), name as PeerName, Number(c), s);
    });
    const rest = atRest.map((v) => v / MiB);
    const settled = settledBytes?.map((v) => v / MiB);
    const after = NAMES.map((n) => rssBytes(servers[n].pid) / MiB);
    figures.push(...warmFigures(slices, rest, settled, after));
    const memory = NAMES.map((n, i) => [
      LABEL[n],
      num(rest[i]!),
      settled === undefined ? '–' : num(settled[i]!),
      num(after[i]!),
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
      table(
        [
          '<server',
          'RSS at rest MiB (1 s after start)',
          `RSS at rest MiB (idle ${SETTLE_MS / 1000} s after start)`,
          'RSS after the warm runs MiB',
        ],
        memory,
      ),
    ].join('\n');
  });
}
