import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createRevocationFetcher,
  type ClosableRevocationFetcher,
  type RevocationFetcherOptions,
} from './revocation-fetcher.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

type Route = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/** One node:http server on 127.0.0.1 for the whole file; each test sets its routes. */
let server: Server;
let origin: string;
let port: number;
const routes = new Map<string, Route>();
const seen: Seen[] = [];
/** Requests whose connection closed before the handler finished its answer. */
let cutOff = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.on('close', () => {
        if (!res.writableFinished) cutOff++;
      });
      const route = routes.get((req.url ?? '').split('?')[0] ?? '');
      if (route) route(req, res, body);
      else res.writeHead(404).end('no route');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

const fetchers: ClosableRevocationFetcher[] = [];
afterEach(async () => {
  routes.clear();
  seen.length = 0;
  cutOff = 0;
  await Promise.all(fetchers.splice(0).map((f) => f.close()));
});

function fetcherWith(options: Partial<RevocationFetcherOptions> = {}): ClosableRevocationFetcher {
  const f = createRevocationFetcher({ allowPrivateNetworks: true, ...options });
  fetchers.push(f);
  return f;
}

const CRL = Buffer.from([0x30, 0x82, 0x01, 0x0a, 0xde, 0xad, 0xbe, 0xef]);

describe('createRevocationFetcher', () => {
  describe('when a CRL is fetched with GET', () => {
    it('returns the status and the exact body', async () => {
      routes.set('/ca.crl', (_req, res) => res.writeHead(200).end(CRL));
      const res = await fetcherWith()({ url: `${origin}/ca.crl`, method: 'GET', timeoutMs: 2000 });
      expect(res.status).toBe(200);
      expect(Buffer.from(res.body)).toEqual(CRL);
      expect(seen).toMatchObject([{ method: 'GET', url: '/ca.crl' }]);
      expect(seen[0]?.headers['user-agent']).toBe('notary-admission');
    });
  });

  describe('when an OCSP request is POSTed', () => {
    it('sends the body with its content type and returns the answer', async () => {
      routes.set('/ocsp', (req, res, body) =>
        res
          .writeHead(200, { 'content-type': 'application/ocsp-response' })
          .end(Buffer.concat([Buffer.from(req.headers['content-type'] ?? ''), body])),
      );
      const der = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x07]);
      const res = await fetcherWith()({
        url: `${origin}/ocsp`,
        method: 'POST',
        body: der,
        contentType: 'application/ocsp-request',
        timeoutMs: 2000,
      });
      expect(res.status).toBe(200);
      expect(Buffer.from(res.body).toString('latin1')).toBe(
        `application/ocsp-request${Buffer.from(der).toString('latin1')}`,
      );
      expect(seen[0]).toMatchObject({ method: 'POST', url: '/ocsp' });
      expect(seen[0]?.headers['content-length']).toBe('5');
    });
  });

  describe('when the server answers an error status', () => {
    it('returns the status and the body', async () => {
      routes.set('/gone', (_req, res) => res.writeHead(503).end('try later'));
      const res = await fetcherWith()({ url: `${origin}/gone`, method: 'GET', timeoutMs: 2000 });
      expect(res.status).toBe(503);
      expect(Buffer.from(res.body).toString()).toBe('try later');
    });
  });

  describe('when the server never answers', () => {
    it('rejects at the timeout, naming host and path but not the query', async () => {
      routes.set('/slow', () => undefined);
      const error = await fetcherWith()({
        url: `${origin}/slow?token=q-s3cr3t`,
        method: 'GET',
        timeoutMs: 300,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toBe(
        `GET 127.0.0.1:${port}/slow timed out after 300 ms (headers and body)`,
      );
      expect(seen).toHaveLength(1);
    });
  });

  describe('when the headers come at once and the body stalls', () => {
    it('rejects at the same total deadline and drops the connection', async () => {
      routes.set('/stall', (_req, res) => {
        res.writeHead(200, { 'content-length': '1000' });
        res.write(Buffer.alloc(10));
      });
      await expect(
        fetcherWith()({ url: `${origin}/stall`, method: 'GET', timeoutMs: 300 }),
      ).rejects.toThrow(`GET 127.0.0.1:${port}/stall timed out after 300 ms (headers and body)`);
      await expect.poll(() => cutOff).toBe(1);
    });
  });

  describe('when the request asks for more time than the ceiling', () => {
    it('rejects at the ceiling', async () => {
      routes.set('/slow', () => undefined);
      await expect(
        fetcherWith({ timeoutMs: 200 })({
          url: `${origin}/slow`,
          method: 'GET',
          timeoutMs: 60_000,
        }),
      ).rejects.toThrow(/timed out after 200 ms/);
    });
  });

  describe('when the body declares more than the cap', () => {
    it('rejects without reading it', async () => {
      routes.set('/big', (_req, res) => res.writeHead(200).end(Buffer.alloc(4096)));
      await expect(
        fetcherWith()({
          url: `${origin}/big`,
          method: 'GET',
          timeoutMs: 2000,
          maxResponseBytes: 1024,
        }),
      ).rejects.toThrow(
        `GET 127.0.0.1:${port}/big failed: the response is larger than the 1024-byte limit`,
      );
    });
  });

  describe('when a chunked body grows past the cap', () => {
    it('rejects while streaming and stops the download', async () => {
      routes.set('/endless', (_req, res) => {
        res.writeHead(200);
        const timer = setInterval(() => res.write(Buffer.alloc(1024)), 5);
        res.on('close', () => clearInterval(timer));
      });
      await expect(
        fetcherWith({ maxResponseBytes: 8192 })({
          url: `${origin}/endless`,
          method: 'GET',
          timeoutMs: 5000,
        }),
      ).rejects.toThrow(/larger than the 8192-byte limit/);
      await expect.poll(() => cutOff).toBe(1);
    });
  });

  describe('when allowPrivateNetworks is false', () => {
    it('refuses a loopback IP literal without connecting', async () => {
      const fetch = fetcherWith({ allowPrivateNetworks: false });
      await expect(
        fetch({ url: `${origin}/ca.crl`, method: 'GET', timeoutMs: 2000 }),
      ).rejects.toThrow(
        `GET 127.0.0.1:${port}/ca.crl refused: 127.0.0.1 is a loopback address and is not in the allowed networks`,
      );
      expect(seen).toHaveLength(0);
    });

    it('refuses a name that resolves to loopback', async () => {
      const fetch = fetcherWith({
        allowPrivateNetworks: false,
        resolver: () => Promise.resolve(['127.0.0.1']),
      });
      await expect(
        fetch({ url: `http://crl.example.test:${port}/ca.crl`, method: 'GET', timeoutMs: 2000 }),
      ).rejects.toThrow(
        `GET crl.example.test:${port}/ca.crl refused: crl.example.test (127.0.0.1) is a loopback address and is not in the allowed networks`,
      );
      expect(seen).toHaveLength(0);
    });
  });

  describe('when allowPrivateNetworks allows the address', () => {
    it.each([[true], [['127.0.0.1/32']]] as const)('returns the answer (%j)', async (allowance) => {
      routes.set('/ca.crl', (_req, res) => res.writeHead(200).end(CRL));
      const fetch = fetcherWith({
        allowPrivateNetworks: allowance,
        resolver: () => Promise.resolve(['127.0.0.1']),
      });
      const res = await fetch({
        url: `http://crl.example.test:${port}/ca.crl`,
        method: 'GET',
        timeoutMs: 2000,
      });
      expect(res.status).toBe(200);
      expect(seen[0]?.headers.host).toBe(`crl.example.test:${port}`);
    });
  });

  describe('when a GET is redirected', () => {
    it('follows up to two redirects and reports each exchange', async () => {
      routes.set('/a', (_req, res) => res.writeHead(302, { location: '/b' }).end());
      routes.set('/b', (_req, res) => res.writeHead(301, { location: `${origin}/c` }).end());
      routes.set('/c', (_req, res) => res.writeHead(200).end(CRL));
      const reported: [string, number | 'error'][] = [];
      const fetch = fetcherWith({ onResponse: (h, s) => reported.push([h, s]) });
      const res = await fetch({ url: `${origin}/a`, method: 'GET', timeoutMs: 2000 });
      expect(res.status).toBe(200);
      expect(Buffer.from(res.body)).toEqual(CRL);
      const host = `127.0.0.1:${port}`;
      expect(reported).toEqual([
        [host, 302],
        [host, 301],
        [host, 200],
      ]);
    });

    it('rejects a third redirect', async () => {
      for (const [from, to] of [
        ['/1', '/2'],
        ['/2', '/3'],
        ['/3', '/4'],
      ])
        routes.set(from!, (_req, res) => res.writeHead(302, { location: to }).end());
      await expect(
        fetcherWith()({ url: `${origin}/1`, method: 'GET', timeoutMs: 2000 }),
      ).rejects.toThrow(`GET 127.0.0.1:${port}/3 failed: more than 2 redirects`);
      expect(seen.map((s) => s.url)).toEqual(['/1', '/2', '/3']);
    });

    it('refuses a redirect to an address outside the allowance', async () => {
      routes.set('/meta', (_req, res) =>
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end(),
      );
      await expect(
        fetcherWith({ allowPrivateNetworks: ['127.0.0.1/32'] })({
          url: `${origin}/meta`,
          method: 'GET',
          timeoutMs: 2000,
        }),
      ).rejects.toThrow(
        'GET 169.254.169.254/latest/meta-data refused: 169.254.169.254 is a metadata address and is not in the allowed networks',
      );
    });

    it('refuses a redirect to another scheme', async () => {
      routes.set('/file', (_req, res) =>
        res.writeHead(302, { location: 'file:///etc/passwd' }).end(),
      );
      await expect(
        fetcherWith()({ url: `${origin}/file`, method: 'GET', timeoutMs: 2000 }),
      ).rejects.toThrow(
        'GET /etc/passwd refused: the file: scheme is not allowed (http and https only)',
      );
    });
  });

  describe('when a POST is redirected', () => {
    it('returns the redirect status without following it', async () => {
      routes.set('/ocsp', (_req, res) => res.writeHead(307, { location: '/elsewhere' }).end());
      const res = await fetcherWith()({
        url: `${origin}/ocsp`,
        method: 'POST',
        body: new Uint8Array([1]),
        timeoutMs: 2000,
      });
      expect(res.status).toBe(307);
      expect(seen.map((s) => s.url)).toEqual(['/ocsp']);
    });
  });

  describe('when the URL cannot be used', () => {
    it.each([
      [
        'ftp://ca.example/ca.crl',
        'GET ca.example/ca.crl refused: the ftp: scheme is not allowed (http and https only)',
      ],
      [
        'http://user:pw@ca.example/ca.crl',
        'GET ca.example/ca.crl refused: URLs with credentials in them are not allowed',
      ],
      ['not a url', 'GET refused: the revocation URL is not a valid URL'],
    ])('rejects %s', async (url, message) => {
      await expect(fetcherWith()({ url, method: 'GET', timeoutMs: 2000 })).rejects.toThrow(message);
    });
  });

  describe('when nothing listens on the port', () => {
    it('rejects with the network error code and reports an error exchange', async () => {
      const closed = createServer();
      closed.listen(0, '127.0.0.1');
      await once(closed, 'listening');
      const deadPort = (closed.address() as AddressInfo).port;
      closed.close();
      await once(closed, 'close');
      const reported: (number | 'error')[] = [];
      const fetch = fetcherWith({ onResponse: (_h, s) => reported.push(s) });
      await expect(
        fetch({ url: `http://127.0.0.1:${deadPort}/ca.crl`, method: 'GET', timeoutMs: 2000 }),
      ).rejects.toThrow(`GET 127.0.0.1:${deadPort}/ca.crl failed (ECONNREFUSED)`);
      expect(reported).toEqual(['error']);
    });
  });
});
