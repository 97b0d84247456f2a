import { mkdir, mkdtemp, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint } from './fingerprint.js';

let dir: string;
let paths: { trustPolicyPath: string; trustStoreDir: string };
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'config-fp-'));
  paths = { trustPolicyPath: path.join(dir, 'p.json'), trustStoreDir: path.join(dir, 'ts') };
  await writeFile(paths.trustPolicyPath, '{}');
  await mkdir(path.join(dir, 'ts', 'x509', 'ca', 'a'), { recursive: true });
  await writeFile(path.join(dir, 'ts', 'x509', 'ca', 'a', 'a.crt'), 'A');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fingerprint', () => {
  describe('when nothing changed', () => {
    it('returns the same fingerprint', async () => {
      expect(await fingerprint(paths)).toBe(await fingerprint(paths));
    });
  });

  describe('when a file changes, even to the same size and time', () => {
    it.each([
      ['the policy is rewritten', () => writeFile(paths.trustPolicyPath, '[]')],
      ['a certificate is added', () => writeFile(path.join(dir, 'ts/x509/ca/a/b.crt'), 'B')],
      ['a store is added', () => mkdir(path.join(dir, 'ts/x509/ca/b'))],
      [
        'a certificate is replaced with the same size and mtime',
        async () => {
          const file = path.join(dir, 'ts/x509/ca/a/a.crt');
          await writeFile(`${file}.new`, 'Z');
          await utimes(`${file}.new`, 1, 1);
          await utimes(file, 1, 1);
          await rename(`${file}.new`, file);
        },
      ],
      ['the policy is deleted', () => rm(paths.trustPolicyPath)],
    ])('returns a new fingerprint when %s', async (_, change) => {
      const before = await fingerprint(paths);
      await change();
      expect(await fingerprint(paths)).not.toBe(before);
    });
  });

  describe('when x509 is a symlink that is swapped to an identical copy', () => {
    it('returns a new fingerprint (the real paths differ)', async () => {
      for (const v of ['v1', 'v2']) {
        await mkdir(path.join(dir, v, 'x509', 'ca', 'a'), { recursive: true });
        await writeFile(path.join(dir, v, 'x509', 'ca', 'a', 'a.crt'), 'A');
      }
      const store = { ...paths, trustStoreDir: path.join(dir, 'mount') };
      await mkdir(store.trustStoreDir);
      await symlink('../v1/x509', path.join(store.trustStoreDir, 'x509'));
      const before = await fingerprint(store);
      await symlink('../v2/x509', path.join(store.trustStoreDir, 'x509.tmp'));
      await rename(
        path.join(store.trustStoreDir, 'x509.tmp'),
        path.join(store.trustStoreDir, 'x509'),
      );
      expect(await fingerprint(store)).not.toBe(before);
    });
  });
});
