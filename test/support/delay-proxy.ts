// A plain-HTTP pass-through in front of a real registry that holds every request for a while
// before passing it on: a registry across a network, for benchmarks of what runs in parallel.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A pass-through that holds each request `delayMs` before sending it on (keep-alive upstream). */
export async function startDelayProxy(upstream: string, delayMs: number) {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    void sleep(delayMs).then(() => {
      const headers = { ...req.headers, host: target.host };
      const { hostname, port } = target;
      const out = http.request({
        hostname,
        port,
        method: req.method,
        path: req.url,
        headers,
        agent,
      });
      out.on('response', (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      out.on('error', () => res.destroy());
      req.pipe(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
