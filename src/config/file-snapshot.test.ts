import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vector, vectorText } from '../../test/support/vectors.js';
import { selectTrustPolicy } from '../verify/index.js';
import { loadFileSnapshot, type TrustStoreWarning } from './file-snapshot.js';

const E2E_CERT = vector('certs/notation-e2e/localkeys/e2e.crt');
const NEW_E2E_CERT = vector('certs/notation-e2e/localkeys/new_e2e.crt');
const policyVector = (name: string) => vectorText(`trustpolicies/notation-e2e/${name}`);

let dir: string;
let policy: string;
let store: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'config-file-'));
  policy = path.join(dir, 'trustpolicy.json');
  store = path.join(dir, 'truststore');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function addStore(name: string, files: Record<string, Uint8Array | string>, root = store) {
  const at = path.join(root, 'x509', 'ca', name);
  await mkdir(at, { recursive: true });
  for (const [file, data] of Object.entries(files)) await writeFile(path.join(at, file), data);
}

/** notation's e2e setup: trustpolicy.json (scope *, strict, ca:e2e) and ca:e2e = e2e.crt. */
async function e2eSetup(policyFile = 'trustpolicy.json') {
  await writeFile(policy, policyVector(policyFile));
  await addStore('e2e', { 'e2e.crt': E2E_CERT });
}

const load = (extra: Partial<Parameters<typeof loadFileSnapshot>[0]> = {}) =>
  loadFileSnapshot({ trustPolicyPath: policy, trustStoreDir: store, ...extra });

describe('loadFileSnapshot', () => {
  describe("when given notation's e2e trust policy and trust store", () => {
    it('returns a frozen snapshot of the document, stores and default admission', async () => {
      await e2eSetup();
      const snapshot = await load();
      expect(snapshot.source).toBe(`file:${policy}`);
      expect(snapshot.noMatch).toBe('Deny');
      expect(snapshot.revision).toMatch(/^[0-9a-f]{64}$/);
      expect([...snapshot.trustStores.keys()]).toEqual(['ca:e2e']);
      expect(snapshot.trustStores.get('ca:e2e')?.certificates[0]?.subject).toBe(
        'C=US, ST=WA, L=Seattle, O=Notary, CN=e2e',
      );
      const document = snapshot.documentFor('team-a');
      expect(document.trustPolicies.map((s) => s.name)).toEqual(['e2e']);
      expect(snapshot.documentFor(undefined)).toBe(document);
      expect(snapshot.admission('e2e')).toEqual({
        policy: 'e2e',
        action: 'Deny',
        onError: 'Deny',
        mutateDigest: true,
      });
      expect(Object.isFrozen(snapshot)).toBe(true);
      expect(Object.isFrozen(document.trustPolicies[0]!.registryScopes)).toBe(true);
      expect(selectTrustPolicy(document, 'localhost:5000/test-repo')?.name).toBe('e2e');
    });

    it('returns the same revision when loaded twice', async () => {
      await e2eSetup();
      expect((await load()).revision).toBe((await load()).revision);
    });
  });

  describe('when admission settings and noMatch are given', () => {
    it('returns them merged over the defaults, and a different revision', async () => {
      await e2eSetup();
      const plain = await load();
      const snapshot = await load({ admission: { e2e: { action: 'Warn' } }, noMatch: 'Allow' });
      expect(snapshot.admission('e2e')).toEqual({
        policy: 'e2e',
        action: 'Warn',
        onError: 'Deny',
        mutateDigest: true,
      });
      expect(snapshot.noMatch).toBe('Allow');
      expect(snapshot.revision).not.toBe(plain.revision);
    });

    it('throws CONFIG_INVALID for a statement the policy does not have', async () => {
      await e2eSetup();
      await expect(load({ admission: { prod: { action: 'Warn' } } })).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('"prod"') as string,
      });
    });

    it('throws CONFIG_INVALID for an unknown action or noMatch', async () => {
      await e2eSetup();
      const admission = JSON.parse('{"e2e":{"action":"Allow"}}') as Record<string, object>;
      await expect(load({ admission })).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: 'admission.e2e.action: "Allow" is not one of Deny, Warn, Audit',
      });
      await expect(load({ noMatch: 'Maybe' as 'Deny' })).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        path: 'noMatch',
      });
    });
  });

  describe('when the trust policy file is missing', () => {
    it('throws FILE_UNREADABLE naming the file', async () => {
      await expect(load()).rejects.toMatchObject({
        name: 'ConfigError',
        code: 'FILE_UNREADABLE',
        path: policy,
        message: `trust policy ${policy} does not exist`,
      });
    });
  });

  describe('when the trust policy is invalid', () => {
    it.each([
      ['invalid_format_trustpolicy.json', 'trust policy is not valid JSON [POLICY_MALFORMED]'],
      ['malformed_registry_scope_trustpolicy.json', '[SCOPE_INVALID]'],
      ['multi_statements_with_the_same_name_trustpolicy.json', '[POLICY_NAME_DUPLICATE]'],
      ['wildcard_trust_store_trustpolicy.json', '[TRUST_STORE_REFERENCE_INVALID]'],
      ['skip_trustpolicy.json', '[SKIP_WITH_GLOBAL_SCOPE]'],
    ])('throws POLICY_INVALID for the vector %s', async (file, reason) => {
      await e2eSetup(file);
      await expect(load()).rejects.toMatchObject({
        code: 'POLICY_INVALID',
        path: policy,
        message: expect.stringContaining(reason) as string,
      });
    });

    it('throws POLICY_INVALID listing every problem with its path and code', async () => {
      const doc = JSON.parse(policyVector('trustpolicy.json')) as {
        trustPolicies: Record<string, unknown>[];
      };
      doc.trustPolicies.push({ ...doc.trustPolicies[0], registryScopes: ['a/b\\c'] });
      await writeFile(policy, JSON.stringify(doc));
      await addStore('e2e', { 'e2e.crt': E2E_CERT });
      const err = await load().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'POLICY_INVALID' });
      const { problems, message } = err as {
        problems: { code: string; path: string }[];
        message: string;
      };
      expect(problems.map((p) => [p.code, p.path])).toEqual([
        ['POLICY_NAME_DUPLICATE', 'trustPolicies[1].name'],
        ['SCOPE_INVALID', 'trustPolicies[1].registryScopes[0]'],
      ]);
      expect(message).toContain(
        `trust policy ${policy} is invalid (2 problems): trustPolicies[1].name:`,
      );
      expect(message).toContain('trustPolicies[1].registryScopes[0]: ');
    });
  });

  describe('when a statement uses a trust store that does not exist', () => {
    it('throws TRUST_STORE_INVALID naming the statement and the store', async () => {
      await e2eSetup('invalid_trust_store_trustpolicy.json');
      await expect(load()).rejects.toMatchObject({
        code: 'TRUST_STORE_INVALID',
        problems: [{ code: 'TRUST_STORE_MISSING', path: 'trustPolicies[0].trustStores[0]' }],
        message:
          'trust policy statement "e2e" uses trust store "ca:invalid_store", which does not ' +
          `exist (no directory ${path.join(store, 'x509', 'ca', 'invalid_store')})`,
      });
    });

    it('throws TRUST_STORE_INVALID when the trust store directory is missing', async () => {
      await writeFile(policy, policyVector('trustpolicy.json'));
      await expect(load()).rejects.toMatchObject({
        code: 'TRUST_STORE_INVALID',
        message: expect.stringContaining('"ca:e2e", which does not exist') as string,
      });
    });

    it('returns the snapshot once the second store of multiple_trust_store exists', async () => {
      await e2eSetup('multiple_trust_store_trustpolicy.json');
      await expect(load()).rejects.toMatchObject({ code: 'TRUST_STORE_INVALID' });
      await addStore('e2e-new', { 'new_e2e.crt': NEW_E2E_CERT });
      expect([...(await load()).trustStores.keys()]).toEqual(['ca:e2e', 'ca:e2e-new']);
    });
  });

  describe('when every statement is skip and there is no trust store', () => {
    it('returns a snapshot with no stores', async () => {
      const doc = {
        version: '1.0',
        trustPolicies: [
          {
            name: 'unsigned',
            registryScopes: ['r.example/x'],
            signatureVerification: { level: 'skip' },
          },
        ],
      };
      await writeFile(policy, JSON.stringify(doc));
      expect((await load()).trustStores.size).toBe(0);
    });
  });

  describe('when a trust store holds something that is not a certificate', () => {
    it('throws TRUST_STORE_INVALID with the store and file', async () => {
      await e2eSetup();
      await addStore('e2e', { 'junk.pem': 'not a certificate' });
      await expect(load()).rejects.toMatchObject({
        code: 'TRUST_STORE_INVALID',
        path: store,
        message: expect.stringMatching(
          /^trust store .* is invalid: ca:e2e: junk\.pem: .*\[TRUST_STORE_INVALID\]$/,
        ) as string,
      });
    });
  });

  describe('when the trust store has entries the loader ignores', () => {
    it('calls onWarning with each', async () => {
      await e2eSetup();
      await mkdir(path.join(store, 'x509', 'notatype'));
      const warnings: TrustStoreWarning[] = [];
      await load({ onWarning: (w) => warnings.push(w) });
      expect(warnings).toEqual([
        expect.objectContaining({
          store: 'x509',
          message: expect.stringContaining('ignored') as string,
        }),
      ]);
    });
  });

  describe('when the files are a kubelet ConfigMap mount (..data symlinks)', () => {
    it('returns the snapshot read through the symlinks', async () => {
      const real = path.join(dir, '..2026_01_01_00_00_00.1');
      await mkdir(real);
      await writeFile(path.join(real, 'trustpolicy.json'), policyVector('trustpolicy.json'));
      await addStore('e2e', { 'e2e.crt': E2E_CERT }, real);
      await symlink(path.basename(real), path.join(dir, '..data'));
      await symlink('..data/trustpolicy.json', policy);
      await mkdir(store);
      await symlink('../..data/x509', path.join(store, 'x509'));
      const snapshot = await load();
      expect([...snapshot.trustStores.keys()]).toEqual(['ca:e2e']);
    });
  });

  describe('when the config gives a statement signer groups and user metadata (issue 14)', () => {
    const groups = {
      signers: [
        { name: 'vendor', trustStores: ['ca:e2e'], trustedIdentities: ['*'] },
        {
          name: 'org',
          trustStores: ['ca:org'],
          trustedIdentities: ['*'],
          userMetadata: { buildId: '42' },
        },
      ],
    };

    it('returns the groups as requirements and the statement without trust of its own', async () => {
      await e2eSetup();
      await addStore('org', { 'org.crt': NEW_E2E_CERT });
      const snapshot = await load({ admission: { e2e: { action: 'Warn', ...groups } } });
      const requirements = snapshot.requirements?.('e2e');
      expect(requirements?.signersRequired).toBe(2);
      expect(requirements?.signers.map((g) => [g.statement.name, g.statement.trustStores])).toEqual(
        [
          ['e2e/vendor', ['ca:e2e']],
          ['e2e/org', ['ca:org']],
        ],
      );
      expect(requirements?.signers[1]?.userMetadata).toEqual({ buildId: '42' });
      expect(snapshot.documentFor(undefined).trustPolicies[0]).toMatchObject({
        trustStores: [],
        trustedIdentities: [],
      });
      expect(snapshot.admission('e2e')).toEqual({
        policy: 'e2e',
        action: 'Warn',
        onError: 'Deny',
        mutateDigest: true,
      });
    });

    it('returns a new revision when a group changes, the same one without requirements', async () => {
      await e2eSetup();
      await addStore('org', { 'org.crt': NEW_E2E_CERT });
      const plain = await load();
      const warnOnly = await load({ admission: { e2e: {} } });
      const grouped = await load({ admission: { e2e: groups } });
      const other = await load({ admission: { e2e: { ...groups, signersRequired: 1 } } });
      const metadata = await load({ admission: { e2e: { userMetadata: { buildId: '1' } } } });
      expect(warnOnly.revision).toBe(plain.revision);
      expect(new Set([plain, grouped, other, metadata].map((s) => s.revision)).size).toBe(4);
      expect(plain.requirements?.('e2e')?.signers[0]?.statement).toBe(
        plain.documentFor(undefined).trustPolicies[0],
      );
    });

    it('throws TRUST_STORE_INVALID when a group names a store the directory lacks', async () => {
      await e2eSetup();
      await expect(load({ admission: { e2e: groups } })).rejects.toMatchObject({
        code: 'TRUST_STORE_INVALID',
        message: expect.stringContaining('"ca:org", which does not exist') as string,
      });
    });

    it('throws CONFIG_INVALID naming every problem of the entry', async () => {
      await e2eSetup();
      const bad = { signers: [{ name: 'org' }], userMetadata: { buildId: '42' } };
      await expect(load({ admission: { e2e: bad } })).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining(
          'policies.e2e.userMetadata: with signers, give userMetadata per signer group',
        ) as string,
      });
    });
  });
});
