import http from 'node:http';
import { listenLocal, readBody } from '../harness/http.js';

export interface ReplayProxy {
  url: string;
  /** The last 200 body seen for each path. */
  recorded: Map<string, Buffer>;
  /** Paths answered with these bytes instead of asking the server (replay, freeze, mix-and-match). */
  replay: Map<string, Buffer>;
  /** Paths whose requests are held unanswered until `release()` or `stop()` (a stalled server). */
  hold: Set<string>;
  /** Paths answered 200 with this many bytes of `{` (no Content-Length): an oversized answer. */
  flood: Map<string, number>;
  /** Requests seen (every path), and bytes of flood the sockets accepted. */
  readonly counts: { requests: number; flooded: number };
  /** Answers every held request 503 now. */
  release(): void;
  stop(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, '{');

/** Writes `total` bytes with backpressure, counting what the socket took, until it closes. */
function floodInto(res: http.ServerResponse, total: number, counts: { flooded: number }): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  let left = total;
  const pump = (): void => {
    while (left > 0 && !res.destroyed) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      const more = res.write(CHUNK.subarray(0, n), (err) => {
        if (!err) counts.flooded += n;
      });
      if (!more) return void res.once('drain', pump);
    }
    if (left === 0) res.end();
  };
  pump();
}

/**
 * A plain-HTTP pass-through in front of a real server that keeps the last body it saw for each
 * path (`recorded`) and answers a path from `replay` instead of asking the server: how a test
 * plays an attacker who serves an older, once genuine, response (a replay or freeze attack),
 * one who stalls (`hold`) or one who sends more than any metadata file is (`flood`).
 */
export async function startReplayProxy(upstream: string): Promise<ReplayProxy> {
  const target = new URL(upstream);
  const recorded = new Map<string, Buffer>();
  const replay = new Map<string, Buffer>();
  const hold = new Set<string>();
  const flood = new Map<string, number>();
  const held = new Set<http.ServerResponse>();
  const counts = { requests: 0, flooded: 0 };
  const server = await listenLocal((req, res) => {
    const path = req.url ?? '/';
    counts.requests++;
    if (hold.has(path)) {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    const size = flood.get(path);
    if (size !== undefined) return floodInto(res, size, counts);
    const canned = replay.get(path);
    if (canned) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': canned.length });
      res.end(canned);
      return;
    }
    const headers = { ...req.headers, host: target.host };
    const forward = http.request(
      { host: target.hostname, port: target.port, method: req.method, path, headers },
      (up) => {
        void readBody(up).then((body) => {
          if (up.statusCode === 200) recorded.set(path, body);
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(body);
        });
      },
    );
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  const release = (): void => {
    for (const res of held) if (!res.destroyed) res.writeHead(503).end();
    held.clear();
  };
  return {
    url: server.url,
    recorded,
    replay,
    hold,
    flood,
    counts,
    release,
    stop: () => {
      release();
      return server.close();
    },
  };
}
