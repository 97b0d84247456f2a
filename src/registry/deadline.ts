import type { CredentialLookup } from './credentials.js';
import { RegistryError } from './errors.js';

/** What every call takes: the caller's signal, and optionally its deadline or a timeout. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Absolute deadline in ms (the client's clock); the earliest of deadline and timeout wins. */
  deadline?: number;
  timeoutMs?: number;
  /**
   * This call's credentials (a pod's imagePullSecrets), asked first for each registry; the
   * client's configured ones serve registries it does not name.
   */
  credentials?: CredentialLookup;
}

/** What every request of one call shares: its deadline, and its own credentials if any. */
export interface Deadline {
  signal: AbortSignal;
  deadline: number;
  credentials?: CredentialLookup;
}

/**
 * Runs `fn` under one total deadline: the caller's signal, or the timeout, whichever ends first.
 * The timer is cleared when `fn` settles, so nothing outlives the call.
 */
export async function withDeadline<T>(
  options: CallOptions,
  defaults: { timeoutMs: number; now: () => number },
  fn: (d: Deadline) => Promise<T>,
): Promise<T> {
  const now = defaults.now();
  const limit = Math.min(
    options.deadline ?? Infinity,
    now + (options.timeoutMs ?? defaults.timeoutMs),
  );
  if (options.signal?.aborted || limit <= now)
    throw new RegistryError('TIMEOUT', 'registry timeout: the deadline had passed before the call');
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new Error('deadline')), limit - now);
  try {
    return await fn({
      signal: controller.signal,
      deadline: limit,
      ...(options.credentials && { credentials: options.credentials }),
    });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
