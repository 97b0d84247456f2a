// fast-check arbitraries for registry-prefix scopes (issue 15 item 3): random sets of statements
// whose scopes are exact repositories, prefixes (`host/a/*`, `host/*`) and `*`, drawn from a small
// universe so that overlaps, shared scopes and near-misses (`host/ab` next to `host/a/*`) are
// frequent; and an oracle of the most specific scope written over path components, independently
// of src/verify's text comparison, so the property tests are not the code checking itself.
import fc from 'fast-check';

const HOSTS = ['r.io', 'localhost:5000'] as const;
const PARTS = ['a', 'b', 'ab'] as const;

/** One statement of a random set: its name and scopes (unique within it; `*` alone). */
export interface ScopedStatement {
  name: string;
  scopes: string[];
}

const path = fc.array(fc.constantFrom(...PARTS), { minLength: 1, maxLength: 3 });

/** A repository of the universe, fully qualified and in normal form. */
export const repositoryOfUniverse: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...HOSTS), path)
  .map(([host, parts]) => `${host}/${parts.join('/')}`);

/** A scope of the universe: an exact repository, a prefix of 0–2 components, or `*`. */
const scope: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: repositoryOfUniverse },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...HOSTS),
        fc.array(fc.constantFrom(...PARTS), { minLength: 0, maxLength: 2 }),
      )
      .map(([host, parts]) => [host, ...parts, '*'].join('/')),
  },
  { weight: 1, arbitrary: fc.constant('*') },
);

/** 1–5 statements of 1–4 scopes each; scopes may repeat across statements (a conflict). */
export const scopedStatements: fc.Arbitrary<ScopedStatement[]> = fc
  .array(fc.uniqueArray(scope, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 })
  .map((lists) =>
    lists.map((scopes, i) => ({
      name: `s${i}`,
      // `*` cannot be combined with other scopes in one statement (notation): keep it alone.
      scopes: scopes.includes('*') ? ['*'] : scopes,
    })),
  );

/** Scopes listed by more than one statement. */
export function sharedScopes(statements: readonly ScopedStatement[]): Set<string> {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const s of statements)
    for (const scope of s.scopes) (seen.has(scope) ? shared : seen).add(scope);
  return shared;
}

/**
 * How closely `scope` governs `repository`, over components: exact is above any prefix, a prefix
 * whose components start the repository's (and are fewer) ranks by its component count, `*` is
 * last; undefined when it does not govern it at all.
 */
export function oracleRank(scope: string, repository: string): number | undefined {
  if (scope === '*') return 0;
  if (scope === repository) return 1000;
  const s = scope.split('/');
  const r = repository.split('/');
  if (s.at(-1) !== '*') return undefined;
  const fixed = s.slice(0, -1);
  if (fixed.length >= r.length) return undefined;
  return fixed.every((c, i) => c === r[i]) ? fixed.length : undefined;
}

/** The most specific scope of all statements for a repository, with the statements listing it. */
export function mostSpecific(
  statements: readonly ScopedStatement[],
  repository: string,
): { scope: string; owners: string[] } | undefined {
  let best: { scope: string; rank: number } | undefined;
  for (const s of statements)
    for (const scope of s.scopes) {
      const rank = oracleRank(scope, repository);
      if (rank !== undefined && (best === undefined || rank > best.rank)) best = { scope, rank };
    }
  if (!best) return undefined;
  const owners = statements.filter((s) => s.scopes.includes(best.scope)).map((s) => s.name);
  return { scope: best.scope, owners };
}
