// Cache keys: an image digest plus the policy revision. A tag must never be a key, so the digest
// is checked against the OCI digest grammar.

/** OCI image-spec digest grammar: `algorithm ":" encoded`. */
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/**
 * The key for a verdict on `digest` under `policyRevision` (a hash the caller computes over the
 * trust policy, the trust store and every certificate they reach). `@` cannot occur in a digest,
 * so distinct pairs always give distinct keys.
 *
 * @throws TypeError when `digest` is not an OCI digest or `policyRevision` is empty.
 */
export function cacheKey(digest: string, policyRevision: string): string {
  if (!DIGEST.test(digest)) throw new TypeError(`cache key needs an image digest, got "${digest}"`);
  if (policyRevision === '') throw new TypeError('cache key needs a policy revision');
  return `${digest}@${policyRevision}`;
}
