// Issue 15 item 4 at the wire: the registry transport and the revocation fetcher through an HTTP
// CONNECT proxy played by an in-process server on 127.0.0.1 that records every CONNECT (and can
// refuse it). What the proxy sees: a CONNECT to the address our guard checked, never a name to
// resolve, never a registry Authorization, a Proxy-Authorization only when the proxy URL carries
// its own login. What the registry sees: its name (Host, SNI) and our Authorization, inside TLS.
// The tinyproxy run through the whole service is test/integration/webhook/egress-proxy.test.ts.
import { readFile } from 'node:fs/promises';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HostResolver } from '../../../src/registry/address-guard.js';
import {
  createRevocationFetcher,
  isRegistryError,
  type RegistryError,
} from '../../../src/registry/index.js';
import { Egress, type ProxyOptions } from '../../../src/registry/proxy.js';
import { Transport, type HttpRequest } from '../../../src/registry/transport.js';
import { generateSelfSigned } from '../../../src/webhook/tls/index.js';
import { makeWorkdir } from '../../harness/workdir.js';

interface Seen {
  host: string | undefined;
  sni?: string | false;
  authorization: string | undefined;
  proxyAuthorization: string | undefined;
}

const listen = (server: net.Server): Promise<number> =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
const closeServer = (server: net.Server): Promise<void> =>
  new Promise((resolve) => {
    server.close(() => resolve());
    (server as http.Server).closeAllConnections?.();
  });

const seenOf = (headers: IncomingHttpHeaders, sni?: string | false): Seen => ({
  host: headers.host,
  ...(sni !== undefined && { sni }),
  authorization: headers.authorization,
  proxyAuthorization: headers['proxy-authorization'],
});

let tlsTarget: https.Server;
let plainTarget: http.Server;
let proxy: http.Server;
let tlsPort: number;
let plainPort: number;
let proxyPort: number;
let ca: string;
const atTargets: Seen[] = [];
const connects: { target: string; headers: Seen }[] = [];
let refuseWith: number | undefined;
const sockets = new Set<net.Socket>();

const DNS: Record<string, string[]> = {
  'registry.test': ['127.0.0.1'],
  'metadata.test': ['169.254.169.254'],
};
const resolver: HostResolver = (name) => Promise.resolve(DNS[name] ?? []);

beforeAll(async () => {
  const pair = await generateSelfSigned({
    dir: makeWorkdir('egress-tls'),
    dnsNames: ['registry.test'],
  });
  ca = await readFile(pair.caPath, 'utf8');
  const answer = (req: http.IncomingMessage, res: http.ServerResponse) => {
    atTargets.push(seenOf(req.headers, (req.socket as TLSSocket).servername ?? undefined));
    res.end('ok');
  };
  tlsTarget = https.createServer(
    { cert: await readFile(pair.certPath), key: await readFile(pair.keyPath) },
    answer,
  );
  plainTarget = http.createServer((req, res) => {
    atTargets.push(seenOf(req.headers));
    res.end('crl-bytes');
  });
  proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    connects.push({ target: req.url ?? '', headers: seenOf(req.headers) });
    sockets.add(client);
    if (refuseWith !== undefined) {
      client.end(`HTTP/1.1 ${refuseWith} Forbidden\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const [host, port] = [
      req.url!.slice(0, req.url!.lastIndexOf(':')),
      req.url!.slice(req.url!.lastIndexOf(':') + 1),
    ];
    const upstream = net.connect({ host: host.replace(/^\[|\]$/g, ''), port: Number(port) }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  [tlsPort, plainPort, proxyPort] = await Promise.all([
    listen(tlsTarget),
    listen(plainTarget),
    listen(proxy),
  ]);
});
afterEach(() => {
  atTargets.length = 0;
  connects.length = 0;
  refuseWith = undefined;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all([closeServer(tlsTarget), closeServer(plainTarget), closeServer(proxy)]);
});

const transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

function transport(proxyOptions: ProxyOptions, insecure: string[] = []): Transport {
  const t = new Transport({
    insecureHosts: insecure,
    caBundles: { [`registry.test:${tlsPort}`]: ca },
    allowPrivateNetworks: true,
    resolver,
    maxRedirects: 3,
    perHostConcurrency: 4,
    connectTimeoutMs: 2_000,
    now: Date.now,
    breaker: false,
    egress: new Egress(proxyOptions),
  });
  transports.push(t);
  return t;
}

const get = (url: string, headers: Record<string, string> = {}): HttpRequest => ({
  url: new URL(url),
  headers,
  signal: AbortSignal.timeout(5_000),
  deadline: Date.now() + 5_000,
  maxBytes: 1024,
  what: 'probe',
});

/** The RegistryError a request fails with. */
async function failureOf(request: Promise<unknown>): Promise<RegistryError> {
  const err = await request.then(
    () => new Error('no failure'),
    (e: unknown) => e,
  );
  if (!isRegistryError(err)) throw err;
  return err;
}

const proxyUrl = (): string => `http://127.0.0.1:${proxyPort}`;

describe('registry traffic through an HTTP CONNECT proxy', () => {
  describe('when an https registry is named by a host name', () => {
    it('CONNECTs to the checked address, and speaks TLS to the name with its Authorization inside', async () => {
      const t = transport({ httpsProxy: proxyUrl() });
      const res = await t.request(
        get(`https://registry.test:${tlsPort}/v2/`, { authorization: 'Bearer secret' }),
      );
      expect(res.status).toBe(200);
      expect(connects).toEqual([
        {
          target: `127.0.0.1:${tlsPort}`,
          headers: {
            host: `127.0.0.1:${tlsPort}`,
            authorization: undefined,
            proxyAuthorization: undefined,
          },
        },
      ]);
      expect(atTargets).toEqual([
        {
          host: `registry.test:${tlsPort}`,
          sni: 'registry.test',
          authorization: 'Bearer secret',
          proxyAuthorization: undefined,
        },
      ]);
    });
  });

  describe('when the proxy URL carries a login', () => {
    it('sends it as Proxy-Authorization on the CONNECT only', async () => {
      const t = transport({ httpsProxy: `http://ops:p%40ss@127.0.0.1:${proxyPort}` });
      await t.request(get(`https://registry.test:${tlsPort}/v2/`));
      expect(connects.map((c) => c.headers.proxyAuthorization)).toEqual([
        `Basic ${Buffer.from('ops:p@ss').toString('base64')}`,
      ]);
      expect(atTargets.map((s) => s.proxyAuthorization)).toEqual([undefined]);
    });
  });

  describe('when NO_PROXY names the registry', () => {
    it('reaches it directly (no CONNECT)', async () => {
      const t = transport({ httpsProxy: proxyUrl(), noProxy: ['.test'] });
      expect((await t.request(get(`https://registry.test:${tlsPort}/v2/`))).status).toBe(200);
      expect(connects).toEqual([]);
      expect(atTargets).toHaveLength(1);
    });
  });

  describe('when the name resolves to an address the guard refuses', () => {
    it('throws NOT_ALLOWED before any CONNECT', async () => {
      const t = transport({ httpsProxy: proxyUrl() });
      const refused = await failureOf(t.request(get(`https://metadata.test:${tlsPort}/v2/`)));
      expect(refused.code).toBe('NOT_ALLOWED');
      expect(refused.message).toContain('metadata.test (169.254.169.254) is a metadata address');
      await expect(t.request(get(`https://169.254.169.254:${tlsPort}/v2/`))).rejects.toMatchObject({
        code: 'NOT_ALLOWED',
      });
      expect(connects).toEqual([]);
    });
  });

  describe('when the proxy refuses the tunnel or is down', () => {
    it('throws NETWORK (inconclusive), naming the proxy and its answer', async () => {
      refuseWith = 403;
      const t = transport({ httpsProxy: proxyUrl() });
      const refused = await failureOf(t.request(get(`https://registry.test:${tlsPort}/v2/`)));
      expect([refused.code, refused.kind]).toEqual(['NETWORK', 'availability']);
      expect(refused.message).toContain(
        `proxy 127.0.0.1:${proxyPort} refused CONNECT 127.0.0.1:${tlsPort} for registry.test (HTTP 403)`,
      );
      const down = transport({ httpsProxy: 'http://127.0.0.1:1' });
      const unreachable = await failureOf(
        down.request(get(`https://registry.test:${tlsPort}/v2/`)),
      );
      expect(unreachable.code).toBe('NETWORK');
      expect(unreachable.message).toContain('proxy 127.0.0.1:1 unreachable (ECONNREFUSED)');
      expect(atTargets).toEqual([]);
    });
  });

  describe('when a plain-HTTP registry is proxied', () => {
    const host = (): string => `registry.test:${plainPort}`;

    it('tunnels anonymous requests, and refuses to send credentials through the proxy', async () => {
      const t = transport({ httpProxy: proxyUrl() }, [host()]);
      expect((await t.request(get(`http://${host()}/v2/`))).status).toBe(200);
      const refused = await failureOf(
        t.request(get(`http://${host()}/v2/`, { authorization: 'Basic c2VjcmV0' })),
      );
      expect(refused.code).toBe('NOT_ALLOWED');
      expect(refused.message).toContain(
        `credentials are not sent to ${host()} over plain HTTP through the proxy`,
      );
      expect(connects.map((c) => c.target)).toEqual([`127.0.0.1:${plainPort}`]);
      expect(atTargets.map((s) => s.authorization)).toEqual([undefined]);
    });
  });
});

describe('revocation traffic through an HTTP CONNECT proxy', () => {
  it('fetches a CRL over a tunnel to the checked address', async () => {
    const fetcher = createRevocationFetcher({
      allowPrivateNetworks: true,
      resolver,
      proxy: { httpProxy: proxyUrl() },
    });
    try {
      const res = await fetcher({
        url: `http://registry.test:${plainPort}/ca.crl`,
        method: 'GET',
        timeoutMs: 5_000,
      });
      expect([res.status, Buffer.from(res.body).toString()]).toEqual([200, 'crl-bytes']);
      expect(connects.map((c) => c.target)).toEqual([`127.0.0.1:${plainPort}`]);
      expect(atTargets.map((s) => s.host)).toEqual([`registry.test:${plainPort}`]);
      await expect(
        fetcher({
          url: `http://metadata.test:${plainPort}/ca.crl`,
          method: 'GET',
          timeoutMs: 5_000,
        }),
      ).rejects.toThrow(/refused: metadata\.test \(169\.254\.169\.254\) is a metadata address/);
      expect(connects).toHaveLength(1);
    } finally {
      await fetcher.close();
    }
  });
});
