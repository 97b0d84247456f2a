// Registry credentials of a cloud identity, kept until they expire and refreshed ahead of that:
// one fetch at a time per key (single-flight), detached from any one review's deadline, in a
// bounded LRU (decision 10: a Pod spec names the hosts, and so the regions and registries).
import {
  RegistryError,
  type ProvidedCredentials,
  type RegistryErrorCode,
} from '../registry/index.js';
import { describeFailure } from './failure.js';

export interface CredentialCacheOptions {
  /** The code of every failure, naming the provider (`ECR_CREDENTIALS_UNAVAILABLE`). */
  code: RegistryErrorCode;
  /** `ECR`: how messages name the provider. */
  label: string;
  now: () => number;
  /** Default 64: regions (ECR), registries (ACR), or the one metadata token (GCP). */
  maxEntries?: number;
  /** How long one fetch may take, whoever waits for it (default 30 s). */
  fetchTimeoutMs?: number;
  /** A refresh ahead of expiry failed: the old credentials serve until they expire. */
  onRefreshError?: (key: string, err: unknown) => void;
}

/** Credentials are refreshed once this share of their life has passed (12 h ECR: after 9.6 h). */
export const REFRESH_AT_SHARE = 0.8;

interface Entry {
  value?: ProvidedCredentials;
  refreshAt: number;
  pending?: Promise<ProvidedCredentials>;
}

export type Fetch = (signal: AbortSignal) => Promise<ProvidedCredentials>;

export class CredentialCache {
  readonly #o: CredentialCacheOptions;
  readonly #entries = new Map<string, Entry>();

  constructor(options: CredentialCacheOptions) {
    this.#o = options;
  }

  /**
   * Fresh credentials answer at once; past REFRESH_AT_SHARE of their life they still answer while
   * one refresh runs behind them; expired or absent, the caller waits for the (shared) fetch, or
   * for its own signal: a review's deadline ends its wait, never the fetch others share.
   */
  get(key: string, signal: AbortSignal, fetch: Fetch): Promise<ProvidedCredentials> {
    const now = this.#o.now();
    const entry = this.#entries.get(key);
    if (entry?.value && now < entry.value.expiresAt) {
      this.#touch(key, entry);
      if (now >= entry.refreshAt && !entry.pending)
        this.#start(key, entry, fetch).catch((err: unknown) => this.#o.onRefreshError?.(key, err));
      return Promise.resolve(entry.value);
    }
    const current = entry ?? { refreshAt: 0 };
    return this.#waitFor(current.pending ?? this.#start(key, current, fetch), signal);
  }

  /** Forgets every entry (tests; a provider whose settings changed). */
  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  #start(key: string, entry: Entry, fetch: Fetch): Promise<ProvidedCredentials> {
    const pending = fetch(AbortSignal.timeout(this.#o.fetchTimeoutMs ?? 30_000))
      .then((value) => {
        const now = this.#o.now();
        if (!(value.expiresAt > now)) throw new Error('the credentials given had already expired');
        entry.value = value;
        entry.refreshAt = now + (value.expiresAt - now) * REFRESH_AT_SHARE;
        return value;
      })
      .catch((err: unknown) => {
        throw this.#error(describeFailure(err), err);
      });
    entry.pending = pending;
    this.#touch(key, entry);
    const settle = (): void => {
      if (entry.pending === pending) delete entry.pending;
    };
    pending.then(settle, settle);
    return pending;
  }

  #touch(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    const max = this.#o.maxEntries ?? 64;
    for (const old of this.#entries.keys()) {
      if (this.#entries.size <= max) break;
      this.#entries.delete(old);
    }
  }

  #error(why: string, cause?: unknown): RegistryError {
    if (cause instanceof RegistryError && cause.code === this.#o.code) return cause;
    const message = `${this.#o.label} registry credentials unavailable: ${why}`;
    return new RegistryError(this.#o.code, message, { cause });
  }

  /** The shared fetch, or the caller's own deadline, whichever comes first. */
  #waitFor(
    pending: Promise<ProvidedCredentials>,
    signal: AbortSignal,
  ): Promise<ProvidedCredentials> {
    const timeout = () => this.#error('the deadline passed while they were fetched');
    return waitFor(pending, signal, timeout);
  }
}

function waitFor(
  pending: Promise<ProvidedCredentials>,
  signal: AbortSignal,
  timeout: () => Error,
): Promise<ProvidedCredentials> {
  if (signal.aborted) return Promise.reject(timeout());
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(timeout());
  });
  signal.addEventListener('abort', onAbort, { once: true });
  return Promise.race([pending, aborted]).finally(() =>
    signal.removeEventListener('abort', onAbort),
  );
}
