import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { httpRequest, type HttpResponse } from './http.js';

/** The registry endpoint the client talks to; `Registry` from registry.ts fits. */
export interface OciEndpoint {
  url: string;
  caPath?: string | undefined;
}

export interface Credentials {
  username: string;
  password: string;
}

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

export const sha256 = (data: Buffer | string): string =>
  `sha256:${createHash('sha256').update(data).digest('hex')}`;

function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = header.split(' ', 1)[0]!.toLowerCase();
  const params: Record<string, string> = {};
  for (const m of header.slice(scheme.length).matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!] = m[2]!;
  return { scheme, params };
}

/**
 * A small OCI distribution client for the harness (pushing fixtures, pulling them back).
 * It is test code: the product's client lives in src/registry and is tested against the same
 * registries. Answers a Basic or Bearer challenge once per request, caching tokens per scope.
 */
export class OciClient {
  private readonly endpoint: OciEndpoint;
  private readonly credentials: Credentials | undefined;
  private readonly ca: Buffer | undefined;
  private readonly tokens = new Map<string, string>();

  constructor(endpoint: OciEndpoint, credentials?: Credentials) {
    this.endpoint = endpoint;
    this.credentials = credentials;
    this.ca = endpoint.caPath ? readFileSync(endpoint.caPath) : undefined;
  }

  async request(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: Buffer } = {},
  ): Promise<HttpResponse> {
    const url = path.startsWith('http') ? path : `${this.endpoint.url}${path}`;
    const send = (auth?: string): Promise<HttpResponse> =>
      httpRequest(url, {
        method,
        headers: { ...init.headers, ...(auth && { authorization: auth }) },
        ...(init.body && { body: init.body }),
        ...(this.ca && { ca: this.ca }),
      });
    const scope = this.scopeOf(new URL(url).pathname, method);
    const cached = this.tokens.get(scope);
    const first = await send(cached && `Bearer ${cached}`);
    if (first.status !== 401) return first;
    const auth = await this.answer(String(first.headers['www-authenticate'] ?? ''), scope);
    return auth ? send(auth) : first;
  }

  private scopeOf(pathname: string, method: string): string {
    const repo = /^\/v2\/(.+?)\/(manifests|blobs|tags|referrers)\//.exec(pathname)?.[1] ?? '';
    return `repository:${repo}:${method === 'GET' || method === 'HEAD' ? 'pull' : 'pull,push'}`;
  }

  private basicAuth(): string | undefined {
    const c = this.credentials;
    return c && `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
  }

  /** Answers a 401 challenge: Basic as is, Bearer by a token from the realm (cached per scope). */
  private async answer(header: string, scope: string): Promise<string | undefined> {
    const { scheme, params } = parseChallenge(header);
    if (scheme === 'basic') return this.basicAuth();
    if (scheme !== 'bearer' || !params['realm']) return undefined;
    const token = await this.fetchToken(
      params['realm'],
      params['service'],
      params['scope'] ?? scope,
    );
    if (token) this.tokens.set(scope, token);
    return token && `Bearer ${token}`;
  }

  private async fetchToken(
    realm: string,
    service: string | undefined,
    scope: string,
  ): Promise<string | undefined> {
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    url.searchParams.set('scope', scope);
    const basic = this.basicAuth();
    const res = await httpRequest(url.toString(), {
      headers: basic ? { authorization: basic } : {},
    });
    if (res.status !== 200) return undefined;
    const body = JSON.parse(res.body.toString('utf8')) as { token?: string; access_token?: string };
    return body.token ?? body.access_token;
  }

  private expect(res: HttpResponse, ok: number[], what: string): HttpResponse {
    if (!ok.includes(res.status))
      throw new Error(`${what}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
    return res;
  }

  /** Uploads a blob (monolithic POST + PUT) unless the registry has it; returns its digest. */
  async pushBlob(repo: string, data: Buffer): Promise<string> {
    const digest = sha256(data);
    const head = await this.request('HEAD', `/v2/${repo}/blobs/${digest}`);
    if (head.status === 200) return digest;
    const start = this.expect(
      await this.request('POST', `/v2/${repo}/blobs/uploads/`),
      [202],
      `start upload to ${repo}`,
    );
    const location = new URL(String(start.headers.location), this.endpoint.url);
    location.searchParams.set('digest', digest);
    this.expect(
      await this.request('PUT', location.toString(), {
        headers: { 'content-type': 'application/octet-stream' },
        body: data,
      }),
      [201],
      `upload ${digest} to ${repo}`,
    );
    return digest;
  }

  /** Puts a manifest under a tag or its digest; returns the digest of the bytes sent. */
  async pushManifest(
    repo: string,
    reference: string,
    mediaType: string,
    bytes: Buffer,
  ): Promise<string> {
    this.expect(
      await this.request('PUT', `/v2/${repo}/manifests/${reference}`, {
        headers: { 'content-type': mediaType },
        body: bytes,
      }),
      [201],
      `push manifest ${repo}:${reference}`,
    );
    return sha256(bytes);
  }

  /** GET of a manifest by tag or digest, with the full Accept list. */
  getManifest(repo: string, reference: string): Promise<HttpResponse> {
    return this.request('GET', `/v2/${repo}/manifests/${reference}`, {
      headers: { accept: MANIFEST_ACCEPT },
    });
  }

  getBlob(repo: string, digest: string): Promise<HttpResponse> {
    return this.request('GET', `/v2/${repo}/blobs/${digest}`);
  }
}
