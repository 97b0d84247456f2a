// Registry scopes and trust policy selection (trust-store-trust-policy.md §"Selecting a trust
// policy"; notation-go oci.go validateRegistryScopes, GetApplicableTrustPolicy). A scope is a
// fully qualified repository in normal form (src/names) or the single global `*`; there is no
// prefix matching.
import { normaliseRepositoryName } from '../../names/index.js';
import { PolicyError } from '../errors.js';
import type { TrustPolicyDocument, TrustPolicyStatement } from './document.js';

export const GLOBAL_SCOPE = '*';

/**
 * True for a fully qualified repository `registry/path` (no scheme, tag, digest or wildcard) in
 * any spelling of its registry: the distribution grammar notation-go uses, with hosts as
 * src/names reads them (IPv6 literals included).
 */
export function isRepositoryName(value: string): boolean {
  return normaliseRepositoryName(value).ok;
}

const FQ_HINT =
  'is not a fully qualified repository (e.g. registry.example.com/team/app, without scheme, tag, digest or wildcard)';

/**
 * Why a scope is refused, or undefined. A scope must be in the one normal form (standing decision
 * 9): `Registry.Example.com:443/a` would govern nothing but look as if it did, and a reviewer
 * reads scopes, so it is refused with the normal form shown rather than silently folded.
 * notation accepts such scopes (a divergence: docs/conformance.md).
 */
function scopeProblem(scope: string): string | undefined {
  const normal = normaliseRepositoryName(scope);
  if (!normal.ok) return `"${scope}" ${FQ_HINT}: ${normal.reason}`;
  if (normal.value.name !== scope)
    return `"${scope}" is not in normal form; write "${normal.value.name}"`;
  return undefined;
}

/** Problems of one statement's `registryScopes` (duplicates across statements: see below). */
export function checkRegistryScopes(raw: unknown, path: string): PolicyError[] {
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) {
    const message =
      'at least one registry scope is required (blob trust policies are not OCI trust policies)';
    return [new PolicyError('SCOPE_INVALID', path, message)];
  }
  if (!Array.isArray(raw)) return [new PolicyError('POLICY_MALFORMED', path, 'must be an array')];
  const errors: PolicyError[] = [];
  if (raw.length > 1 && raw.includes(GLOBAL_SCOPE)) {
    const message = `the global scope "*" cannot be combined with other scopes`;
    errors.push(new PolicyError('SCOPE_INVALID', path, message));
  }
  raw.forEach((scope: unknown, i) => {
    if (typeof scope !== 'string') {
      errors.push(new PolicyError('POLICY_MALFORMED', `${path}[${i}]`, 'must be a string'));
    } else if (scope !== GLOBAL_SCOPE) {
      const message = scopeProblem(scope);
      if (message) errors.push(new PolicyError('SCOPE_INVALID', `${path}[${i}]`, message));
    }
  });
  return errors;
}

/** A scope may belong to one statement only, once (so there is at most one `*` statement). */
export function duplicateScopeErrors(
  statements: readonly { scopes: unknown; path: string }[],
): PolicyError[] {
  const seen = new Set<string>();
  const errors: PolicyError[] = [];
  for (const { scopes, path } of statements) {
    if (!Array.isArray(scopes)) continue;
    scopes.forEach((scope: unknown, i) => {
      if (typeof scope !== 'string') return;
      if (seen.has(scope)) {
        const message = `registry scope "${scope}" appears more than once; a scope can belong to one statement only`;
        errors.push(new PolicyError('SCOPE_DUPLICATE', `${path}[${i}]`, message));
      }
      seen.add(scope);
    });
  }
  return errors;
}

/**
 * The statement that applies to a fully qualified repository (`registry/namespace/name`, no tag
 * or digest): the one listing it exactly, else the global `*` statement, else undefined. The
 * repository is compared in normal form, as scopes are written (`LOCALHOST:05000/a` is governed by
 * `localhost:5000/a`). A malformed repository matches nothing, not even `*` (notation-go rejects it).
 */
export function selectTrustPolicy(
  document: TrustPolicyDocument,
  repository: string,
): TrustPolicyStatement | undefined {
  const normal = normaliseRepositoryName(repository);
  if (!normal.ok) return undefined;
  const { name } = normal.value;
  const exact = document.trustPolicies.find((s) => s.registryScopes.includes(name));
  return exact ?? document.trustPolicies.find((s) => s.registryScopes.includes(GLOBAL_SCOPE));
}
