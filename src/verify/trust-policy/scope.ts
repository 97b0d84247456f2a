// Registry scopes and trust policy selection (trust-store-trust-policy.md §"Selecting a trust
// policy"; notation-go oci.go validateRegistryScopes, GetApplicableTrustPolicy). A scope is a
// fully qualified repository or the single global `*`; there is no prefix matching.
import { PolicyError } from '../errors.js';
import type { TrustPolicyDocument, TrustPolicyStatement } from './document.js';

export const GLOBAL_SCOPE = '*';

// The distribution reference grammar notation-go uses, rewritten without nested quantifiers:
// Go's regexp is linear, JavaScript's backtracks, and `(?:[-]*[a-z0-9]+)+` is exponential on
// a long near-miss. The language is the same (a `-*` separator of length 0 just joins runs).
const LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const DOMAIN = new RegExp(`^${LABEL}(?:\\.${LABEL})*(?::[0-9]+)?$`);
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);

/**
 * True for a fully qualified repository `domain/path` (no scheme, tag, digest or wildcard),
 * which is what both a scope and the repository being verified must be.
 */
export function isRepositoryName(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash <= 0) return false;
  return DOMAIN.test(value.slice(0, slash)) && REPOSITORY.test(value.slice(slash + 1));
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
    } else if (scope !== GLOBAL_SCOPE && !isRepositoryName(scope)) {
      const message = `"${scope}" is not a fully qualified repository (e.g. registry.example.com/team/app, without scheme, tag, digest or wildcard)`;
      errors.push(new PolicyError('SCOPE_INVALID', `${path}[${i}]`, message));
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
 * or digest): the one listing it exactly, else the global `*` statement, else undefined. A
 * malformed repository matches nothing, not even `*` (notation-go rejects it).
 */
export function selectTrustPolicy(
  document: TrustPolicyDocument,
  repository: string,
): TrustPolicyStatement | undefined {
  if (!isRepositoryName(repository)) return undefined;
  const exact = document.trustPolicies.find((s) => s.registryScopes.includes(repository));
  return exact ?? document.trustPolicies.find((s) => s.registryScopes.includes(GLOBAL_SCOPE));
}
