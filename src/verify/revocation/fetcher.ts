// The transport of revocation checking. src/verify does no I/O: the caller injects the HTTP
// client (the webhook's uses undici); this file only bounds what comes back.
import type { RevocationCache } from './cache.js';

/** One HTTP exchange with an OCSP responder or a CRL distribution point. */
export interface RevocationRequest {
  url: string;
  method: 'GET' | 'POST';
  body?: Uint8Array;
  contentType?: string;
  timeoutMs: number;
  /** Bodies longer than this are refused anyway; a fetcher may abort the download early. */
  maxResponseBytes?: number;
}

export interface RevocationResponse {
  status: number;
  body: Uint8Array;
}

/**
 * HTTP is supplied by the caller (the webhook uses undici); src/verify does no I/O of its own.
 * It must honour timeoutMs and reject on network errors.
 */
export type RevocationFetcher = (request: RevocationRequest) => Promise<RevocationResponse>;

/** What the OCSP and CRL checks of one certificate need. */
export interface MethodContext {
  fetcher: RevocationFetcher;
  now: Date;
  authenticSigningTime: Date | undefined;
  timeoutMs: number;
  maxResponseBytes: number;
  cache: RevocationCache | undefined;
}

/** The answer of one revocation method for one certificate. */
export interface MethodResult {
  status: 'ok' | 'revoked' | 'unknown';
  detail?: string;
  /** nextUpdate of the OCSP response or CRL(s) the answer rests on. */
  nextUpdate?: Date;
}

/** Thrown (and turned into an "unknown" result) when an answer cannot be obtained or trusted. */
export class RevocationCheckError extends Error {
  override readonly name = 'RevocationCheckError';
}

/** Only plain HTTP, as notation-go: the responses are signed, and TLS would need its own trust. */
export function requireHttpUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RevocationCheckError(`invalid URL ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:') {
    throw new RevocationCheckError(`unsupported URL scheme in ${url}: only http is supported`);
  }
  return parsed;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, url: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RevocationCheckError(`no answer from ${url} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    timer.unref();
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Sends a request through the injected fetcher and returns the body of a 200 answer. A fetcher
 * that ignores its timeout is cut off here, so a check never hangs past it.
 */
export async function fetchBody(
  ctx: MethodContext,
  request: RevocationRequest,
): Promise<Uint8Array> {
  requireHttpUrl(request.url);
  let response: RevocationResponse;
  try {
    const pending = Promise.resolve().then(() => ctx.fetcher(request));
    response = await withTimeout(pending, request.timeoutMs, request.url);
  } catch (error) {
    if (error instanceof RevocationCheckError) throw error;
    throw new RevocationCheckError(`request to ${request.url} failed: ${describe(error)}`);
  }
  if (response.status !== 200) {
    throw new RevocationCheckError(`${request.url} answered HTTP ${response.status}`);
  }
  if (response.body.byteLength > ctx.maxResponseBytes) {
    throw new RevocationCheckError(
      `${request.url} answered more than the limit of ${ctx.maxResponseBytes} bytes`,
    );
  }
  return response.body;
}

/** A message for a result's detail, from anything a check threw. */
export function errorDetail(error: unknown): string {
  if (error instanceof RevocationCheckError) return error.message;
  return `unexpected error: ${describe(error)}`;
}
