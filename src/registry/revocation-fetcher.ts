import { Agent, type Dispatcher } from './undici.js';
import type { RevocationFetcher, RevocationRequest, RevocationResponse } from '../verify/index.js';
import {
  checkLiteralHost,
  guardedLookup,
  type HostResolver,
  type NetworkAllowance,
} from './address-guard.js';
import { decodeBody, discard, drain, readCapped, tooLarge } from './body.js';
import { RegistryError, isRegistryError } from './errors.js';
import { Egress, type ProxyOptions } from './proxy.js';

export interface RevocationFetcherOptions {
  /** Ceiling on every request's deadline, and the deadline when one gives none (default 10 s). */
  timeoutMs?: number;
  /** Body cap when the request gives none (default 10 MiB: large CAs publish CRLs of MBs). */
  maxResponseBytes?: number;
  /** As the registry client's: responders on private addresses need it (or a CIDR list). */
  allowPrivateNetworks: NetworkAllowance;
  /** Injectable DNS, as in the registry client. */
  resolver?: HostResolver;
  /** Told of every HTTP exchange: its host and status, or 'error' when none came back. */
  onResponse?: (host: string, status: number | 'error') => void;
  /** As the registry client's: OCSP and CRL requests through the egress proxy (proxy.ts). */
  proxy?: ProxyOptions;
}

/** A RevocationFetcher that owns connections: close it when the service stops. */
export type ClosableRevocationFetcher = RevocationFetcher & { close(): Promise<void> };

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
/** Redirects a GET may follow (CRLs behind CDNs); the answer is signed, so a hop cannot forge it. */
export const MAX_REDIRECTS = 2;
const ERROR_BODY_CAP = 64 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_PATH_SHOWN = 100;

function positive(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value > 0;
}

/** `host/path` for messages: never the query (it may carry anything), long paths cut short. */
function shown(url: URL): string {
  const path =
    url.pathname.length > MAX_PATH_SHOWN
      ? `${url.pathname.slice(0, MAX_PATH_SHOWN)}…`
      : url.pathname;
  return `${url.host}${path}`;
}

function refuse(reason: string): RegistryError {
  return new RegistryError('NOT_ALLOWED', reason);
}

/** http or https, no userinfo, and an IP literal only where the address guard allows it. */
function checkUrl(url: URL, allowance: NetworkAllowance): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw refuse(`the ${url.protocol} scheme is not allowed (http and https only)`);
  if (url.username || url.password) throw refuse('URLs with credentials in them are not allowed');
  checkLiteralHost(url.hostname, allowance);
}

function errorCode(err: unknown): string | undefined {
  for (let e = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    if (isRegistryError(e)) return undefined;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function registryCause(err: unknown): RegistryError | undefined {
  for (let e = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++)
    if (isRegistryError(e)) return e;
  return undefined;
}

interface Attempt {
  request: RevocationRequest;
  url: URL;
  timeoutMs: number;
  aborted: boolean;
}

/** The plain Error a caller sees: method, host and path, and why; never a query string. */
function toError(err: unknown, at: Attempt): Error {
  const where = `${at.request.method} ${shown(at.url)}`;
  if (at.aborted)
    return new Error(`${where} timed out after ${at.timeoutMs} ms (headers and body)`, {
      cause: err,
    });
  const coded = registryCause(err);
  if (coded?.code === 'NOT_ALLOWED')
    return new Error(`${where} refused: ${coded.message.replace(/^registry not allowed: /, '')}`, {
      cause: err,
    });
  if (coded) return new Error(`${where} failed: ${coded.message}`, { cause: err });
  const reason = errorCode(err) ?? (err instanceof Error ? err.message : String(err));
  return new Error(`${where} failed (${reason})`, { cause: err });
}

/** Reads the body of one response under the cap; error bodies are cut short, not refused. */
async function readBody(res: Dispatcher.ResponseData, cap: number): Promise<Uint8Array> {
  const ok = res.statusCode >= 200 && res.statusCode < 300;
  if (!ok) return readCapped(res.body, Math.min(cap, ERROR_BODY_CAP), { truncate: true, what: '' });
  const length = Number(res.headers['content-length'] ?? NaN);
  if (length > cap) {
    discard(res.body);
    throw tooLarge('the response', cap);
  }
  const raw = await readCapped(res.body, cap, { truncate: false, what: 'the response' });
  const encoding = res.headers['content-encoding'];
  return decodeBody(typeof encoding === 'string' ? encoding : undefined, raw, {
    cap,
    what: 'the response',
  });
}

/**
 * The revocation fetcher of the service (undici): http and https only, addresses checked by the
 * registry client's guard at DNS lookup, `timeoutMs` as one deadline over connect, headers, body
 * and redirects, the body capped while it streams. GETs follow at most MAX_REDIRECTS redirects,
 * each hop checked again; a POST (OCSP) never does: its 3xx is returned, and is not an answer.
 */
export function createRevocationFetcher(
  options: RevocationFetcherOptions,
): ClosableRevocationFetcher {
  const ceiling = positive(options.timeoutMs) ? options.timeoutMs : DEFAULT_TIMEOUT_MS;
  const defaultCap = positive(options.maxResponseBytes)
    ? options.maxResponseBytes
    : DEFAULT_MAX_RESPONSE_BYTES;
  const allowance = options.allowPrivateNetworks;
  const egress = options.proxy && new Egress(options.proxy);
  const agent = new Agent({
    // Through the proxy when one is configured (the responder's address guarded either way).
    connect: egress?.enabled
      ? egress.connector({ allowance, resolver: options.resolver, timeoutMs: ceiling })
      : { lookup: guardedLookup(allowance, options.resolver) },
    connections: 8,
    keepAliveTimeout: 10_000,
    headersTimeout: ceiling,
    bodyTimeout: ceiling,
  });

  async function exchange(url: URL, request: RevocationRequest, signal: AbortSignal) {
    const cap = positive(request.maxResponseBytes) ? request.maxResponseBytes : defaultCap;
    try {
      const res = await agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers: {
          'user-agent': 'notary-admission',
          'accept-encoding': 'identity',
          ...(request.contentType !== undefined && { 'content-type': request.contentType }),
        },
        ...(request.method === 'POST' && request.body !== undefined && { body: request.body }),
        signal,
      });
      const redirect = REDIRECTS.has(res.statusCode) ? res.headers['location'] : undefined;
      if (typeof redirect === 'string' && request.method === 'GET') {
        const location = new URL(redirect, url);
        await drain(res.body);
        options.onResponse?.(url.host, res.statusCode);
        return { status: res.statusCode, location };
      }
      const body = await readBody(res, cap);
      options.onResponse?.(url.host, res.statusCode);
      return { status: res.statusCode, body };
    } catch (err) {
      options.onResponse?.(url.host, 'error');
      throw err;
    }
  }

  async function follow(attempt: Attempt, signal: AbortSignal): Promise<RevocationResponse> {
    for (let hop = 0; ; hop++) {
      checkUrl(attempt.url, allowance);
      const res = await exchange(attempt.url, attempt.request, signal);
      if (!('location' in res)) return res;
      if (hop >= MAX_REDIRECTS)
        throw new RegistryError('PROTOCOL', `more than ${MAX_REDIRECTS} redirects`);
      attempt.url = res.location;
    }
  }

  const fetcher = async (request: RevocationRequest): Promise<RevocationResponse> => {
    const timeoutMs = positive(request.timeoutMs) ? Math.min(request.timeoutMs, ceiling) : ceiling;
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      throw new Error(`${request.method} refused: the revocation URL is not a valid URL`);
    }
    const attempt: Attempt = { request, url, timeoutMs, aborted: false };
    const controller = new AbortController();
    const timer = setTimeout(() => {
      attempt.aborted = true;
      controller.abort();
    }, timeoutMs);
    try {
      return await follow(attempt, controller.signal);
    } catch (err) {
      throw toError(err, attempt);
    } finally {
      clearTimeout(timer);
    }
  };
  const close = async (): Promise<void> => {
    await agent.destroy();
    await egress?.close();
  };
  return Object.assign(fetcher, { close });
}
