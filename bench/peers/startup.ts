// Start-up of each server: from spawn until its port accepts a TCP connection, and until it has
// answered its first verification request over HTTPS (sent as soon as the port accepts; that
// first verification is cold for the new process: registry fetch and first sight of the signer).
import type { PushedImage } from '../../test/harness/index.js';
import { env, median, num, ORDER, table } from './md.js';
import { rssBytes } from './proc.js';
import { LABEL, SERVER_CPU, withPeer, type PeerName } from './servers.js';
import type { PeerBench } from './setup.js';
import { withClient } from './client.js';
import type { Figures } from './targets.js';

const STARTS = env('BENCH_PEERS_STARTS', 6, 2);

export async function startupPart(
  b: PeerBench,
  image: PushedImage,
  figures: Figures,
): Promise<string> {
  const listening: Record<PeerName, number[]> = { ours: [], ratify: [] };
  const first: Record<PeerName, number[]> = { ours: [], ratify: [] };
  const afterPort: Record<PeerName, number[]> = { ours: [], ratify: [] };
  const rss: Record<PeerName, number[]> = { ours: [], ratify: [] };
  const once = (k: number, name: PeerName) =>
    withPeer(name, b, { cpu: SERVER_CPU, cache: true, tag: `start-${k}` }, (s) =>
      withClient(b, s, async (verify) => {
        await verify([image.reference]);
        const answered = performance.now() - s.spawnedAt;
        first[name].push(answered);
        afterPort[name].push(answered - s.listeningMs);
        listening[name].push(s.listeningMs);
        rss[name].push(rssBytes(s.pid) / 2 ** 20);
      }),
    );
  for (let k = 0; k < STARTS; k++) for (const name of ORDER[k % 2]!) await once(k, name);
  // Two readings of "first request after start": from spawn, and from the moment the port accepts
  // (Ratify's HTTPS listener accepts before it serves: that figure includes its certificate watcher).
  for (const [from, v] of [
    ['spawn', first],
    ['port accepts', afterPort],
  ] as const)
    figures.push({
      name: `first request after start (${from} → first verification answered, median)`,
      unit: 'ms',
      ours: [median(v.ours)],
      ratify: [median(v.ratify)],
      rule: { kind: 'abs-max', max: 50 },
    });
  const range = (v: number[]): string =>
    `${num(median(v))} (${num(Math.min(...v))}–${num(Math.max(...v))})`;
  const rows = (['ours', 'ratify'] as const).map((name) => [
    LABEL[name],
    STARTS,
    range(listening[name]),
    range(first[name]),
    range(afterPort[name]),
    range(rss[name]),
  ]);
  return table(
    [
      '<server',
      'starts',
      'spawn → port accepts, ms: median (range)',
      'spawn → first verification answered, ms',
      'port accepts → first verification answered, ms',
      'RSS after it, MiB',
    ],
    rows,
  );
}
