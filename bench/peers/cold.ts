// Cold verification in a running server (a digest it has never seen, one request at a time, the
// signer and the registry connections already known), and the registry requests one cold
// verification makes, counted at test/support/counting-proxy.ts, for digest and tag references.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PushedImage } from '../../test/harness/index.js';
import { startCountingProxy, type CountedRequest } from '../../test/support/counting-proxy.js';
import { median, num, ORDER, pct, ratio, table } from './md.js';
import { cpuMs } from './proc.js';
import { LABEL, SERVER_CPU, withPeer, withPeers, type PeerName } from './servers.js';
import { addRegistryHost, via, type PeerBench } from './setup.js';
import { withClient } from './client.js';
import type { Figures } from './targets.js';
import { exchangeCode } from '../rtt.js';

type Rows = (string | number)[][];

/**
 * `images[round - 1][server]`: fresh images for each server in each round, so neither a server
 * nor a registry-side cache warmed by the other server has seen them. Both servers run together;
 * digests go to them in turn (who goes first alternates), so drift in the machine's load hits
 * both alike.
 */
export async function coldPart(
  b: PeerBench,
  warmUp: PushedImage,
  images: Record<PeerName, PushedImage[]>[],
  figures: Figures,
): Promise<string> {
  const rows: Rows = [];
  const medians: Record<PeerName, number[]> = { ours: [], ratify: [] };
  for (const [i, set] of images.entries()) {
    const round = await coldRound(b, i + 1, warmUp, set);
    rows.push(...round.rows);
    for (const n of ['ours', 'ratify'] as const) medians[n].push(round.medians[n]);
  }
  figures.push({
    name: 'cold verification, new digest in a running server (median)',
    unit: 'ms',
    ...medians,
    rule: { kind: 'ratio-max', max: 0.8 },
  });
  const head = ['round', '<server', 'digests', 'median ms', 'p95 ms', 'min ms'];
  return table([...head, 'server CPU ms/verification'], rows);
}

async function coldRound(
  b: PeerBench,
  round: number,
  warmUp: PushedImage,
  set: Record<PeerName, PushedImage[]>,
): Promise<{ rows: Rows; medians: Record<PeerName, number> }> {
  const order = ORDER[round - 1]!;
  const options = { cpu: SERVER_CPU, cache: true, tag: `cold-${round}` };
  return withPeers(b, options, (servers) =>
    withClient(b, servers.ours, (ours) =>
      withClient(b, servers.ratify, async (ratify) => {
        const verify = { ours, ratify };
        const times: Record<PeerName, number[]> = { ours: [], ratify: [] };
        for (const n of order) await verify[n]([warmUp.reference]); // signer, connections
        const cpu0 = order.map((n) => cpuMs(servers[n].pid));
        const count = Math.min(set.ours.length, set.ratify.length);
        for (let k = 0; k < count; k++) {
          for (const n of k % 2 ? [...order].reverse() : order)
            times[n].push(await verify[n]([set[n][k]!.reference]));
        }
        const rows = order.map((n, j) => {
          const t = times[n];
          const cpuPer = (cpuMs(servers[n].pid) - cpu0[j]!) / t.length;
          const stats = [median(t), pct(t, 0.95), Math.min(...t), cpuPer].map(num);
          return [round, LABEL[n], t.length, ...stats];
        });
        const medians = { ours: median(times.ours), ratify: median(times.ratify) };
        const r = ratio(medians.ours, medians.ratify);
        return {
          rows: [...rows, [round, '**ours ÷ Ratify (median)**', '', r, '', '', '']],
          medians,
        };
      }),
    ),
  );
}

/**
 * Letters as in bench/rtt.ts: H = HEAD manifest, R = signature listing (referrers API, or the
 * tag schema's `sha256-…` index), M = GET manifest, B = GET blob, 401 / 404 = that status.
 */
const letter = (q: CountedRequest): string =>
  q.path.split('?')[0] === '/v2/'
    ? '/v2/'
    : exchangeCode({ via: 'registry', ...q, start: q.at, end: q.at });

/** Requests in one verification's letters ("H R M B"). */
const requestCount = (letters: string): number => (letters === '' ? 0 : letters.split(' ').length);

const summary = (seen: string[]): string => {
  const counts = [...new Set(seen.map(requestCount))].join(' or ');
  return `**${counts}** (${seen.length} runs): ${seen[0]}`;
};

/**
 * Requests of one cold verification by each server, through a counting proxy, per reference kind:
 * the first image a fresh server sees (nothing of this registry known yet), then new digests in
 * the same running server.
 */
export async function requestsPart(
  b: PeerBench,
  images: PushedImage[],
  figures: Figures,
): Promise<string> {
  const proxy = await startCountingProxy(b.registry.url);
  addRegistryHost(b, proxy.host);
  const rows: Rows = [];
  const counts: Record<string, Record<PeerName, number[]>> = {};
  const count = (ref: 'digest' | 'tag', name: PeerName) =>
    withPeer(name, b, { cpu: SERVER_CPU, cache: true, tag: `req-${ref}` }, (s) =>
      withClient(b, s, async (verify) => {
        const seen: string[] = [];
        for (const image of images) {
          const from = proxy.requests.length;
          await verify([
            via(b, ref === 'digest' ? image.reference : image.tagReference, proxy.host),
          ]);
          await sleep(300); // requests a server abandoned still land: counted against it
          seen.push(proxy.requests.slice(from).map(letter).join(' '));
        }
        const kind = `${b.registry.kind}, ${ref}`;
        rows.push([kind, LABEL[name], summary(seen.slice(0, 1)), summary(seen.slice(1))]);
        const c = (counts[ref] ??= { ours: [], ratify: [] });
        c[name] = [median(seen.slice(1).map(requestCount))];
      }),
    );
  try {
    for (const ref of ['digest', 'tag'] as const)
      for (const name of ['ours', 'ratify'] as const) await count(ref, name);
  } finally {
    await proxy.stop();
  }
  for (const [ref, c] of Object.entries(counts))
    figures.push({
      name: `registry requests per cold verification, ${ref} reference (${b.registry.kind})`,
      unit: '',
      ...c,
      rule: { kind: 'ratio-max', max: 1 },
    });
  const head = ['<registry, reference', '<server', '<first verification of a fresh server'];
  return table([...head, '<new digest, running server'], rows);
}
