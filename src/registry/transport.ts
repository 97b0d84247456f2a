import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, type Dispatcher } from './undici.js';
import {
  checkLiteralHost,
  guardedLookup,
  type GuardSettings,
  type GuardTarget,
  type HostResolver,
  type NetworkAllowance,
} from './address-guard.js';
import { decodeBody, discard, drain, readCapped, tooLarge } from './body.js';
import {
  HostBreakers,
  type BreakerOptions,
  type BreakerState,
  type CallVerdict,
} from './breaker.js';
import { RegistryError, isRegistryError, redact } from './errors.js';
import { OriginStates, type OriginState } from './origin-state.js';
import type { Egress } from './proxy.js';
import { isRetriableStatus, shouldRetry } from './retry.js';

export interface TransportOptions {
  /** `host[:port]` reached over plain HTTP; every other host must speak HTTPS. */
  insecureHosts: readonly string[];
  /** PEM CA bundle per `host[:port]`, replacing the system roots for that host. */
  caBundles: Readonly<Record<string, string>>;
  allowPrivateNetworks: NetworkAllowance;
  /**
   * Whether configuration names this `host[:port]` (an insecure registry, a CA bundle,
   * credentials): it is trusted configuration, reached on loopback and private addresses too.
   */
  isConfigured?: ((host: string) => boolean) | undefined;
  /** The settings an address refusal names (default: the CLI flags). */
  guardSettings?: GuardSettings | undefined;
  resolver?: HostResolver | undefined;
  maxRedirects: number;
  /** Sockets per origin; further requests queue (and still honour their deadline). */
  perHostConcurrency: number;
  connectTimeoutMs: number;
  now: () => number;
  /** Told of every HTTP exchange: its host and status, or 'error' when none came back. */
  onResponse?: ((host: string, status: number | 'error') => void) | undefined;
  /** The per-host circuit breaker (breaker.ts); on with its defaults unless `false`. */
  breaker?: Omit<BreakerOptions, 'now' | 'onStateChange'> | false | undefined;
  /** Told when a registry host's circuit opens, half-opens or closes (for a metric). */
  onCircuit?: ((host: string, state: BreakerState) => void) | undefined;
  /** Per-origin state (pools, holds), shared with the authenticator; one of its own if absent. */
  states?: OriginStates | undefined;
  /** The egress proxy (proxy.ts), owned (closed) by this transport; direct when absent. */
  egress?: Egress | undefined;
}

/** How one request may reach an origin: its pool, its allowance, what the guard is told. */
interface Access {
  /** The pool of the origin this request uses. */
  pool: string;
  allowance: NetworkAllowance;
  target: GuardTarget;
}

export interface HttpRequest {
  url: URL;
  method?: 'GET' | 'HEAD' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** Absolute time (ms, `now()` clock) the signal fires at: decides whether a Retry-After fits. */
  deadline: number;
  /** Cap on the (decoded) body of a successful response. */
  maxBytes: number;
  followRedirects?: boolean;
  /** An explicitly configured token realm may be plain HTTP. */
  allowPlainHttp?: boolean;
  /** Public addresses only, whatever the allowance (an unconfigured token realm). */
  publicOnly?: boolean;
  /** What is fetched, for messages ("manifest sha256:…"). */
  what: string;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Uint8Array;
  /** The URL that answered, after redirects. */
  url: URL;
}

const ERROR_BODY_CAP = 64 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Left over after a Retry-After wait, for the retried request itself. */
const RETRY_MARGIN_MS = 200;

function flatten(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** Retry-After as delay-seconds or an HTTP date, in ms from now; undefined when absent or junk. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d{1,9}$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function errorCode(err: unknown): string | undefined {
  for (let e = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function causeRegistryError(err: unknown): RegistryError | undefined {
  for (let e = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++)
    if (isRegistryError(e)) return e;
  return undefined;
}

/** HTTP for the registry client: guarded addresses, deadlines, caps, redirects and one retry. */
export class Transport {
  readonly #options: TransportOptions;
  /**
   * One Pool per origin (and address allowance), kept in the bounded per-origin state with the
   * origin's Retry-After hold. Not an undici Agent: an Agent closes an origin's pool whenever
   * its last connection drops (undici closes the socket after every HEAD), which made every
   * following request open a new connection.
   */
  readonly #states: OriginStates;
  readonly #breakers: HostBreakers | undefined;
  /** Exchanges each request made: a call that made none tells the breaker nothing. */
  readonly #exchanges = new WeakMap<HttpRequest, number>();

  constructor(options: TransportOptions) {
    this.#options = options;
    this.#states = options.states ?? new OriginStates({ now: options.now });
    this.#breakers =
      options.breaker === false
        ? undefined
        : new HostBreakers({
            ...options.breaker,
            now: options.now,
            onStateChange: options.onCircuit,
          });
  }

  /** One call through the host's circuit breaker: refused at once while it is open. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    this.#checkHold(req.url);
    const permit = this.#breakers?.admit(req.url.host);
    try {
      const res = await this.#attempts(req);
      // 501 (a registry without HEAD, say) is an answer from a working server, not a failure.
      const failed = res.status === 429 || isRetriableStatus(res.status);
      permit?.done(failed ? 'failure' : 'success', { status: res.status });
      return res;
    } catch (err) {
      const held = (this.#states.find(req.url.origin)?.holdUntil ?? 0) - this.#options.now();
      const status = isRegistryError(err) ? err.status : undefined;
      permit?.done(this.#verdictOf(err, req), {
        ...(status !== undefined && { status }),
        ...(held > 0 && { retryAfterMs: held }),
      });
      throw err;
    }
  }

  /** The attempts of one call: at most one retry (retry.ts), or one wait for a Retry-After. */
  async #attempts(req: HttpRequest): Promise<HttpResponse> {
    const method = req.method ?? 'GET';
    const startedAt = this.#options.now();
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) this.#checkHold(req.url);
      const ctx = () => ({
        attempt,
        method,
        startedAt,
        now: this.#options.now(),
        deadline: req.deadline,
      });
      let res: HttpResponse;
      try {
        res = await this.#follow(req);
      } catch (err) {
        if (this.#retryable(err, req, ctx())) continue;
        throw this.#failed(err, req);
      }
      if (shouldRetry({ status: res.status }, ctx())) continue;
      if (res.status !== 429) return res;
      await this.#rateLimited(res, req, attempt === 0 && method !== 'POST');
    }
  }

  /** What a failed call says of its host: nothing unless it reached it (and was not cut short). */
  #verdictOf(err: unknown, req: HttpRequest): CallVerdict {
    if ((this.#exchanges.get(req) ?? 0) === 0 || req.signal.aborted) return 'neutral';
    const code = this.#toRegistryError(err, req).code;
    return code === 'NETWORK' || code === 'RATE_LIMITED' ? 'failure' : 'neutral';
  }

  /** Waits out a 429's Retry-After when it fits the deadline; otherwise holds the host and throws. */
  async #rateLimited(res: HttpResponse, req: HttpRequest, retry: boolean): Promise<void> {
    const wait = retryAfterMs(res.headers['retry-after'], this.#options.now());
    const left = req.deadline - this.#options.now();
    if (retry && wait !== undefined && wait + RETRY_MARGIN_MS <= left) {
      await this.#sleep(wait, req);
      return;
    }
    if (wait !== undefined) this.#states.get(req.url.origin).holdUntil = this.#options.now() + wait;
    throw new RegistryError('RATE_LIMITED', `${req.url.host} is rate limiting ${req.what}`, {
      status: 429,
    });
  }

  /** A network error worth the one retry of an idempotent request. */
  #retryable(err: unknown, req: HttpRequest, ctx: Parameters<typeof shouldRetry>[1]): boolean {
    if (this.#toRegistryError(err, req).code !== 'NETWORK') return false;
    return shouldRetry({ errorCode: errorCode(err) }, ctx);
  }

  /** The coded error of a failed exchange; a timeout also retires the origin's idle pool. */
  #failed(err: unknown, req: HttpRequest): RegistryError {
    const e = this.#toRegistryError(err, req);
    if (e.code === 'TIMEOUT') this.#dropIfIdle(req);
    return e;
  }

  /**
   * After a timeout undici reconnects the aborted connection at once, leaving an idle socket to a
   * registry that just stalled; when nobody else is using that origin, start it afresh instead.
   */
  #dropIfIdle(req: HttpRequest): void {
    const state = this.#states.find(req.url.origin);
    const key = this.#access(req.url, req).pool;
    const pool = state?.pools.get(key);
    // Our own count: undici still counts an aborted request as running while it reconnects.
    if (!state || !pool || state.inFlight > 0) return;
    state.pools.delete(key);
    void pool.destroy().catch(() => undefined);
  }

  /** Closes every connection, including requests in flight. */
  async close(): Promise<void> {
    await this.#states.destroy();
    await this.#options.egress?.close();
  }

  #checkHold(url: URL): void {
    const until = this.#states.find(url.origin)?.holdUntil ?? 0;
    if (until <= this.#options.now()) return;
    throw new RegistryError(
      'RATE_LIMITED',
      `${url.host} asked for a pause (Retry-After) that has not ended; not calling it`,
      { status: 429 },
    );
  }

  async #sleep(ms: number, req: HttpRequest): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: req.signal });
    } catch (err) {
      throw this.#toRegistryError(err, req);
    }
  }

  /**
   * An unconfigured token realm is public-only; a host the configuration names is trusted on
   * loopback and private addresses too; anything else gets the configured allowance.
   */
  #access(url: URL, req: HttpRequest): Access {
    const publicOnly = req.publicOnly === true;
    const configured = !publicOnly && (this.#options.isConfigured?.(url.host) ?? false);
    return {
      // Keyed by what the guard was told too: a registry the reloaded credentials file starts or
      // stops naming gets a pool whose lookup judges it as it now is.
      pool: publicOnly ? 'public' : configured ? 'configured' : 'allowed',
      allowance: publicOnly ? false : this.#options.allowPrivateNetworks,
      target: {
        host: url.host,
        configured,
        publicOnly,
        ...(this.#options.guardSettings && { settings: this.#options.guardSettings }),
      },
    };
  }

  #checkUrl(url: URL, req: HttpRequest, hop: number): void {
    const allowPlainHttp = hop === 0 && req.allowPlainHttp === true;
    if (url.username || url.password)
      throw new RegistryError('NOT_ALLOWED', `refusing a URL with credentials in it (${url.host})`);
    if (url.protocol === 'http:') {
      if (!allowPlainHttp && !this.#options.insecureHosts.includes(url.host)) {
        throw new RegistryError(
          'NOT_ALLOWED',
          `plain HTTP to ${url.host} is not allowed (the host is not listed as insecure)`,
        );
      }
    } else if (url.protocol !== 'https:') {
      throw new RegistryError('NOT_ALLOWED', `refusing the ${url.protocol} scheme`);
    }
    const { allowance, target } = this.#access(url, req);
    checkLiteralHost(url.hostname, allowance, target);
  }

  async #follow(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    const headers = { ...req.headers };
    for (let hop = 0; ; hop++) {
      this.#checkUrl(url, req, hop);
      const res = await this.#exchange(url, headers, req);
      if (!REDIRECTS.has(res.status) || req.followRedirects !== true) return res;
      if (hop >= this.#options.maxRedirects) {
        throw new RegistryError(
          'PROTOCOL',
          `more than ${this.#options.maxRedirects} redirects fetching ${req.what} from ${req.url.host}`,
        );
      }
      const location = res.headers['location'];
      if (location === undefined)
        throw new RegistryError('PROTOCOL', `redirect without Location from ${url.host}`);
      const next = new URL(location, url);
      // Credentials belong to the origin that asked for them, never to where it points us.
      if (next.origin !== url.origin) delete headers['authorization'];
      url = next;
    }
  }

  async #exchange(
    url: URL,
    headers: Record<string, string>,
    req: HttpRequest,
  ): Promise<HttpResponse> {
    const state = this.#states.get(url.origin);
    state.inFlight++;
    this.#exchanges.set(req, (this.#exchanges.get(req) ?? 0) + 1);
    try {
      const res = await this.#exchangeOn(state, url, headers, req);
      this.#options.onResponse?.(url.host, res.status);
      return res;
    } catch (err) {
      this.#options.onResponse?.(url.host, 'error');
      throw err;
    } finally {
      // The state this request counted itself in, even if it has been forgotten since.
      state.inFlight--;
    }
  }

  async #exchangeOn(
    state: OriginState,
    url: URL,
    headers: Record<string, string>,
    req: HttpRequest,
  ): Promise<HttpResponse> {
    const method = req.method ?? 'GET';
    this.#checkCredentialsEgress(url, headers);
    const res = await this.#poolFor(state, url, req).request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method,
      headers: { ...headers, 'accept-encoding': 'identity', 'user-agent': 'notary-admission' },
      ...(req.body !== undefined && { body: req.body }),
      signal: req.signal,
    });
    const out = { status: res.statusCode, headers: flatten(res.headers), url };
    if (method === 'HEAD' || REDIRECTS.has(res.statusCode)) {
      await drain(res.body);
      return { ...out, body: new Uint8Array() };
    }
    const failed = res.statusCode >= 300;
    const cap = failed ? Math.min(ERROR_BODY_CAP, req.maxBytes) : req.maxBytes;
    const length = Number(out.headers['content-length'] ?? NaN);
    if (!failed && length > cap) {
      discard(res.body);
      throw tooLarge(`${req.what} from ${url.host}`, cap);
    }
    const raw = await readCapped(res.body, cap, {
      truncate: failed,
      what: `${req.what} from ${url.host}`,
    });
    if (failed) return { ...out, body: raw };
    const body = decodeBody(out.headers['content-encoding'], raw, { cap, what: req.what });
    return { ...out, body };
  }

  /** A tunnel carries plain HTTP as it is: the proxy could read a password or token in it. */
  #checkCredentialsEgress(url: URL, headers: Record<string, string>): void {
    if (url.protocol !== 'http:' || headers['authorization'] === undefined) return;
    if (this.#options.egress?.proxyFor(url) === undefined) return;
    throw new RegistryError(
      'NOT_ALLOWED',
      `credentials are not sent to ${url.host} over plain HTTP through the proxy (it could read them); ` +
        'serve the registry over https, or list it in --no-proxy',
    );
  }

  #poolFor(state: OriginState, url: URL, req: HttpRequest): Pool {
    const { pool: key, allowance, target } = this.#access(url, req);
    let pool = state.pools.get(key);
    if (!pool) {
      const ca = url.protocol === 'https:' ? this.#options.caBundles[url.host] : undefined;
      const { egress, resolver, connectTimeoutMs } = this.#options;
      pool = new Pool(url.origin, {
        // Through the proxy (or, for NO_PROXY hosts, directly), the target guarded either way.
        connect: egress?.enabled
          ? egress.connector({ allowance, resolver, target, ca, timeoutMs: connectTimeoutMs })
          : {
              timeout: connectTimeoutMs,
              lookup: guardedLookup(allowance, resolver, target),
              ...(ca !== undefined && { ca }),
            },
        connections: this.#options.perHostConcurrency,
        keepAliveTimeout: 30_000,
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
      state.pools.set(key, pool);
    }
    return pool;
  }

  #toRegistryError(err: unknown, req: HttpRequest): RegistryError {
    if (isRegistryError(err)) return err;
    const guarded = causeRegistryError(err);
    if (guarded) return guarded;
    if (req.signal.aborted) {
      return new RegistryError(
        'TIMEOUT',
        `registry timeout: ${req.what} from ${req.url.host} did not complete within the deadline`,
        { cause: err },
      );
    }
    const code = errorCode(err);
    return new RegistryError(
      'NETWORK',
      `registry unavailable: ${redact(req.url)} failed (${code ?? (err as Error).message})`,
      { cause: err },
    );
  }
}
