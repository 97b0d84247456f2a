// A bounded in-memory cache of revocation responses. It holds the raw bytes of responses that
// were valid when stored; a hit is validated again (signature and nextUpdate) before use, so
// the cache can only save a fetch, never change an answer.

export interface RevocationCacheOptions {
  /** Most entries kept; the least recently used go first (default 1000). */
  maxEntries?: number;
  /** Most bytes kept over all entries (default 64 MiB); a larger single response is not kept. */
  maxBytes?: number;
  /** Upper bound of an entry's lifetime, whatever its nextUpdate says (default 24 hours). */
  maxAgeMs?: number;
}

interface Entry {
  body: Uint8Array;
  expiresAt: number;
}

/** Responses keyed by URL and request, each expiring at its nextUpdate or earlier. */
export class RevocationCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #maxAgeMs: number;
  #bytes = 0;

  constructor(options: RevocationCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 1000;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#maxAgeMs = options.maxAgeMs ?? 24 * 3600_000;
  }

  /** Entries currently held (expired ones included until touched or evicted). */
  get size(): number {
    return this.#entries.size;
  }

  /** The stored response, unless it has expired at `now`. */
  get(key: string, now: Date): Uint8Array | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (now.getTime() >= entry.expiresAt) {
      this.#bytes -= entry.body.byteLength;
      return undefined;
    }
    this.#entries.set(key, entry); // most recently used last
    return entry.body;
  }

  /** Stores a response valid until `expires` (its nextUpdate), bounded by maxAgeMs from `now`. */
  set(key: string, body: Uint8Array, validity: { now: Date; expires: Date }): void {
    this.delete(key);
    const expiresAt = Math.min(validity.expires.getTime(), validity.now.getTime() + this.#maxAgeMs);
    if (expiresAt <= validity.now.getTime() || body.byteLength > this.#maxBytes) return;
    this.#entries.set(key, { body: new Uint8Array(body), expiresAt });
    this.#bytes += body.byteLength;
    this.#evict();
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.body.byteLength;
  }

  #evict(): void {
    for (const [key] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) return;
      this.delete(key);
    }
  }
}
