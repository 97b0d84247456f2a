// The round-trip floor, both servers: cold admission with the registry (and, with bearer auth,
// its token server) one fixed round trip away, behind bench/peers/latency-proxy.ts. Per
// verification, the proxy's log gives the requests and the sequential rounds on the critical
// path; the letters and the rounds forced by data come from bench/rtt.ts (issue 20 item 4, ours
// alone at 0 and 20 ms), so both tables read alike.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PushedImage, RegistryAuth, RegistryKind } from '../../test/harness/index.js';
import { byRound, covered, startLatencyProxy, type LatencyProxy } from './latency-proxy.js';
import { eachRun, env, median, num, ORDER, table } from './md.js';
import { LABEL, SERVER_CPU, withPeer, type PeerName } from './servers.js';
import { addRegistryHost, setupBench, signedImages, via, type PeerBench } from './setup.js';
import { withClient, type Verify } from './client.js';
import type { Figures } from './targets.js';
import { exchangeCode, forcedRounds } from '../rtt.js';

export const RTT_MS = env('BENCH_PEERS_RTT_MS', 20);
const PER_ROUND = env('BENCH_PEERS_RTT_IMAGES', 5, 2);

/** The registry (and its token server) behind one latency proxy. */
async function farRegistry(b: PeerBench, delayMs: number): Promise<LatencyProxy> {
  const realm = b.registry.tokenServer?.realm;
  const proxy = await startLatencyProxy({ registry: b.registry.url, realm, delayMs });
  addRegistryHost(b, proxy.host);
  return proxy;
}

interface Seen {
  ms: number;
  /** Time of the verification outside any registry exchange: the server's own work. */
  outside: number;
  rounds: number;
  requests: number;
  codes: string;
}

/** One verification through the far registry (the proxy shares this process's clock). */
async function once(far: LatencyProxy, verify: Verify, ref: string): Promise<Seen> {
  const from = far.log.length;
  const t0 = performance.now();
  const ms = await verify([ref]);
  await sleep(2 * RTT_MS + 100); // abandoned requests still land
  const got = far.log.slice(from);
  const groups = byRound(got);
  const codes = groups.map((g) => g.map(exchangeCode).join('+')).join(' → ');
  const outside = ms - covered(got, t0, t0 + ms);
  return { ms, outside, rounds: groups.length, requests: got.length, codes };
}

/** `cell`: the row's label and the sequential rounds its data forces (bench/rtt.ts). */
function rttRow(
  cell: { label: string; forced: number },
  round: number,
  name: PeerName,
  seen: Seen[],
) {
  const distinct = (f: (x: Seen) => number): string => [...new Set(seen.map(f))].join(' or ');
  const m = median(seen.map((x) => x.ms));
  const floor = Math.min(...seen.map((x) => x.rounds)) * RTT_MS;
  const max = Math.max(...seen.map((x) => x.ms));
  const [rounds, requests] = [distinct((x) => x.rounds), distinct((x) => x.requests)];
  const outside = median(seen.map((x) => x.outside));
  const cells = [num(m), num(max), rounds, cell.forced, requests, num(m - floor), num(outside)];
  return [cell.label, round, LABEL[name], ...cells, seen[0]!.codes];
}

/** Median ms per `label` and server, one value per round, for the figures. */
type Medians = Map<string, Record<PeerName, number[]>>;

/** One registry kind and auth mode: every server, digest and tag references, two rounds. */
async function rttRows(
  kind: RegistryKind,
  auth: RegistryAuth,
  medians: Medians,
): Promise<(string | number)[][]> {
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
            rows.push(rttRow({ label, forced: forcedRounds(ref, auth, false) }, round, name, seen));
            const m = medians.get(label) ?? { ours: [], ratify: [] };
            m[name][round - 1] = median(seen.map((x) => x.ms));
            medians.set(label, m);
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

export async function rttPart(kinds: RegistryKind[], figures: Figures): Promise<string> {
  const rows: (string | number)[][] = [];
  const medians: Medians = new Map();
  for (const kind of kinds)
    for (const auth of ['none', 'bearer'] as const)
      rows.push(...(await rttRows(kind, auth, medians)));
  for (const [label, m] of medians)
    figures.push({
      name: `cold admission at ${RTT_MS} ms RTT (${label}, median)`,
      unit: 'ms',
      ...m,
      rule: { kind: 'ratio-max', max: 0.7 },
    });
  return table(
    [
      '<registry, auth, reference',
      'round',
      '<server',
      'median ms',
      'max ms',
      'sequential rounds',
      'rounds forced by data',
      'requests',
      `median − rounds × ${RTT_MS} ms`,
      'median ms outside registry exchanges',
      '<requests by round (first run; + = in flight together)',
    ],
    rows,
  );
}
