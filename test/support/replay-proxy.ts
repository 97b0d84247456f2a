import http from 'node:http';
import { listenLocal, readBody } from '../harness/http.js';

/**
 * A plain-HTTP pass-through in front of a real server that keeps the last body it saw for each
 * path (`recorded`) and answers a path from `replay` instead of asking the server: how a test
 * plays an attacker who serves an older, once genuine, response (a replay or freeze attack).
 */
export async function startReplayProxy(upstream: string): Promise<{
  url: string;
  recorded: Map<string, Buffer>;
  replay: Map<string, Buffer>;
  stop: () => Promise<void>;
}> {
  const target = new URL(upstream);
  const recorded = new Map<string, Buffer>();
  const replay = new Map<string, Buffer>();
  const server = await listenLocal((req, res) => {
    const path = req.url ?? '/';
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
  return { url: server.url, recorded, replay, stop: server.close };
}
