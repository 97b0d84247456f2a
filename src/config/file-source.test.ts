import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vector, vectorText } from '../../test/support/vectors.js';
import type { ConfigError } from './errors.js';
import { createFileSource, type FileSource, type FileSourceOptions } from './file-source.js';
import type { Snapshot } from './snapshot.types.js';

const E2E_CERT = vector('certs/notation-e2e/localkeys/e2e.crt');
const NEW_E2E_CERT = vector('certs/notation-e2e/localkeys/new_e2e.crt');
const POLICY = vectorText('trustpolicies/notation-e2e/trustpolicy.json');
const IDENTITY_POLICY = vectorText(
  'trustpolicies/notation-e2e/valid_trusted_identity_trustpolicy.json',
);

let dir: string;
let policy: string;
let store: string;
const sources: FileSource[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'config-source-'));
  policy = path.join(dir, 'trustpolicy.json');
  store = path.join(dir, 'truststore');
});
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

async function writeStore(root: string, certs: Record<string, Uint8Array>) {
  const at = path.join(root, 'x509', 'ca', 'e2e');
  await mkdir(at, { recursive: true });
  for (const [file, data] of Object.entries(certs)) await writeFile(path.join(at, file), data);
}

interface Recorded {
  source: FileSource;
  changes: Snapshot[];
  reloads: Snapshot[];
  errors: ConfigError[];
}

/** A source with a long poll interval (tests call reload()) recording every callback. */
async function open(options: Partial<FileSourceOptions> = {}): Promise<Recorded> {
  const errors: ConfigError[] = [];
  const reloads: Snapshot[] = [];
  const source = await createFileSource({
    trustPolicyPath: policy,
    trustStoreDir: store,
    pollIntervalMs: 3_600_000,
    onError: (e) => errors.push(e),
    onReload: (s) => reloads.push(s),
    ...options,
  });
  sources.push(source);
  const changes: Snapshot[] = [];
  source.onChange((s) => changes.push(s));
  return { source, changes, reloads, errors };
}

describe('createFileSource', () => {
  describe('when the first load fails', () => {
    it('throws the ConfigError (the service cannot start without a policy)', async () => {
      await writeFile(policy, '{"version": "1.0"}');
      await expect(open()).rejects.toMatchObject({
        name: 'ConfigError',
        code: 'POLICY_INVALID',
        message: expect.stringContaining('trustPolicies: must be a non-empty array') as string,
      });
    });
  });

  describe('when the files do not change', () => {
    it('returns the same snapshot from reload and notifies no one', async () => {
      await writeFile(policy, POLICY);
      await writeStore(store, { 'e2e.crt': E2E_CERT });
      const { source, changes, reloads } = await open();
      const first = source.current();
      expect(await source.reload()).toBe(first);
      expect(changes).toEqual([]);
      expect(reloads).toHaveLength(1);
    });
  });

  describe('when the trust policy file changes', () => {
    it('T-36 returns a snapshot with a new revision and tells onChange listeners', async () => {
      await writeFile(policy, POLICY);
      await writeStore(store, { 'e2e.crt': E2E_CERT });
      const { source, changes } = await open();
      const before = source.current();
      await writeFile(policy, IDENTITY_POLICY);
      const after = await source.reload();
      expect(after.revision).not.toBe(before.revision);
      expect(after.documentFor(undefined).trustPolicies[0]!.trustedIdentities).toEqual([
        'x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA,C=US',
      ]);
      expect(source.current()).toBe(after);
      expect(changes).toEqual([after]);
    });
  });

  describe('when a reload fails', () => {
    it('keeps the old snapshot, calls onError and does not throw', async () => {
      await writeFile(policy, POLICY);
      await writeStore(store, { 'e2e.crt': E2E_CERT });
      const { source, changes, errors } = await open();
      const before = source.current();
      await writeFile(policy, '{ not json');
      expect(await source.reload()).toBe(before);
      expect(source.current()).toBe(before);
      expect(changes).toEqual([]);
      expect(errors.map((e) => [e.code, e.message])).toEqual([
        [
          'POLICY_INVALID',
          `trust policy ${policy} is invalid: trust policy is not valid JSON [POLICY_MALFORMED]`,
        ],
      ]);
      await writeFile(policy, IDENTITY_POLICY);
      expect((await source.reload()).revision).not.toBe(before.revision);
      expect(changes).toHaveLength(1);
    });

    it('keeps the old snapshot when the policy file is deleted', async () => {
      await writeFile(policy, POLICY);
      await writeStore(store, { 'e2e.crt': E2E_CERT });
      const { source, errors } = await open();
      const before = source.current();
      await rm(policy);
      expect(await source.reload()).toBe(before);
      expect(errors.map((e) => e.code)).toEqual(['FILE_UNREADABLE']);
    });
  });

  describe('when a certificate is added to the trust store', () => {
    it('T-36 reloads on the next poll without reload()', async () => {
      await writeFile(policy, POLICY);
      await writeStore(store, { 'e2e.crt': E2E_CERT });
      const { source } = await open({ pollIntervalMs: 10 });
      const changed = new Promise<Snapshot>((resolve) => source.onChange(resolve));
      await writeStore(store, { 'new_e2e.crt': NEW_E2E_CERT });
      const next = await changed;
      expect(next.trustStores.get('ca:e2e')?.certificates).toHaveLength(2);
    });
  });

  describe('when a kubelet mount swaps its ..data symlink', () => {
    it('reloads the policy and trust store from the new directory on the next poll', async () => {
      const v1 = path.join(dir, '..v1');
      await mkdir(v1);
      await writeFile(path.join(v1, 'trustpolicy.json'), POLICY);
      await writeStore(v1, { 'e2e.crt': E2E_CERT });
      await symlink('..v1', path.join(dir, '..data'));
      await symlink('..data/trustpolicy.json', policy);
      await mkdir(store);
      await symlink('../..data/x509', path.join(store, 'x509'));
      const { source } = await open({ pollIntervalMs: 10 });
      const before = source.current();
      const changed = new Promise<Snapshot>((resolve) => source.onChange(resolve));

      // The atomic writer: a new timestamped directory, then rename a new link over ..data.
      const v2 = path.join(dir, '..v2');
      await mkdir(v2);
      await writeFile(path.join(v2, 'trustpolicy.json'), POLICY);
      await writeStore(v2, { 'e2e.crt': NEW_E2E_CERT });
      await symlink('..v2', path.join(dir, '..data_tmp'));
      await rename(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
      await rm(v1, { recursive: true });

      const next = await changed;
      expect(next.revision).not.toBe(before.revision);
      const serial = (snapshot: Snapshot) =>
        snapshot.trustStores.get('ca:e2e')?.certificates[0]?.serialNumber;
      expect(serial(before)).toBe('51');
      expect(serial(next)).toBe('288c02dee5c72abe2489aa5947da4b056235128c');
    });
  });

  describe('when a listener throws or unsubscribes', () => {
    it('still tells the other listeners, and not the unsubscribed one', async () => {
      await writeFile(policy, POLICY);
      await writeStore(store, { 'e2e.crt': E2E_CERT });
      const { source, changes } = await open();
      const late: Snapshot[] = [];
      const gone: Snapshot[] = [];
      source.onChange(() => {
        throw new Error('listener bug');
      });
      source.onChange((s) => late.push(s));
      source.onChange((s) => gone.push(s))();
      await writeFile(policy, IDENTITY_POLICY);
      const next = await source.reload();
      expect(changes).toEqual([next]);
      expect(late).toEqual([next]);
      expect(gone).toEqual([]);
    });
  });

  describe('when closed', () => {
    it('loads nothing more and notifies no one', async () => {
      await writeFile(policy, POLICY);
      await writeStore(store, { 'e2e.crt': E2E_CERT });
      const { source, changes } = await open();
      const before = source.current();
      await source.close();
      await writeFile(policy, IDENTITY_POLICY);
      expect(await source.reload()).toBe(before);
      expect(changes).toEqual([]);
    });
  });

  describe('when the poll interval is not positive', () => {
    it('throws CONFIG_INVALID', async () => {
      await expect(open({ pollIntervalMs: 0 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    });
  });
});
