// A size-bounded map in least-recently-used order. A JS Map iterates in insertion order, so
// re-inserting on access keeps the least recently used entry first.

/** A map that holds at most `maxEntries` entries and drops the least recently used first. */
export class Lru<K, T> {
  readonly #map = new Map<K, T>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    }
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The value for `key`, marked most recently used. */
  get(key: K): T | undefined {
    const value = this.#map.get(key);
    if (value === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, value);
    return value;
  }

  /** The value for `key`, its place in the order left as it is. */
  peek(key: K): T | undefined {
    return this.#map.get(key);
  }

  /**
   * Stores `value` as most recently used and returns the entries dropped to stay in bounds
   * (least recently used first).
   */
  set(key: K, value: T): Array<[K, T]> {
    this.#map.delete(key);
    this.#map.set(key, value);
    const dropped: Array<[K, T]> = [];
    for (const entry of this.#map) {
      if (this.#map.size <= this.#maxEntries) break;
      this.#map.delete(entry[0]);
      dropped.push(entry);
    }
    return dropped;
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }

  /** Entries, least recently used first, without touching their order. */
  entries(): IterableIterator<[K, T]> {
    return this.#map.entries();
  }
}
