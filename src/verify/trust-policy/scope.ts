// Registry scopes and trust policy selection (trust-store-trust-policy.md §"Selecting a trust
// policy"; notation-go oci.go validateRegistryScopes, GetApplicableTrustPolicy). A scope is a
// fully qualified repository in normal form (src/names), the single global `*`, or — beyond
// notation (docs/conformance.md) — a repository prefix `registry/path/*` or `registry/*`, matched
// at path-component boundaries. The most specific scope wins: exact, then the longest prefix,
// then `*`.
import {
  isPrefixScope,
  normaliseRepositoryName,
  normaliseRepositoryPrefix,
} from '../../names/index.js';
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
const PREFIX_HINT =
  'is not a repository prefix (e.g. registry.example.com/team/* or registry.example.com/*)';

/** Why a prefix scope is refused, or undefined (normal form as for repositories). */
function prefixProblem(scope: string): string | undefined {
  const normal = normaliseRepositoryPrefix(scope);
  if (!normal.ok) return `"${scope}" ${PREFIX_HINT}: ${normal.reason}`;
  if (normal.value.scope !== scope)
    return `"${scope}" is not in normal form; write "${normal.value.scope}"`;
  return undefined;
}

/**
 * Why a scope is refused, or undefined. A scope must be in the one normal form (standing decision
 * 9): `Registry.Example.com:443/a` would govern nothing but look as if it did, and a reviewer
 * reads scopes, so it is refused with the normal form shown rather than silently folded.
 * notation accepts such scopes (a divergence: docs/conformance.md).
 */
function scopeProblem(scope: string): string | undefined {
  if (isPrefixScope(scope)) return prefixProblem(scope);
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
 * How closely a scope governs a repository name in normal form: -1 not at all, 0 `*`, 1 + the
 * prefix's path components for a prefix, Infinity exactly. Scopes of a parsed document are in
 * normal form, so a prefix is compared as text: `r.io/team/*` governs the names that start with
 * `r.io/team/` (whole components, since the `/` is part of it).
 */
export function scopeSpecificity(scope: string, name: string): number {
  if (scope === GLOBAL_SCOPE) return 0;
  if (scope === name) return Infinity;
  if (!isPrefixScope(scope)) return -1;
  const under = scope.slice(0, -1);
  return name.startsWith(under) ? under.split('/').length - 1 : -1;
}

/** The most specific of a statement's scopes for a repository name in normal form (-1: none). */
export function statementSpecificity(scopes: readonly string[], name: string): number {
  let best = -1;
  for (const scope of scopes) best = Math.max(best, scopeSpecificity(scope, name));
  return best;
}

/** A document's scopes by kind, for selection in steps proportional to the name's length. */
interface ScopeIndex {
  exact: Map<string, TrustPolicyStatement>;
  /** By what a governed name starts with (`r.io/team/`). */
  prefixes: Map<string, TrustPolicyStatement>;
  global: TrustPolicyStatement | undefined;
}

// Documents are immutable once parsed (snapshots freeze them): indexed once each, on first use.
const INDEXES = new WeakMap<TrustPolicyDocument, ScopeIndex>();

function indexOf(document: TrustPolicyDocument): ScopeIndex {
  const index = INDEXES.get(document);
  if (index) return index;
  const built: ScopeIndex = { exact: new Map(), prefixes: new Map(), global: undefined };
  for (const statement of document.trustPolicies)
    for (const scope of statement.registryScopes) addScope(built, scope, statement);
  INDEXES.set(document, built);
  return built;
}

/** The first statement listing a scope wins, as notation-go's search in document order does. */
function addScope(index: ScopeIndex, scope: string, statement: TrustPolicyStatement): void {
  if (scope === GLOBAL_SCOPE) index.global ??= statement;
  else if (!isPrefixScope(scope)) {
    if (!index.exact.has(scope)) index.exact.set(scope, statement);
  } else if (!index.prefixes.has(scope.slice(0, -1)))
    index.prefixes.set(scope.slice(0, -1), statement);
}

/**
 * The statement that applies to a fully qualified repository (`registry/namespace/name`, no tag
 * or digest): the one listing it exactly, else the one with the longest prefix above it, else the
 * global `*` statement, else undefined. A scope belongs to one statement only (refused at load),
 * so there are no ties. The repository is compared in normal form, as scopes are written
 * (`LOCALHOST:05000/a` is governed by `localhost:5000/a` and by `localhost:5000/*`). A malformed
 * repository matches nothing, not even `*` (notation-go rejects it).
 */
export function selectTrustPolicy(
  document: TrustPolicyDocument,
  repository: string,
): TrustPolicyStatement | undefined {
  const normal = normaliseRepositoryName(repository);
  if (!normal.ok) return undefined;
  const { name } = normal.value;
  const index = indexOf(document);
  const exact = index.exact.get(name);
  if (exact) return exact;
  // Longest prefix first: `r.io/a/b/`, `r.io/a/`, `r.io/` (a host has no `/`).
  for (let at = name.lastIndexOf('/'); at > 0; at = name.lastIndexOf('/', at - 1)) {
    const statement = index.prefixes.get(name.slice(0, at + 1));
    if (statement) return statement;
  }
  return index.global;
}
