// The verdict cache key (standing decision 6: digest + policy revision).
import { createHash } from 'node:crypto';
import { cacheKey, Lru } from '../cache/index.js';

/**
 * The cache key: digest, then the policy revision, statement and repository (in normal form, so
 * every spelling of a registry shares one entry) as a JSON array: statement names may contain `/`,
 * so joining with a separator could make two keys one. Hashed to one flat 43-byte string (a
 * template literal would keep slices of the image reference alive per entry).
 */
export function verdictKey(digest: string, ...scope: readonly string[]): string {
  const key = cacheKey(digest, JSON.stringify(scope));
  const known = hashed.get(key);
  if (known !== undefined) return known;
  const hash = createHash('sha256').update(key).digest('base64url');
  hashed.set(key, hash);
  return hash;
}

// Warm reviews ask for the same keys again and again: the hash is remembered by the whole
// unhashed key (so it binds exactly what the hash binds), at most MAX_HASHED keys, the least
// recently used dropped first (decision 10).
export const MAX_HASHED = 1024;
const hashed = new Lru<string, string>(MAX_HASHED);
