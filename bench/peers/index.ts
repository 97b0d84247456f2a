// Side by side with Ratify (issue 20): `npm run bench -- peers`, or one part: `peers:warm`,
// `peers:nocache`, `peers:startup`, `peers:cold`, `peers:requests`, `peers:cli`, `peers:rtt`.
// Needs Ratify: `npm run tools -- --peers`. Both servers are pinned to core 0; this process (and
// so the registries, proxies and token server it starts) and the load generator to core 1.
// Method and results: bench/README.md, "Side by side with Ratify".
import { execFileSync } from 'node:child_process';
import type { PushedImage, RegistryKind } from '../../test/harness/index.js';
import { coldPart, requestsPart } from './cold.js';
import { cliPart } from './cli.js';
import { negotiated, target } from './client.js';
import { env } from './md.js';
import { rttPart, RTT_MS } from './rtt.js';
import { ourCli, ratifyBin } from './build.js';
import { LABEL, OTHER_CPU, SERVER_CPU, withPeers } from './servers.js';
import { setupBench, signedImages, type PeerBench } from './setup.js';
import { startupPart } from './startup.js';
import { noCachePart, warmPart } from './warm.js';

type Part = 'warm' | 'nocache' | 'startup' | 'cold' | 'requests' | 'cli' | 'rtt';
const PARTS: Part[] = ['warm', 'nocache', 'startup', 'cold', 'requests', 'cli', 'rtt'];
const KINDS = (process.env['BENCH_PEERS_KINDS'] ?? 'distribution,olareg').split(
  ',',
) as RegistryKind[];
const COLD = env('BENCH_PEERS_COLD', 30);
const CLI_RUNS = env('BENCH_PEERS_CLI_RUNS', 11);

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
  run(b: PeerBench, image: PushedImage): Promise<string>;
}

const SECTIONS: Section[] = [
  {
    part: 'warm',
    firstOnly: true,
    title: 'warm, one image by digest, cache on',
    run: warmPart,
  },
  { part: 'nocache', firstOnly: false, title: 'no cache, concurrency 1', run: noCachePart },
  { part: 'startup', firstOnly: true, title: 'start-up', run: startupPart },
  {
    part: 'cold',
    firstOnly: false,
    title: 'cold: a new digest per request, running server',
    run: async (b, image) => {
      const all = await signedImages(b, 'cold', 4 * COLD);
      const sets = [0, 1].map((r) => ({
        ours: all.slice(2 * r * COLD, (2 * r + 1) * COLD),
        ratify: all.slice((2 * r + 1) * COLD, (2 * r + 2) * COLD),
      }));
      return coldPart(b, image, sets);
    },
  },
  {
    part: 'requests',
    firstOnly: false,
    title: 'registry requests per cold verification',
    run: async (b) => requestsPart(b, await signedImages(b, 'req', 4)),
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
  let body: string;
  try {
    body = await run();
  } catch (err) {
    body = `**failed**: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
  }
  const text = `### ${title}\n\n${body}`;
  process.stderr.write(`${text}\n\n`);
  return text;
}

async function onRegistry(kind: RegistryKind, parts: Part[], first: boolean): Promise<string[]> {
  const out: string[] = [];
  const b = await setupBench(kind);
  try {
    const [image] = await signedImages(b, 'warm', 1);
    if (first) out.push(await header(b));
    for (const s of SECTIONS) {
      if (!parts.includes(s.part) || (s.firstOnly && !first)) continue;
      out.push(await section(`${s.title} (${kind})`, () => s.run(b, image!)));
    }
  } finally {
    await b.registry.stop();
  }
  return out;
}

async function peersSuite(parts: Part[]): Promise<string> {
  ratifyBin(); // fail early, naming the installer
  execFileSync('taskset', ['-p', '-c', String(OTHER_CPU), String(process.pid)], {
    stdio: 'ignore',
  });
  const out: string[] = [];
  for (const [i, kind] of KINDS.entries()) out.push(...(await onRegistry(kind, parts, i === 0)));
  if (parts.includes('rtt')) {
    const title = `cold admission, registry ${RTT_MS} ms away`;
    out.push(await section(title, () => rttPart(KINDS)));
  }
  return `${out.join('\n\n')}\n`;
}

/** The suites for bench/run.ts. */
export const PEER_SUITES: Record<string, () => Promise<string>> = {
  peers: () => peersSuite(PARTS),
  ...Object.fromEntries(PARTS.map((p) => [`peers:${p}`, () => peersSuite([p])])),
};
