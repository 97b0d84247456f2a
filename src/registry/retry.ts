/**
 * The one retry of the registry transport (reliability.md T-18): an idempotent request (GET,
 * HEAD) that met a server error or a connection broken under it is sent once more, and only when
 * the time left before the deadline could hold another attempt as long as the first. A retry
 * that cannot finish would only turn a clear "registry unavailable" into a timeout.
 */

/** Connections that broke under the request: it may never have reached the registry. */
const RETRIABLE_NETWORK = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
/** Server errors worth another try (501 and 505 would answer the same again). */
const RETRIABLE_STATUS = new Set([500, 502, 503, 504]);
/** A server error that says the registry is failing (also what the circuit breaker counts). */
export const isRetriableStatus = (status: number): boolean => RETRIABLE_STATUS.has(status);

/** Below this much time left no retry is tried, however quick the first attempt was. */
export const MIN_RETRY_BUDGET_MS = 100;

export interface RetryContext {
  /** 0 for the first attempt. */
  attempt: number;
  method: string;
  /** When the first attempt started, and now (ms, one clock). */
  startedAt: number;
  now: number;
  /** Absolute deadline of the request (same clock). */
  deadline: number;
}

/** What went wrong: the response's status, or the error code of a failed exchange. */
export type AttemptFailure = { status: number } | { errorCode: string | undefined };

/** Whether the time left could hold another attempt as long as the first took. */
export function fitsBudget(ctx: Pick<RetryContext, 'startedAt' | 'now' | 'deadline'>): boolean {
  const left = ctx.deadline - ctx.now;
  return left >= Math.max(ctx.now - ctx.startedAt, MIN_RETRY_BUDGET_MS);
}

/** At most one retry: idempotent method, retriable failure, and a retry that fits the budget. */
export function shouldRetry(failure: AttemptFailure, ctx: RetryContext): boolean {
  if (ctx.attempt > 0 || ctx.method === 'POST') return false;
  const retriable =
    'status' in failure
      ? isRetriableStatus(failure.status)
      : RETRIABLE_NETWORK.has(failure.errorCode ?? '');
  return retriable && fitsBudget(ctx);
}
