// Issue 15 item 3 at load: random sets of exact, prefix and `*` scopes, compiled as TrustPolicy
// objects (the status verdicts compileCluster writes) and loaded as a trustpolicy.json (the file
// source). A scope shared by two statements is refused at load (ScopeConflict, or the whole file);
// otherwise every repository is judged by the statement of its most specific scope, by an oracle
// written over path components (test/support/scope-sets.ts).
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mostSpecific,
  repositoryOfUniverse,
  scopedStatements,
  sharedScopes,
  type ScopedStatement,
} from '../../test/support/scope-sets.js';
import { vectorText } from '../../test/support/vectors.js';
import { selectTrustPolicy } from '../verify/index.js';
import type { Snapshot } from './snapshot.types.js';
import { compileCluster } from './crd/compile.js';
import type { TrustPolicyObject, TrustStoreObject } from './crd/types.js';
import { ConfigError } from './errors.js';
import { loadFileSnapshot } from './file-snapshot.js';

const PEM = vectorText('certs/notation-e2e/localkeys/e2e.crt');
const OPTIONS = { noMatch: 'Deny', now: new Date(), trustNamespace: 'notary-admission' } as const;

const spec = (scopes: string[]) => ({
  registryScopes: scopes,
  signatureVerification: { level: 'strict' as const },
  trustStores: ['ca:e2e'],
  trustedIdentities: ['*'],
});

const policyObject = (s: ScopedStatement): TrustPolicyObject => ({
  apiVersion: 'notary-admission.dev/v1alpha1',
  kind: 'TrustPolicy',
  metadata: { name: s.name, generation: 1 },
  spec: spec(s.scopes),
});

const STORE: TrustStoreObject = {
  apiVersion: 'notary-admission.dev/v1alpha1',
  kind: 'TrustStore',
  metadata: { name: 'e2e', generation: 1 },
  spec: { type: 'ca', certificates: [PEM] },
};

/** The statements that share a scope with another: both are left out, as ScopeConflict. */
function conflictedNames(statements: readonly ScopedStatement[]): Set<string> {
  const shared = sharedScopes(statements);
  return new Set(statements.filter((s) => s.scopes.some((x) => shared.has(x))).map((s) => s.name));
}

/** How the compiled snapshot treats a repository: blocked by a policy, or judged by one. */
function judged(snapshot: Snapshot, repository: string) {
  const blocked = snapshot.blocked?.('default', repository)?.policy;
  if (blocked !== undefined) return { repository, blocked };
  return {
    repository,
    chosen: selectTrustPolicy(snapshot.documentFor('default'), repository)?.name,
  };
}

/**
 * What the oracle says: the statement of the most specific scope judges it; if that statement is
 * left out (a conflict), the image is blocked by one of the statements listing that scope.
 */
function expected(
  statements: readonly ScopedStatement[],
  conflicted: Set<string>,
  repository: string,
) {
  const best = mostSpecific(statements, repository);
  const owner = best?.owners[0];
  if (owner === undefined || !conflicted.has(owner)) return { repository, chosen: owner };
  return {
    repository,
    blocked: expect.toSatisfy((p: string) => best!.owners.includes(p)) as string,
  };
}

const arbitraries = [
  scopedStatements,
  fc.array(repositoryOfUniverse, { minLength: 1, maxLength: 8 }),
] as const;

describe('registry-prefix scopes at load', () => {
  describe('when TrustPolicy objects with random scopes are compiled (CRD status)', () => {
    it('reports ScopeConflict exactly for shared scopes, and selects or blocks by the most specific scope', () => {
      fc.assert(
        fc.property(...arbitraries, (statements, repositories) => {
          const compiled = compileCluster(
            {
              policies: statements.map(policyObject),
              stores: [STORE],
              secrets: new Map(),
              configMaps: new Map(),
              namespaces: new Map(),
            },
            OPTIONS,
          );
          const conflicted = conflictedNames(statements);
          for (const s of statements)
            expect([s.name, compiled.policies.get(s.name)?.reason]).toEqual([
              s.name,
              conflicted.has(s.name) ? 'ScopeConflict' : 'Valid',
            ]);
          for (const repository of repositories)
            expect(judged(compiled.snapshot, repository)).toEqual(
              expected(statements, conflicted, repository),
            );
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('when a trustpolicy.json with random scopes is loaded (file source)', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'prefix-scopes-'));
      await mkdir(path.join(dir, 'truststore/x509/ca/e2e'), { recursive: true });
      await writeFile(path.join(dir, 'truststore/x509/ca/e2e/e2e.crt'), PEM);
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('refuses the file for a shared scope, else selects by the most specific scope', async () => {
      await fc.assert(
        fc.asyncProperty(...arbitraries, async (statements, repositories) => {
          const trustPolicyPath = path.join(dir, 'trustpolicy.json');
          const document = {
            version: '1.0',
            trustPolicies: statements.map((s) => ({ name: s.name, ...spec(s.scopes) })),
          };
          await writeFile(trustPolicyPath, JSON.stringify(document));
          const loading = loadFileSnapshot({
            trustPolicyPath,
            trustStoreDir: path.join(dir, 'truststore'),
          });
          if (sharedScopes(statements).size > 0) {
            const error = await loading.then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(error).toBeInstanceOf(ConfigError);
            expect((error as ConfigError).message).toContain('[SCOPE_DUPLICATE]');
            return;
          }
          const snapshot = await loading;
          for (const repository of repositories)
            expect({
              repository,
              chosen: selectTrustPolicy(snapshot.documentFor(undefined), repository)?.name,
            }).toEqual({ repository, chosen: mostSpecific(statements, repository)?.owners[0] });
        }),
        { numRuns: 150 },
      );
    });
  });
});
