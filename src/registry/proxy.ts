// Egress through an HTTP proxy (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`; issue 15 item 4): every
// proxied connection is an HTTP CONNECT tunnel, for https and plain-http targets alike, so the
// proxy carries bytes and never an HTTP request of ours (it sees no registry Authorization; a
// plain-HTTP target's bytes it could read, hence transport.ts's rule on credentials).
//
// The address guard still holds for the target: we resolve the name and check every address as
// for a direct connection, then CONNECT to the checked address (`CONNECT 203.0.113.7:443`), with
// the name as TLS SNI, in the certificate check and in the Host header (the pool's origin keeps
// the name). The proxy never resolves a name of ours, so DNS it sees differently (split horizon,
// rebinding between our check and its lookup) cannot take it somewhere the guard refused.
// undici's ProxyAgent cannot do this: it CONNECTs to the name, and is an Agent (whose per-origin
// pools close when idle; see transport.ts). So the tunnel is undici's `connect()` to the proxy,
// and TLS on top is undici's own connector given the tunnel as `httpSocket`.
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { buildConnector, Pool, type Connector } from './undici.js';
import { bypassesProxy, parseNoProxy, type NoProxyEntry } from '../names/index.js';
import {
  guardedLookup,
  isAddressAllowed,
  notAllowed,
  systemResolver,
  type GuardTarget,
  type HostResolver,
  type NetworkAllowance,
} from './address-guard.js';
import { RegistryError } from './errors.js';

/** The proxy settings as configured (strings); absent or empty: direct. */
export interface ProxyOptions {
  /** Proxy of https targets (registries, token realms): `http://[user:pass@]host:port`. */
  httpsProxy?: string | undefined;
  /** Proxy of plain-http targets (OCSP, most CRLs, plain-HTTP registries). */
  httpProxy?: string | undefined;
  /** `NO_PROXY` entries (src/names/no-proxy.ts): these targets are reached directly. */
  noProxy?: readonly string[] | undefined;
}

/** One proxy: where it listens, how messages name it, its own credentials (if configured). */
interface ProxyEndpoint {
  origin: string;
  /** `host:port`, never the userinfo. */
  shown: string;
  /** `Proxy-Authorization`, only when the proxy URL carries userinfo (the proxy's own login). */
  authorization: string | undefined;
}

/** What a connection is for, as undici's connector is told. */
interface ConnectTarget {
  hostname: string;
  host?: string;
  protocol: string;
  port: string | number;
  servername?: string | null;
  httpSocket?: Socket;
}

/** The proxy URL, checked: http, nothing after the authority. */
function proxyUrl(raw: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    throw new TypeError(`${what}: not a URL`);
  }
  if (url.protocol !== 'http:') throw new TypeError(`${what}: only http:// proxies are supported`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash)
    throw new TypeError(`${what}: a proxy URL has no path, query or fragment`);
  return url;
}

function endpoint(raw: string | undefined, what: string): ProxyEndpoint | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const url = proxyUrl(raw, what);
  const login = url.username
    ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
    : undefined;
  return {
    origin: `http://${url.host}`,
    shown: url.host || `${url.hostname}:80`,
    authorization:
      login === undefined ? undefined : `Basic ${Buffer.from(login).toString('base64')}`,
  };
}

const defaultPort = (protocol: string): number => (protocol === 'https:' ? 443 : 80);

/** The first checked address of a target: every address must pass the guard, as when direct. */
async function checkedAddress(
  hostname: string,
  allowance: NetworkAllowance,
  resolver: HostResolver,
  target: GuardTarget | undefined,
): Promise<string> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(bare) !== 0 ? [bare] : await resolver(bare);
  const refused = addresses.find((a) => !isAddressAllowed(a, allowance, target?.configured));
  if (refused !== undefined) throw notAllowed(hostname, refused, target);
  const [first] = addresses;
  if (first === undefined) throw new Error(`no address for ${hostname}`);
  return first;
}

/** How one connection's target is guarded (as guardedLookup is told for a direct one). */
export interface EgressGuard {
  allowance: NetworkAllowance;
  resolver?: HostResolver | undefined;
  target?: GuardTarget | undefined;
  /** PEM roots for an https target (a registry's CA bundle). */
  ca?: string | undefined;
  timeoutMs: number;
}

/**
 * The egress of one client (the registry transport, the revocation fetcher): which targets go
 * through which proxy, and the connectors that do it. Owns one pool of connections to each proxy.
 */
export class Egress {
  readonly #https: ProxyEndpoint | undefined;
  readonly #http: ProxyEndpoint | undefined;
  readonly #noProxy: NoProxyEntry[];
  readonly #pools = new Map<string, Pool>();

  /** @throws TypeError for a proxy URL or NO_PROXY entry that cannot be used. */
  constructor(options: ProxyOptions = {}) {
    this.#https = endpoint(options.httpsProxy, 'httpsProxy');
    this.#http = endpoint(options.httpProxy, 'httpProxy');
    const rules = parseNoProxy(options.noProxy ?? []);
    if (!rules.ok) throw new TypeError(`noProxy: ${rules.reason}`);
    this.#noProxy = rules.value;
  }

  /** Whether any proxy is configured at all. */
  get enabled(): boolean {
    return this.#https !== undefined || this.#http !== undefined;
  }

  /** The proxy a target goes through (by its scheme, unless NO_PROXY names it), or undefined. */
  proxyFor(target: {
    protocol: string;
    hostname: string;
    port: string | number;
  }): ProxyEndpoint | undefined {
    const proxy = target.protocol === 'https:' ? this.#https : this.#http;
    if (proxy === undefined) return undefined;
    const port = Number(target.port) || defaultPort(target.protocol);
    return bypassesProxy(this.#noProxy, target.hostname, port) ? undefined : proxy;
  }

  /**
   * An undici connector for `guard`'s target: through the proxy (a CONNECT tunnel to the checked
   * address) or, where NO_PROXY says so, directly with the guarded lookup, decided per connection.
   */
  connector(guard: EgressGuard): Connector {
    const tls = { timeout: guard.timeoutMs, ...(guard.ca !== undefined && { ca: guard.ca }) };
    const direct = buildConnector({
      ...tls,
      lookup: guardedLookup(guard.allowance, guard.resolver, guard.target),
    });
    const overTunnel = buildConnector(tls);
    return (opts, callback) => {
      const proxy = this.proxyFor(opts);
      if (proxy === undefined) return direct(opts, callback);
      this.#tunnel(opts, proxy, guard).then(
        (socket) => {
          if (opts.protocol !== 'https:') return callback(null, socket);
          overTunnel({ ...opts, httpSocket: socket }, (...result) => {
            if (result[0]) socket.destroy();
            callback(...result);
          });
        },
        (err: Error) => callback(err, null),
      );
    };
  }

  async #tunnel(opts: ConnectTarget, proxy: ProxyEndpoint, guard: EgressGuard): Promise<Socket> {
    const port = Number(opts.port) || defaultPort(opts.protocol);
    const resolver = guard.resolver ?? systemResolver;
    const address = await checkedAddress(opts.hostname, guard.allowance, resolver, guard.target);
    const authority = isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), guard.timeoutMs);
    let answer: { statusCode: number; socket: Duplex };
    try {
      answer = await this.#pool(proxy).connect({
        path: authority,
        headers: {
          host: authority,
          ...(proxy.authorization !== undefined && { 'proxy-authorization': proxy.authorization }),
        },
        signal: controller.signal,
      });
    } catch (err) {
      const why = controller.signal.aborted ? 'timed out' : codeOf(err);
      throw new RegistryError('NETWORK', `proxy ${proxy.shown} unreachable (${why})`, {
        cause: err,
      });
    } finally {
      clearTimeout(timer);
    }
    if (answer.statusCode !== 200) {
      answer.socket.on('error', () => undefined).destroy();
      throw new RegistryError(
        'NETWORK',
        `proxy ${proxy.shown} refused CONNECT ${authority} for ${opts.hostname} (HTTP ${answer.statusCode})`,
      );
    }
    // undici hands the upgraded connection to the proxy over as the net.Socket it is.
    return answer.socket as Socket;
  }

  #pool(proxy: ProxyEndpoint): Pool {
    let pool = this.#pools.get(proxy.origin);
    if (!pool) {
      // The proxy is configuration: reached wherever it is, no address guard.
      pool = new Pool(proxy.origin, { headersTimeout: 30_000 });
      this.#pools.set(proxy.origin, pool);
    }
    return pool;
  }

  /** Closes the connections to the proxies (tunnels already handed out belong to their pools). */
  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}

function codeOf(err: unknown): string {
  for (let e = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return err instanceof Error ? err.message : String(err);
}
