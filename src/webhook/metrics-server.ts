// /metrics on its own plain-HTTP port: scrapers need no webhook TLS, and a scrape never queues
// behind admission reviews.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server needs of a prom-client Registry. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsServer {
  address: AddressInfo;
  close(): Promise<void>;
}

/** Serves `GET /metrics` on host:port (port 0: an ephemeral one). */
export function listenMetrics(
  source: MetricsSource,
  options: { host: string; port: number },
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    source.metrics().then(
      (text) => res.writeHead(200, { 'content-type': source.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () =>
      resolve({
        address: server.address() as AddressInfo,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    );
  });
}
