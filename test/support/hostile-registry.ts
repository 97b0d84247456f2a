import { createHash } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

/**
 * A scriptable HTTP "registry" on 127.0.0.1 for hostile-registry tests (reliability.md H-REG):
 * routes answer with well-behaved or malicious behaviours (stall, dribble, redirect loops,
 * endless pagination, oversized and gzip-bomb bodies, wrong digests, 429), and every request is
 * logged with its headers so tests can prove where credentials went. Unrouted paths get 404.
 */
export interface LoggedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  at: number;
}

export type Behaviour = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
) => void | Promise<void>;

export interface HostileRegistry {
  url: string;
  /** `127.0.0.1:PORT`. */
  host: string;
  readonly requests: LoggedRequest[];
  /** Requests whose path (without query) starts with `prefix`, optionally of one method. */
  count(prefix?: string, method?: string): number;
  /** Adds a route; later routes win. `path` matches the path without the query. */
  route(method: string, path: string | RegExp, behaviour: Behaviour): void;
  /** Sockets currently open to the server. */
  openSockets(): number;
  stop(): Promise<void>;
}

export async function startHostileRegistry(): Promise<HostileRegistry> {
  const routes: { method: string; path: string | RegExp; behaviour: Behaviour }[] = [];
  const requests: LoggedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    requests.push({
      method: req.method ?? '',
      path: url.pathname + url.search,
      headers: req.headers,
      at: Date.now(),
    });
    const route = [...routes]
      .reverse()
      .find(
        (r) =>
          (r.method === '*' || r.method === req.method) &&
          (typeof r.path === 'string' ? r.path === url.pathname : r.path.test(url.pathname)),
      );
    const behaviour =
      route?.behaviour ?? json(404, { errors: [{ code: 'NOT_FOUND', message: 'no route' }] });
    void Promise.resolve(behaviour(req, res, url)).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    count: (prefix = '/', method) =>
      requests.filter(
        (r) => r.path.split('?')[0]!.startsWith(prefix) && (!method || r.method === method),
      ).length,
    route: (method, path, behaviour) => void routes.push({ method, path, behaviour }),
    openSockets: () => sockets.size,
    stop: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A complete response with a body. */
export function bytes(
  status: number,
  body: Buffer | string,
  headers: http.OutgoingHttpHeaders = {},
): Behaviour {
  return (req, res) => {
    const buf = Buffer.from(body);
    res.writeHead(status, { 'content-length': buf.length, ...headers });
    res.end(req.method === 'HEAD' ? undefined : buf);
  };
}

export function json(
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): Behaviour {
  return bytes(status, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
}

/** Accepts the request and never answers. */
export function stall(): Behaviour {
  return () => undefined;
}

/** Sends headers, then one byte every `intervalMs` forever (slow loris). */
export function dribble(intervalMs: number, headers: http.OutgoingHttpHeaders = {}): Behaviour {
  return (_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
      ...headers,
    });
    const timer = setInterval(() => res.write('{'), intervalMs);
    res.on('close', () => clearInterval(timer));
  };
}

/** A chunked body of `chunk`-sized writes that never ends on its own. */
export function endless(headers: http.OutgoingHttpHeaders = {}, chunk = 64 * 1024): Behaviour {
  return (_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
      ...headers,
    });
    const block = Buffer.alloc(chunk, 0x20);
    const pump = (): void => {
      while (!res.destroyed && res.write(block));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  };
}

export function redirect(location: string, status = 302): Behaviour {
  return (_req, res) => void res.writeHead(status, { location, 'content-length': 0 }).end();
}

/** `Content-Encoding: gzip` whose body inflates to `decodedBytes` zeros. */
export function gzipBomb(decodedBytes: number, headers: http.OutgoingHttpHeaders = {}): Behaviour {
  const body = gzipSync(Buffer.alloc(decodedBytes), { level: 9 });
  return bytes(200, body, { 'content-encoding': 'gzip', ...headers });
}

export function tooManyRequests(retryAfter: string | undefined): Behaviour {
  return json(
    429,
    { errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }] },
    retryAfter ? { 'retry-after': retryAfter } : {},
  );
}

/** The bytes and descriptors of a small signed artifact (the envelope is opaque bytes here). */
export interface FakeArtifact {
  manifest: Buffer;
  digest: string;
  signature: Buffer;
  signatureDigest: string;
  envelope: Buffer;
  envelopeDigest: string;
  /** The referrers index (API answer and tag-schema index). */
  index: Buffer;
  signatureDescriptor: {
    mediaType: string;
    digest: string;
    size: number;
    artifactType: string;
    annotations: Record<string, string>;
  };
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const NOTARY = 'application/vnd.cncf.notary.signature';

export function fakeArtifact(
  options: { envelope?: Buffer; layerSize?: number; form?: 'legacy' | 'oci11' } = {},
): FakeArtifact {
  const config = {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    digest: sha256('{}'),
    size: 2,
  };
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [] }),
  );
  const digest = sha256(manifest);
  const envelope =
    options.envelope ?? Buffer.from('{"payload":"opaque envelope for transport tests"}');
  const envelopeDigest = sha256(envelope);
  const legacy = options.form === 'legacy';
  const signature = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      ...(!legacy && { artifactType: NOTARY }),
      config: {
        mediaType: legacy ? NOTARY : 'application/vnd.oci.empty.v1+json',
        digest: sha256('{}'),
        size: 2,
      },
      layers: [
        {
          mediaType: 'application/jose+json',
          digest: envelopeDigest,
          size: options.layerSize ?? envelope.length,
        },
      ],
      subject: { mediaType: OCI_MANIFEST, digest, size: manifest.length },
      annotations: { 'io.cncf.notary.x509chain.thumbprint#S256': '["ab"]' },
    }),
  );
  const signatureDescriptor = {
    mediaType: OCI_MANIFEST,
    digest: sha256(signature),
    size: signature.length,
    artifactType: NOTARY,
    annotations: { 'io.cncf.notary.x509chain.thumbprint#S256': '["ab"]' },
  };
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [signatureDescriptor] }),
  );
  return {
    manifest,
    digest,
    signature,
    signatureDigest: signatureDescriptor.digest,
    envelope,
    envelopeDigest,
    index,
    signatureDescriptor,
  };
}

/** Serves a FakeArtifact under `repo`: tag `v1`, by digest, its signature, and referrers by API or tag schema. */
export function serveArtifact(
  reg: HostileRegistry,
  repo: string,
  a: FakeArtifact,
  referrers: 'api' | 'tag' = 'api',
): void {
  const manifestHeaders = { 'content-type': OCI_MANIFEST, 'docker-content-digest': a.digest };
  reg.route('*', `/v2/${repo}/manifests/v1`, bytes(200, a.manifest, manifestHeaders));
  reg.route('*', `/v2/${repo}/manifests/${a.digest}`, bytes(200, a.manifest, manifestHeaders));
  reg.route(
    '*',
    `/v2/${repo}/manifests/${a.signatureDigest}`,
    bytes(200, a.signature, {
      'content-type': OCI_MANIFEST,
      'docker-content-digest': a.signatureDigest,
    }),
  );
  reg.route(
    'GET',
    `/v2/${repo}/blobs/${a.envelopeDigest}`,
    bytes(200, a.envelope, { 'content-type': 'application/octet-stream' }),
  );
  if (referrers === 'api') {
    reg.route(
      'GET',
      `/v2/${repo}/referrers/${a.digest}`,
      bytes(200, a.index, { 'content-type': OCI_INDEX }),
    );
  } else {
    reg.route(
      'GET',
      `/v2/${repo}/referrers/${a.digest}`,
      bytes(404, '404 page not found', { 'content-type': 'text/plain' }),
    );
    reg.route(
      'GET',
      `/v2/${repo}/manifests/sha256-${a.digest.slice(7)}`,
      bytes(200, a.index, { 'content-type': OCI_INDEX }),
    );
  }
}
