// A plain-HTTP pass-through in front of a real registry that logs when each request arrived and
// when its answer was sent, and can hold answers back until another request has arrived: how a
// test proves two requests were in flight together (the second was sent before the first was
// answered) without asserting any timing. Sequential code makes a held answer wait `maxHoldMs`,
// and the log then shows the second request arriving after it.
import http from 'node:http';
import { listenLocal, readBody } from '../harness/http.js';

export interface GatedExchange {
  method: string;
  path: string;
  status: number;
  /** Order numbers on one counter: every arrival and every answer sent gets the next one. */
  arrived: number;
  answered: number;
}

export interface Gate {
  /** The k-th answer to a request whose path matches `hold` … */
  hold: RegExp;
  /** … waits until k requests whose path matches `until` have arrived (or `maxHoldMs`). */
  until: RegExp;
  maxHoldMs?: number;
}

export interface GateProxy {
  host: string;
  log: GatedExchange[];
  gates: Gate[];
  stop(): Promise<void>;
}

export async function startGateProxy(upstream: string): Promise<GateProxy> {
  const target = new URL(upstream);
  const log: GatedExchange[] = [];
  const gates: Gate[] = [];
  const arrivedPaths: string[] = [];
  const waiters = new Set<() => void>();
  let tick = 0;
  const count = (re: RegExp): number => arrivedPaths.filter((p) => re.test(p)).length;
  /** The k-th answer matching a gate waits for the k-th request matching its `until`. */
  const held = (path: string, k: number): Promise<void> => {
    const gate = gates.find((g) => g.hold.test(path));
    if (!gate || count(gate.until) >= k) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const check = (): void => void (count(gate.until) >= k && done());
      const timer = setTimeout(done, gate.maxHoldMs ?? 3_000);
      waiters.add(check);
    });
  };
  const server = await listenLocal((req, res) => {
    const path = req.url ?? '';
    const arrived = ++tick;
    arrivedPaths.push(path);
    const k = gates.map((g) => (g.hold.test(path) ? count(g.hold) : 0)).find((n) => n > 0) ?? 0;
    for (const check of [...waiters]) check();
    void (async () => {
      const body = await readBody(req);
      const headers = { ...req.headers, host: target.host };
      const forward = http.request(
        { host: target.hostname, port: target.port, method: req.method, path, headers },
        (up) => {
          void readBody(up).then(async (answer) => {
            await held(path, k);
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(answer);
            const status = up.statusCode ?? 0;
            log.push({ method: req.method ?? '', path, status, arrived, answered: ++tick });
          });
        },
      );
      forward.on('error', () => res.writeHead(502).end());
      forward.end(body);
    })();
  });
  return { host: new URL(server.url).host, log, gates, stop: server.close };
}
