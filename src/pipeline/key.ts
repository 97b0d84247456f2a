// The verdict cache key (standing decision 6: digest + policy revision).
import { createHash } from 'node:crypto';
import { cacheKey } from '../cache/index.js';

/**
 * The cache key: digest, then the policy revision, statement and repository (in normal form, so
 * every spelling of a registry shares one entry) as a JSON array: statement names may contain `/`,
 * so joining with a separator could make two keys one. Hashed to one flat 43-byte string (a
 * template literal would keep slices of the image reference alive per entry).
 */
export function verdictKey(digest: string, ...scope: readonly string[]): string {
  const key = cacheKey(digest, JSON.stringify(scope));
  return createHash('sha256').update(key).digest('base64url');
}
