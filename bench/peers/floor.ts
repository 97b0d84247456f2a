// The platform floor (issue 20): the warm part's closed loop against two servers that do nothing
// but Node's transport (floor-server.ts): node:https alone, and Fastify with the webhook's
// options. Pinned, paced and measured like the warm part (same core, same load generator, same
// TLS 1.3 keep-alive client, A B B A slices). Read beside Ratify's warm figures of the same run:
// a target above the floor cannot be met by any code on this runtime.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../test/harness/process.js';
import { num, ratio, table } from './md.js';
import { accepts, admissionBody, SERVER_CPU, type PeerServer } from './servers.js';
import type { PeerBench } from './setup.js';
import { CONCURRENCY, cpuPer, interleaved, medianOf, type Slice } from './slices.js';
import type { Figures } from './targets.js';

const SCRIPT = fileURLToPath(new URL('./floor-server.ts', import.meta.url));
type Floor = 'node' | 'fastify';
const LABELS: Record<Floor, string> = {
  node: 'floor: node:https, JSON.parse, fixed answer',
  fastify: 'floor: Fastify (webhook options), JSON.parse, fixed answer',
};

/** A floor server pinned like the peers, dressed as the slot `name` of the slices machinery. */
async function startFloor(
  b: PeerBench,
  kind: Floor,
  name: PeerServer['name'],
): Promise<PeerServer> {
  const port = await freePort();
  const args = ['--import', 'tsx', SCRIPT, kind, b.tls.certPath, b.tls.keyPath, String(port)];
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(
    'taskset',
    ['-c', String(SERVER_CPU), process.execPath, ...args],
    {
      stdio: 'ignore',
    },
  );
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`floor ${kind} exited (${child.exitCode})`);
    await sleep(5);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    pid: child.pid ?? -1,
    url: `https://127.0.0.1:${port}`,
    path: '/validate?timeout=10s',
    check: 'admission',
    body: admissionBody,
    listeningMs: performance.now() - spawnedAt,
    spawnedAt,
    close: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Ratify's warm requests/s at concurrency `c` in this run (rounds' median), if measured. */
function ratifyWarm(figures: Figures, c: number): number {
  const f = figures.find((x) => x.name === `warm requests/s at concurrency ${c}`);
  const v = (f?.ratify ?? []).filter(Number.isFinite);
  return v.length ? v.reduce((a, x) => a + x, 0) / v.length : NaN;
}

export async function floorPart(b: PeerBench, refs: string[], figures: Figures): Promise<string> {
  // The slices machinery alternates two slots: node in the first, Fastify in the second.
  const node = await startFloor(b, 'node', 'ours');
  try {
    const fastify = await startFloor(b, 'fastify', 'ratify');
    try {
      const slices = await interleaved(b, { ours: node, ratify: fastify }, refs, CONCURRENCY);
      const rps = medianOf((x) => x.summary.throughput);
      const of = (slot: string, c: number): Slice[] => [
        ...(slices.get(`1 ${slot} ${c}`) ?? []),
        ...(slices.get(`2 ${slot} ${c}`) ?? []),
      ];
      const rows = (['node', 'fastify'] as const).flatMap((kind) =>
        CONCURRENCY.map((c) => {
          const s = of(kind === 'node' ? 'ours' : 'ratify', c);
          const r = rps(s);
          return [
            LABELS[kind],
            c,
            Math.round(r),
            Math.round(cpuPer(s) * 1000),
            Number.isFinite(ratifyWarm(figures, c)) ? ratio(r, ratifyWarm(figures, c)) : '–',
          ];
        }),
      );
      return table(
        [
          '<server',
          'concurrency',
          'requests/s (median of both rounds)',
          'server CPU µs/request',
          '÷ Ratify warm (this run)',
        ],
        rows,
      ).concat(
        `\n\nRatify's warm requests/s in this run: ${CONCURRENCY.map((c) => num(ratifyWarm(figures, c))).join(' / ')} at 1 / 4 / 16 / 64.`,
      );
    } finally {
      await fastify.close();
    }
  } finally {
    await node.close();
  }
}
