// The round-trip floor (issue 20 item 4): our `serve` verifying a new digest (fresh verdict, a
// running server that has verified an image of this registry before) with the registry, and its
// token server, one fixed round trip away behind bench/peers/latency-proxy.ts. For a tag and a
// digest reference, without auth and with bearer auth, at 0 and BENCH_RTT_DELAY_MS (20) ms.
// `npm run bench -- rtt`; BENCH_PEERS_REF=<commit> measures a commit instead of the working tree.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RegistryAuth, RegistryKind } from '../test/harness/index.js';
import {
  byRound,
  covered,
  startLatencyProxy,
  type Exchange,
  type LatencyProxy,
} from './peers/latency-proxy.js';
import { withClient, type Verify } from './peers/client.js';
import { env, median, num, table } from './peers/md.js';
import { withPeer } from './peers/servers.js';
import { addRegistryHost, setupBench, signedImages, via } from './peers/setup.js';

const DELAY_MS = env('BENCH_RTT_DELAY_MS', 20);
const PER_CELL = env('BENCH_RTT_IMAGES', 9);
/** Fresh servers per first-contact row (each start costs ~1 s). */
const FIRST = env('BENCH_RTT_FIRST', 3);
const KINDS = (process.env['BENCH_RTT_KINDS'] ?? 'distribution,olareg').split(
  ',',
) as RegistryKind[];

/** One letter per exchange: T token, H HEAD, R listing, M manifest, B blob, or the status. */
export function exchangeCode(e: Exchange): string {
  if (e.via === 'token') return 'T';
  if (e.status === 401 || e.status === 404) return String(e.status);
  if (e.method === 'HEAD') return 'H';
  const kind = e.path.split('?')[0]!.split('/').at(-2) ?? '';
  if (kind === 'manifests' && /\/manifests\/sha256-/.test(e.path)) return 'R'; // tag schema
  return ({ referrers: 'R', manifests: 'M', blobs: 'B' } as Record<string, string>)[kind] ?? '?';
}

/**
 * Sequential round trips a verification cannot avoid, data dependencies only: the listing needs
 * the digest (a tag's HEAD), a signature manifest needs the listing, its envelope the manifest;
 * with bearer auth a repository not seen before needs its token, and a server that never met the
 * registry learns its realm from a 401 first.
 */
export const forcedRounds = (ref: 'tag' | 'digest', auth: RegistryAuth, first: boolean): number =>
  3 + (ref === 'tag' ? 1 : 0) + (auth === 'bearer' ? (first ? 2 : 1) : 0);

interface Seen {
  ms: number;
  /** Time outside every registry exchange: the server's own work and the review's round trip. */
  outside: number;
  rounds: number;
  requests: number;
  path: string;
}

async function once(far: LatencyProxy, verify: Verify, ref: string): Promise<Seen> {
  const from = far.log.length;
  const t0 = performance.now();
  const ms = await verify([ref]);
  await sleep(2 * DELAY_MS + 50); // requests still in flight land in the log
  const got = far.log.slice(from);
  const groups = byRound(got);
  const path = groups.map((g) => g.map(exchangeCode).sort().join('+')).join(' → ');
  const outside = ms - covered(got, t0, t0 + ms);
  return { ms, outside, rounds: groups.length, requests: got.length, path };
}

type Ref = 'digest' | 'tag';
interface Cell {
  kind: RegistryKind;
  auth: RegistryAuth;
  ref: Ref;
  delayMs: number;
  first: boolean;
}

function row(c: Cell, seen: readonly Seen[]): (string | number)[] {
  const m = median(seen.map((x) => x.ms));
  const forced = forcedRounds(c.ref, c.auth, c.first);
  const bound = forced * c.delayMs + 5;
  const state = c.first ? 'first contact' : 'running';
  return [
    `${c.kind}, ${c.auth === 'none' ? 'no auth' : 'bearer'}, ${c.ref}, ${state}`,
    c.delayMs,
    num(m),
    num(median(seen.map((x) => x.outside))),
    distinct(seen.map((x) => x.rounds)),
    forced,
    bound,
    m <= bound ? 'yes' : 'no',
    distinct(seen.map((x) => x.requests)),
    seen[0]!.path,
  ];
}

const distinct = (xs: readonly (string | number)[]): string => [...new Set(xs)].join(' or ');

async function rows(kind: RegistryKind, auth: RegistryAuth): Promise<(string | number)[][]> {
  const b = await setupBench(kind, auth);
  const realm = b.registry.tokenServer?.realm;
  const delays = [0, DELAY_MS];
  const fars = await Promise.all(
    delays.map((delayMs) => startLatencyProxy({ registry: b.registry.url, realm, delayMs })),
  );
  for (const far of fars) addRegistryHost(b, far.host);
  const out: (string | number)[][] = [];
  const server = (tag: string) => ({ cpu: 0, cache: true, tag: `rtt-${kind}-${auth}-${tag}` });
  try {
    const running = delays.length * 2 * PER_CELL + fars.length;
    const images = await signedImages(b, `rtt-${auth}`, running + 2 * FIRST);
    const take = (n: number) => images.splice(0, n);
    // First contact, at the far RTT: a server that never met the registry (no challenge known,
    // nor whether it has the referrers API), one fresh server per verification.
    const f = fars.at(-1)!;
    for (const ref of ['digest', 'tag'] as const) {
      const seen: Seen[] = [];
      for (const image of take(FIRST))
        await withPeer('ours', b, server(`first-${ref}`), (s) =>
          withClient(b, s, async (verify) => {
            const r = ref === 'digest' ? image.reference : image.tagReference;
            seen.push(await once(f, verify, via(b, r, f.host)));
          }),
        );
      out.push(row({ kind, auth, ref, delayMs: DELAY_MS, first: true }, seen));
    }
    await withPeer('ours', b, server('running'), (s) =>
      withClient(b, s, async (verify) => {
        // A running server: it has verified an image of this registry through each proxy.
        for (const p of fars) await verify([via(b, take(1)[0]!.reference, p.host)]);
        for (const [i, near] of fars.entries())
          for (const ref of ['digest', 'tag'] as const) {
            const seen: Seen[] = [];
            for (const image of take(PER_CELL)) {
              const r = ref === 'digest' ? image.reference : image.tagReference;
              seen.push(await once(near, verify, via(b, r, near.host)));
            }
            out.push(row({ kind, auth, ref, delayMs: delays[i]!, first: false }, seen));
          }
      }),
    );
  } finally {
    await Promise.all(fars.map((f) => f.stop()));
    await b.registry.stop();
  }
  return out;
}

export async function rttSuite(): Promise<string> {
  const all: (string | number)[][] = [];
  for (const kind of KINDS)
    for (const auth of ['none', 'bearer'] as const) all.push(...(await rows(kind, auth)));
  return `${table(
    [
      '<registry, auth, reference',
      'RTT ms',
      'cold median ms',
      'median ms outside exchanges',
      'rounds on the critical path',
      'forced rounds',
      'bound ms',
      '<within',
      'requests',
      '<critical path (+ = in flight together)',
    ],
    all,
  )}\n`;
}
