import http from 'node:http';
import { listenLocal } from '../harness/http.js';

export interface CountedRequest {
  method: string;
  path: string;
  status: number;
  /** When the request arrived (ms since epoch). */
  at: number;
}

/**
 * A plain-HTTP pass-through in front of a real registry that records every request and its
 * status: how tests count the round trips a client really makes.
 */
export async function startCountingProxy(upstream: string): Promise<{
  url: string;
  host: string;
  requests: CountedRequest[];
  /** TCP connections clients opened to the proxy. */
  connections: () => number;
  stop: () => Promise<void>;
}> {
  const target = new URL(upstream);
  const requests: CountedRequest[] = [];
  const server = await listenLocal((req, res) => {
    const at = Date.now();
    const headers = { ...req.headers, host: target.host };
    const forward = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (up) => {
        requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          status: up.statusCode ?? 0,
          at,
        });
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  let connections = 0;
  server.server.on('connection', () => connections++);
  return {
    url: server.url,
    host: new URL(server.url).host,
    requests,
    connections: () => connections,
    stop: server.close,
  };
}
