// A registry as far away as in a real cluster: a plain-HTTP proxy on 127.0.0.1 that holds every
// request for a fixed delay (one round trip) before passing it on, and logs when each request
// arrived and when its answer was sent. With bearer auth the token server sits behind the same
// proxy (requests under `/token`), and the registry's challenge names the proxy as its realm: a
// token exchange costs a round trip too, and the realm is on the registry's own origin, which our
// `serve` accepts over plain HTTP (it has no flag for a plain-HTTP realm elsewhere).
// TCP connection set-up is not delayed (servers keep registry connections alive).
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { listenLocal, readBody } from '../../test/harness/http.js';

export interface Exchange {
  /** `registry` or `token`. */
  via: string;
  method: string;
  path: string;
  status: number;
  /** performance.now() when the request arrived and when its answer was sent. */
  start: number;
  end: number;
}

export interface LatencyProxy {
  url: string;
  host: string;
  log: Exchange[];
  stop(): Promise<void>;
}

export async function startLatencyProxy(o: {
  registry: string;
  /** The token server's realm URL (bearer auth). */
  realm?: string | undefined;
  delayMs: number;
}): Promise<LatencyProxy> {
  const registry = new URL(o.registry);
  const realm = o.realm === undefined ? undefined : new URL(o.realm);
  const log: Exchange[] = [];
  const agent = new http.Agent({ keepAlive: true });
  let self = '';
  const server = await listenLocal((req, res) => {
    const start = performance.now();
    const toToken = realm !== undefined && (req.url ?? '').startsWith(realm.pathname);
    const target = toToken ? realm : registry;
    const answered = (status: number): void =>
      void log.push({
        via: toToken ? 'token' : 'registry',
        method: req.method ?? '',
        path: req.url ?? '',
        status,
        start,
        end: performance.now(),
      });
    void (async () => {
      const body = await readBody(req);
      await sleep(o.delayMs);
      const headers = { ...req.headers, host: target.host };
      const { hostname: host, port } = target;
      const forward = http.request(
        { agent, host, port, method: req.method, path: req.url, headers },
        (up) => {
          void readBody(up).then((answer) => {
            const out = { ...up.headers };
            const challenge = out['www-authenticate'];
            if (typeof challenge === 'string' && realm !== undefined)
              out['www-authenticate'] = challenge.replace(realm.origin, self);
            res.writeHead(up.statusCode ?? 502, out);
            res.end(answer);
            res.once('finish', () => answered(up.statusCode ?? 0));
          });
        },
      );
      forward.on('error', () => res.writeHead(502).end());
      forward.end(body);
    })();
  });
  self = server.url;
  return {
    url: server.url,
    host: new URL(server.url).host,
    log,
    stop: async () => {
      agent.destroy();
      await server.close();
    },
  };
}

/**
 * The exchanges of one verification grouped by round on its critical path: an exchange's round is
 * 1 + the highest round of those whose answer was sent before it arrived, so exchanges in flight
 * together share a round. The number of groups is the sequential round trips it waited for.
 */
export function byRound(exchanges: readonly Exchange[]): Exchange[][] {
  const sorted = [...exchanges].sort((a, b) => a.start - b.start);
  const round: number[] = [];
  sorted.forEach((e, i) => {
    let before = 0;
    // Anything that ended before e arrived also arrived before it: already numbered.
    for (let j = 0; j < i; j++) if (sorted[j]!.end <= e.start) before = Math.max(before, round[j]!);
    round[i] = before + 1;
  });
  const groups: Exchange[][] = [];
  sorted.forEach((e, i) => (groups[round[i]! - 1] ??= []).push(e));
  return groups;
}

/** Length of the union of the exchanges' intervals, clipped to [from, to]. */
export function covered(exchanges: readonly Exchange[], from: number, to: number): number {
  let [sum, reach] = [0, from];
  for (const e of [...exchanges].sort((a, b) => a.start - b.start)) {
    const [start, end] = [Math.max(e.start, reach), Math.min(e.end, to)];
    if (end > start) sum += end - start;
    reach = Math.max(reach, Math.min(e.end, to));
  }
  return sum;
}
