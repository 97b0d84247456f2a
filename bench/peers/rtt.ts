// The round-trip floor: cold admission with the registry (and, with bearer auth, its token
// server) one fixed round trip away, behind bench/peers/latency-proxy.ts. Per verification, the
// proxy's log gives the requests and the sequential rounds on the critical path.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PushedImage, RegistryAuth, RegistryKind } from '../../test/harness/index.js';
import { byRound, startLatencyProxy, type Exchange, type LatencyProxy } from './latency-proxy.js';
import { eachRun, env, median, num, ORDER, table } from './md.js';
import { LABEL, SERVER_CPU, withPeer, type PeerName } from './servers.js';
import { addRegistryHost, setupBench, signedImages, via, type PeerBench } from './setup.js';
import { withClient, type Verify } from './client.js';

export const RTT_MS = env('BENCH_PEERS_RTT_MS', 20);
const PER_ROUND = env('BENCH_PEERS_RTT_IMAGES', 5);

/** The registry (and its token server) behind one latency proxy. */
async function farRegistry(b: PeerBench, delayMs: number): Promise<LatencyProxy> {
  const realm = b.registry.tokenServer?.realm;
  const proxy = await startLatencyProxy({ registry: b.registry.url, realm, delayMs });
  addRegistryHost(b, proxy.host);
  return proxy;
}

const code = (e: Exchange): string =>
  e.via === 'token'
    ? 'T'
    : e.status === 401
      ? '401'
      : e.status === 404
        ? '404'
        : e.method === 'HEAD'
          ? 'H'
          : (({ referrers: 'R', manifests: 'M', blobs: 'B' } as Record<string, string>)[
              e.path.split('?')[0]!.split('/').at(-2) ?? ''
            ] ?? e.path);

interface Seen {
  ms: number;
  /** Time of the verification outside any registry exchange: the server's own work. */
  outside: number;
  rounds: number;
  requests: number;
  codes: string;
}

/** Length of the union of the intervals, clipped to [from, to]. */
function covered(exchanges: readonly Exchange[], from: number, to: number): number {
  let [sum, reach] = [0, from];
  for (const e of [...exchanges].sort((a, b) => a.start - b.start)) {
    const [start, end] = [Math.max(e.start, reach), Math.min(e.end, to)];
    if (end > start) sum += end - start;
    reach = Math.max(reach, Math.min(e.end, to));
  }
  return sum;
}

/** One verification through the far registry (the proxy shares this process's clock). */
async function once(far: LatencyProxy, verify: Verify, ref: string): Promise<Seen> {
  const from = far.log.length;
  const t0 = performance.now();
  const ms = await verify([ref]);
  await sleep(2 * RTT_MS + 100); // abandoned requests still land
  const got = far.log.slice(from);
  const groups = byRound(got);
  const codes = groups.map((g) => g.map(code).join('+')).join(' → ');
  const outside = ms - covered(got, t0, t0 + ms);
  return { ms, outside, rounds: groups.length, requests: got.length, codes };
}

function rttRow(label: string, round: number, name: PeerName, seen: Seen[]) {
  const distinct = (f: (x: Seen) => number): string => [...new Set(seen.map(f))].join(' or ');
  const m = median(seen.map((x) => x.ms));
  const floor = Math.min(...seen.map((x) => x.rounds)) * RTT_MS;
  const max = Math.max(...seen.map((x) => x.ms));
  const [rounds, requests] = [distinct((x) => x.rounds), distinct((x) => x.requests)];
  const outside = median(seen.map((x) => x.outside));
  const cells = [num(m), num(max), rounds, requests, num(m - floor), num(outside)];
  return [label, round, LABEL[name], ...cells, seen[0]!.codes];
}

/** One registry kind and auth mode: every server, digest and tag references, two rounds. */
async function rttRows(kind: RegistryKind, auth: RegistryAuth): Promise<(string | number)[][]> {
  const b = await setupBench(kind, auth);
  const far = await farRegistry(b, RTT_MS);
  const rows: (string | number)[][] = [];
  try {
    const images = await signedImages(b, `rtt-${auth}`, ORDER.length * 2 * (2 * PER_ROUND + 1));
    let next = 0;
    const take = (n: number): PushedImage[] => images.slice(next, (next += n));
    await eachRun((round, name) =>
      withPeer(name, b, { cpu: SERVER_CPU, cache: true, tag: `rtt-${round}` }, (s) =>
        withClient(b, s, async (verify) => {
          // A running server: it has verified an image of this registry before.
          await verify([via(b, take(1)[0]!.reference, far.host)]);
          for (const ref of ['digest', 'tag'] as const) {
            const seen: Seen[] = [];
            for (const image of take(PER_ROUND)) {
              const r = ref === 'digest' ? image.reference : image.tagReference;
              seen.push(await once(far, verify, via(b, r, far.host)));
            }
            const label = `${kind}, ${auth === 'none' ? 'no auth' : auth}, ${ref}`;
            rows.push(rttRow(label, round, name, seen));
          }
        }),
      ),
    );
  } finally {
    await far.stop();
    await b.registry.stop();
  }
  return rows;
}

export async function rttPart(kinds: RegistryKind[]): Promise<string> {
  const rows: (string | number)[][] = [];
  for (const kind of kinds)
    for (const auth of ['none', 'bearer'] as const) rows.push(...(await rttRows(kind, auth)));
  return table(
    [
      '<registry, auth, reference',
      'round',
      '<server',
      'median ms',
      'max ms',
      'sequential rounds',
      'requests',
      `median − rounds × ${RTT_MS} ms`,
      'median ms outside registry exchanges',
      '<requests by round (first run; + = in flight together)',
    ],
    rows,
  );
}
