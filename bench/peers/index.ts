// Side by side with Ratify (issue 20): `npm run bench -- peers`, or one part: `peers:warm`,
// `peers:floor` (after warm: it reads Ratify's warm figures), `peers:nocache`, `peers:startup`, `peers:cold`, `peers:requests`, `peers:cli`, `peers:rtt`.
// Needs Ratify: `npm run tools -- --peers`. Both servers are pinned to core 0; this process (and
// so the registries, proxies and token server it starts) and the load generator to core 1.
// BENCH_PEERS_QUICK=1 is a smoke run (a minute or two); the durations and counts of each part
// are BENCH_PEERS_* variables (bench/README.md). The tables print at the end, the targets last.
// Method and results: bench/README.md, "side by side with Ratify (issue 20)".
import { execFileSync } from 'node:child_process';
import type { PushedImage, RegistryKind } from '../../test/harness/index.js';
import { coldPart, requestsPart } from './cold.js';
import { cliPart } from './cli.js';
import { negotiated, target } from './client.js';
import { env, QUICK } from './md.js';
import { rttPart, RTT_MS } from './rtt.js';
import { ourCli, ratifyBin } from './build.js';
import { LABEL, OTHER_CPU, SERVER_CPU, withPeers } from './servers.js';
import { setupBench, signedImages, type PeerBench } from './setup.js';
import { startupPart } from './startup.js';
import { targetsTable, type Figures } from './targets.js';
import { floorPart } from './floor.js';
import { noCachePart } from './nocache.js';
import { warmPart } from './warm.js';

type Part = 'warm' | 'floor' | 'nocache' | 'startup' | 'cold' | 'requests' | 'cli' | 'rtt';
const PARTS: Part[] = ['warm', 'floor', 'nocache', 'startup', 'cold', 'requests', 'cli', 'rtt'];
// The comparison is on distribution (tag schema); `distribution,olareg` adds the
// referrers API for the registry-bound parts (no cache, cold, requests, RTT).
const KINDS = (process.env['BENCH_PEERS_KINDS'] || 'distribution').split(',') as RegistryKind[];
const COLD = env('BENCH_PEERS_COLD', 30, 6);
const CLI_RUNS = env('BENCH_PEERS_CLI_RUNS', 11, 2);

const progress = (what: string): void => void process.stderr.write(`[peers] ${what}\n`);

/** What was measured: our build, Ratify's binary, and the TLS both negotiate. */
async function header(b: PeerBench): Promise<string> {
  const head = `Ours built from ${ourCli().source}; Ratify ${ratifyBin()}; Node ${process.version}.`;
  const tls = await withPeers(b, { cpu: SERVER_CPU, cache: true, tag: 'tls' }, (servers) =>
    Promise.all(
      (['ours', 'ratify'] as const).map(
        async (n) => `${LABEL[n]}: ${await negotiated(target(b, servers[n]))}.`,
      ),
    ),
  );
  return [head, ...tls].join(' ');
}

interface Section {
  part: Part;
  /** Only on the first registry kind (the servers' own costs do not depend on it). */
  firstOnly: boolean;
  title: string;
  run(b: PeerBench, image: PushedImage, figures: Figures): Promise<string>;
}

const SECTIONS: Section[] = [
  {
    part: 'warm',
    firstOnly: true,
    title: 'warm, one image by digest, cache on',
    run: warmPart,
  },
  {
    part: 'floor',
    firstOnly: true,
    title: 'the platform floor: warm loop against servers that only parse and answer',
    run: (b, image, figures) => floorPart(b, [image.reference], figures),
  },
  { part: 'nocache', firstOnly: false, title: 'no cache, concurrency 1', run: noCachePart },
  { part: 'startup', firstOnly: true, title: 'start-up', run: startupPart },
  {
    part: 'cold',
    firstOnly: false,
    title: 'cold: a new digest per request, running server',
    run: async (b, image, figures) => {
      // Signed before the timed part: 2 rounds × 2 servers × COLD fresh digests.
      const all = await signedImages(b, 'cold', 4 * COLD);
      const sets = [0, 1].map((r) => ({
        ours: all.slice(2 * r * COLD, (2 * r + 1) * COLD),
        ratify: all.slice((2 * r + 1) * COLD, (2 * r + 2) * COLD),
      }));
      return coldPart(b, image, sets, figures);
    },
  },
  {
    part: 'requests',
    firstOnly: false,
    title: 'registry requests per cold verification',
    run: async (b, _image, figures) => requestsPart(b, await signedImages(b, 'req', 4), figures),
  },
  {
    part: 'cli',
    firstOnly: true,
    title: 'command lines, one verification each',
    run: async (b) => cliPart(b, await signedImages(b, 'cli', CLI_RUNS + 1)),
  },
];

/** A section's Markdown; a failure is reported in its place, and the other sections still run. */
async function section(title: string, run: () => Promise<string>): Promise<string> {
  progress(title);
  const t0 = performance.now();
  let body: string;
  try {
    body = await run();
  } catch (err) {
    body = `**failed**: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
  }
  const text = `### ${title}\n\n${body}`;
  process.stderr.write(`${text}\n\n[peers] (${Math.round((performance.now() - t0) / 1000)} s)\n`);
  return text;
}

async function onRegistry(
  kind: RegistryKind,
  parts: Part[],
  first: boolean,
  figures: Figures,
): Promise<string[]> {
  const out: string[] = [];
  const b = await setupBench(kind);
  try {
    const [image] = await signedImages(b, 'warm', 1);
    if (first) out.push(await header(b));
    for (const s of SECTIONS) {
      if (!parts.includes(s.part) || (s.firstOnly && !first)) continue;
      out.push(await section(`${s.title} (${kind})`, () => s.run(b, image!, figures)));
    }
  } finally {
    await b.registry.stop();
  }
  return out;
}

async function peersSuite(parts: Part[]): Promise<string> {
  ratifyBin(); // fail early, naming the installer
  // -a: every thread of this process (libuv's pool, V8's), not only the main one.
  execFileSync('taskset', ['-a', '-p', '-c', String(OTHER_CPU), String(process.pid)], {
    stdio: 'ignore',
  });
  const t0 = performance.now();
  const out: string[] = [];
  const figures: Figures = [];
  for (const [i, kind] of KINDS.entries())
    out.push(...(await onRegistry(kind, parts, i === 0, figures)));
  if (parts.includes('rtt')) {
    const title = `cold admission, registry ${RTT_MS} ms away`;
    out.push(await section(title, () => rttPart(KINDS, figures)));
  }
  const minutes = ((performance.now() - t0) / 60_000).toFixed(1);
  const kind = QUICK ? '**smoke run** (BENCH_PEERS_QUICK=1): not numbers to quote' : 'full run';
  out.push(`### targets (issue 20), ours ÷ Ratify per round\n\n${targetsTable(figures)}`);
  out.push(`_${kind}; ${minutes} min; ${new Date().toISOString()}._`);
  return `${out.join('\n\n')}\n`;
}

/** The suites for bench/run.ts. */
export const PEER_SUITES: Record<string, () => Promise<string>> = {
  peers: () => peersSuite(PARTS),
  ...Object.fromEntries(PARTS.map((p) => [`peers:${p}`, () => peersSuite([p])])),
};
