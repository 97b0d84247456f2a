// Notary v1 server API client (Docker Content Trust): the TUF metadata of a GUN under
// /v2/<gun>/_trust/tuf/, through the registry transport (address guard, caps, deadline, retry)
// and registry token auth. Implements src/verify/tuf's TufMetadataSource structurally.
import type { TufMetadataRequest, TufMetadataSource } from '../verify/tuf/index.js';
import type { HostResolver, NetworkAllowance } from './address-guard.js';
import { Authenticator, type AuthContext } from './auth.js';
import type { CredentialLookup, DockerConfig } from './credentials.js';
import { withDeadline, type CallOptions, type Deadline } from './deadline.js';
import { RegistryError } from './errors.js';
import { DEFAULT_REALMS, credentialLookup, transportOptions } from './options.js';
import { OriginStates } from './origin-state.js';
import type { ProxyOptions } from './proxy.js';
import { statusError } from './status.js';
import { Transport, type HttpResponse } from './transport.js';

export interface NotaryClientOptions {
  /** The server's base URL: `https://notary.docker.io`; `http:` only when `insecure` says so. */
  server: string;
  /** Allow an `http:` server (a test or a loopback sidecar). */
  insecure?: boolean;
  /** PEM CA bundle for the server, instead of the system roots. */
  caBundle?: string;
  /** Credentials by host (the server's, or its token realm's registry name). */
  credentials?: DockerConfig | string | CredentialLookup;
  /** Token realm origins that may receive the server's credentials. */
  tokenRealms?: Readonly<Record<string, readonly string[]>>;
  /** The server is configuration, so loopback and private addresses are allowed for it; this adds others. */
  allowPrivateNetworks?: NetworkAllowance;
  resolver?: HostResolver;
  /** Egress through an HTTP proxy, as the registry client's (proxy.ts). */
  proxy?: ProxyOptions;
  /** Told of every HTTP exchange (for metrics): host and status, or 'error'. */
  onResponse?: (host: string, status: number | 'error') => void;
  /** Deadline of a session that brings none, default 10 s. */
  timeoutMs?: number;
  now?: () => number;
}

// Docker's GUN is a repository name: a host (with port) and path components (distribution's grammar).
const GUN = /^[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+$/;
const ROLE = /^(?:root|timestamp|snapshot|targets(?:\/[-a-z0-9_]+)*)$/;

/** Whether `gun` is a name a Notary server's path can carry (a repository in Docker's grammar). */
export function isNotaryGun(gun: string): boolean {
  return GUN.test(gun) && gun.length <= 255;
}

/** The path of one metadata file, or a TypeError for anything that could leave `_trust/tuf/`. */
export function metadataPath(gun: string, r: TufMetadataRequest): string {
  if (!isNotaryGun(gun)) throw new TypeError(`not a GUN: ${JSON.stringify(gun)}`);
  if (!ROLE.test(r.role) || r.role.length > 255)
    throw new TypeError(`not a TUF role: ${JSON.stringify(r.role)}`);
  let name = r.role;
  if (r.version !== undefined) {
    if (r.role !== 'root' || !Number.isSafeInteger(r.version) || r.version < 1)
      throw new TypeError(`no versioned ${r.role} ${r.version}`);
    name = `${r.version}.root`;
  } else if (r.checksum !== undefined) {
    if (!/^[a-f0-9]{64}$/.test(r.checksum))
      throw new TypeError(`not a sha256 checksum: ${r.checksum}`);
    name = `${r.role}.${r.checksum}`;
  }
  return `/v2/${gun}/_trust/tuf/${name}.json`;
}

/** The registry transport, with the server as configuration (loopback and private allowed for it). */
function transportFor(
  url: URL,
  o: NotaryClientOptions,
  now: () => number,
  states: OriginStates,
): Transport {
  const base = transportOptions(
    {
      insecureRegistries: url.protocol === 'http:' ? [url.host] : [],
      ...(o.caBundle !== undefined && { caBundles: { [url.host]: o.caBundle } }),
      ...(o.credentials !== undefined && { credentials: o.credentials }),
      ...(o.allowPrivateNetworks !== undefined && { allowPrivateNetworks: o.allowPrivateNetworks }),
      ...(o.resolver && { resolver: o.resolver }),
      ...(o.proxy && { proxy: o.proxy }),
      ...(o.onResponse && { onResponse: o.onResponse }),
    },
    now,
  );
  const configured = (host: string): boolean =>
    host === url.host || (base.isConfigured?.(host) ?? false);
  return new Transport({ ...base, isConfigured: configured, states });
}

export class NotaryClient {
  readonly #origin: string;
  readonly #host: string;
  readonly #transport: Transport;
  readonly #auth: Authenticator;
  readonly #timeoutMs: number;
  readonly #now: () => number;

  constructor(o: NotaryClientOptions) {
    const url = new URL(o.server);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && o.insecure))
      throw new TypeError(`Notary server ${url.origin}: https only (or http with insecure)`);
    if (url.pathname !== '/' || url.search || url.username)
      throw new TypeError('Notary server: an origin without path, query or credentials');
    this.#origin = url.origin;
    this.#host = url.host;
    this.#now = o.now ?? Date.now;
    this.#timeoutMs = o.timeoutMs ?? 10_000;
    const states = new OriginStates({ now: this.#now });
    this.#transport = transportFor(url, o, this.#now, states);
    this.#auth = new Authenticator({
      transport: this.#transport,
      credentials: credentialLookup(o.credentials),
      realms: { ...DEFAULT_REALMS, ...o.tokenRealms },
      now: this.#now,
      states,
    });
  }

  /**
   * Runs `fn` with a TufMetadataSource whose every request shares one deadline (the caller's
   * signal, deadline or timeout): a whole verification, not each file, is bounded.
   */
  session<T>(options: CallOptions, fn: (source: TufMetadataSource) => Promise<T>): Promise<T> {
    return withDeadline(options, { timeoutMs: this.#timeoutMs, now: this.#now }, (d) =>
      fn({ fetch: (gun, request) => this.#fetch(gun, request, d) }),
    );
  }

  close(): Promise<void> {
    return this.#transport.close();
  }

  /** The file's bytes; undefined on 404; a RegistryError for anything else. */
  async #fetch(gun: string, r: TufMetadataRequest, d: Deadline): Promise<Uint8Array | undefined> {
    const path = metadataPath(gun, r);
    const what = `trust data ${path.slice(4)}`;
    const res = await this.#send(
      gun,
      { url: new URL(path, this.#origin), maxBytes: r.maxBytes, what },
      d,
    );
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw statusError(res, what, 'NAME_UNKNOWN');
    return res.body;
  }

  /** One request with auth: a known header up front, at most one answer to a 401. */
  async #send(
    gun: string,
    { url, maxBytes, what }: { url: URL; maxBytes: number; what: string },
    d: Deadline,
  ): Promise<HttpResponse> {
    const ctx: AuthContext = {
      registry: this.#host,
      origin: this.#origin,
      scope: `repository:${gun}:pull`,
      ...d,
    };
    const send = (authorization: string | undefined): Promise<HttpResponse> =>
      this.#transport.request({
        url,
        headers: {
          accept: 'application/json',
          ...(authorization !== undefined && { authorization }),
        },
        signal: d.signal,
        deadline: d.deadline,
        maxBytes,
        // Metadata is asked for by name at this origin: a redirect elsewhere is not followed.
        followRedirects: false,
        what,
      });
    const sent = await this.#auth.authorization(ctx);
    const first = await send(sent);
    if (first.status !== 401) return first;
    this.#auth.forget(ctx, sent);
    const second = await send(await this.#auth.answer(ctx, first.headers['www-authenticate']));
    if (second.status === 401)
      throw new RegistryError('UNAUTHORIZED', `${this.#host} refused the credentials for ${gun}`, {
        status: 401,
      });
    return second;
  }
}
