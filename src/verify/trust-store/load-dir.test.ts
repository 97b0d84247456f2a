import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vector, VECTORS } from '../../../test/support/vectors.js';
import type { TrustStoreType } from '../types.js';
import { loadTrustStore, loadTrustStores, type TrustStoreWarning } from './load-dir.js';

const VECTOR_ROOT = path.join(VECTORS, 'truststores/notation-go/truststore');
const GLOBALSIGN = vector(
  'truststores/notation-go/truststore/x509/ca/valid-trust-store/GlobalSignRootCA.crt',
);
const GLOBALSIGN_DER = vector(
  'truststores/notation-go/truststore/x509/ca/valid-trust-store/GlobalSign.der',
);
const TSA_ROOT = vector(
  'truststores/notation-go/truststore/x509/tsa/test-timestamp/globalsignRoot.cer',
);
const LEAF = vector(
  'truststores/notation-go/truststore/x509/ca/trust-store-with-leaf-certs/non-ca.crt',
);

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'trust-store-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes <root>/x509/<type>/<name>/<file> for each file given. */
async function store(
  type: string,
  name: string,
  files: Record<string, Uint8Array> = {},
): Promise<string> {
  const dir = path.join(root, 'x509', type, name);
  await mkdir(dir, { recursive: true });
  for (const [file, data] of Object.entries(files)) await writeFile(path.join(dir, file), data);
  return dir;
}

async function expectInvalid(
  load: Promise<unknown>,
  storePath: string,
  reason: string,
): Promise<void> {
  await expect(load).rejects.toMatchObject({
    name: 'PolicyError',
    code: 'TRUST_STORE_INVALID',
    path: storePath,
    message: expect.stringContaining(reason) as string,
  });
}

describe('loadTrustStore', () => {
  describe('when the store is one of the valid notation-go vectors', () => {
    it.each([
      ['ca', 'valid-trust-store', 6],
      ['ca', 'valid-trust-store-2', 2],
      ['ca', 'valid-trust-store-self-signed', 1],
      ['signingAuthority', 'valid-trust-store', 3],
      ['tsa', 'test-timestamp', 1],
      ['tsa', 'test-mismatch', 1],
    ] as const)(
      'returns %s:%s with %i certificates (.der, .crt, .pem, .cer)',
      async (type, name, count) => {
        const loaded = await loadTrustStore({ root: VECTOR_ROOT, type, name });
        expect(loaded).toMatchObject({ type, name });
        expect(loaded.certificates).toHaveLength(count);
      },
    );
  });

  describe('when the store is one of the invalid notation-go vectors', () => {
    it.each([
      ['ca', 'trust-store-with-leaf-certs', 'non-ca.crt: certificate'],
      ['ca', 'trust-store-with-leaf-certs-in-single-file', 'RootAndLeafCerts.crt: certificate'],
      ['ca', 'trust-store-with-invalid-certs', 'invalid: is neither PEM nor DER'],
      ['tsa', 'test-nonCA', 'not a root CA'],
      ['tsa', 'test-nonSelfIssued', 'not a root CA'],
    ] as const)('C-54 C-65 throws TRUST_STORE_INVALID for %s:%s', async (type, name, reason) => {
      await expectInvalid(
        loadTrustStore({ root: VECTOR_ROOT, type, name }),
        `${type}:${name}`,
        reason,
      );
    });

    it('C-54 throws for a store that does not exist', async () => {
      await expectInvalid(
        loadTrustStore({ root: VECTOR_ROOT, type: 'ca', name: 'invalid_store' }),
        'ca:invalid_store',
        'does not exist',
      );
    });
  });

  describe('when the layout has symlinks', () => {
    it('C-54 throws for a symlinked store directory', async () => {
      const real = await store('ca', 'real', { 'root.crt': GLOBALSIGN });
      await symlink(real, path.join(root, 'x509', 'ca', 'linked'));
      await expectInvalid(
        loadTrustStore({ root, type: 'ca', name: 'linked' }),
        'ca:linked',
        'symlink',
      );
    });

    it('C-54 throws for a symlinked certificate file', async () => {
      const dir = await store('ca', 'files', { 'root.crt': GLOBALSIGN });
      await writeFile(path.join(root, 'elsewhere.crt'), GLOBALSIGN);
      await symlink(path.join(root, 'elsewhere.crt'), path.join(dir, 'link.crt'));
      await expectInvalid(
        loadTrustStore({ root, type: 'ca', name: 'files' }),
        'ca:files',
        'link.crt is a symlink',
      );
    });
  });

  describe('when a named store has a sub-directory', () => {
    it('D3 ignores it and reports a warning (notation-go errors instead)', async () => {
      const dir = await store('ca', 'with-dir', { 'root.crt': GLOBALSIGN });
      await mkdir(path.join(dir, 'sub-dir'));
      await writeFile(path.join(dir, 'sub-dir', 'leaf.crt'), LEAF);
      const warnings: TrustStoreWarning[] = [];
      const loaded = await loadTrustStore({
        root,
        type: 'ca',
        name: 'with-dir',
        onWarning: (w) => warnings.push(w),
      });
      expect(loaded.certificates).toHaveLength(1);
      expect(warnings).toEqual([
        { store: 'ca:with-dir', path: path.join(dir, 'sub-dir'), message: 'sub-directory ignored' },
      ]);
    });

    it('throws for a store whose only content is a sub-directory', async () => {
      const dir = await store('ca', 'only-dir');
      await mkdir(path.join(dir, 'sub-dir'));
      await expectInvalid(
        loadTrustStore({ root, type: 'ca', name: 'only-dir' }),
        'ca:only-dir',
        'holds no certificate',
      );
    });
  });

  describe('when the name is not a plain store name', () => {
    it.each(['..', '.', 'a b', '../ca'])(
      'throws for "%s" before touching the filesystem',
      async (name) => {
        await expectInvalid(
          loadTrustStore({ root, type: 'ca', name }),
          `ca:${name}`,
          '[a-zA-Z0-9_.-]+',
        );
      },
    );
  });
});

describe('loadTrustStores', () => {
  describe('when every store is valid', () => {
    it('returns all stores by type:name, reading DER files without a known extension', async () => {
      await store('ca', 'pem', { 'root.pem': GLOBALSIGN });
      await store('ca', 'der', { 'root.der': GLOBALSIGN_DER, noext: GLOBALSIGN_DER });
      await store('signingAuthority', 'sa', { 'root.crt': GLOBALSIGN });
      await store('tsa', 'ts', { 'root.cer': TSA_ROOT });
      const stores = await loadTrustStores(root);
      expect([...stores.keys()]).toEqual(['ca:der', 'ca:pem', 'signingAuthority:sa', 'tsa:ts']);
      expect(stores.get('ca:der')?.certificates).toHaveLength(2);
      expect(stores.get('tsa:ts')?.type).toBe<TrustStoreType>('tsa');
    });

    it('returns an empty map when no type directory exists', async () => {
      await mkdir(path.join(root, 'x509'));
      expect((await loadTrustStores(root)).size).toBe(0);
    });

    it('ignores and reports unknown entries beside the type directories', async () => {
      await store('ca', 'pem', { 'root.pem': GLOBALSIGN });
      await store('trust-store-with-directories', 'x');
      const warnings: TrustStoreWarning[] = [];
      const stores = await loadTrustStores(root, { onWarning: (w) => warnings.push(w) });
      expect([...stores.keys()]).toEqual(['ca:pem']);
      expect(warnings).toMatchObject([
        { store: 'x509', path: path.join(root, 'x509', 'trust-store-with-directories') },
      ]);
    });
  });

  describe('when one store is invalid', () => {
    it('C-54 throws for the whole layout (the configuration is refused)', async () => {
      await store('ca', 'good', { 'root.pem': GLOBALSIGN });
      await store('ca', 'leafy', { 'leaf.crt': LEAF });
      await expectInvalid(loadTrustStores(root), 'ca:leafy', 'neither a CA');
    });

    it('C-54 throws for the notation-go vector layout, which holds invalid stores', async () => {
      await expect(loadTrustStores(VECTOR_ROOT)).rejects.toMatchObject({
        code: 'TRUST_STORE_INVALID',
      });
    });

    it('throws for an empty store directory', async () => {
      await store('signingAuthority', 'empty');
      await expectInvalid(loadTrustStores(root), 'signingAuthority:empty', 'holds no certificate');
    });

    it('throws for a file where a store directory belongs', async () => {
      await mkdir(path.join(root, 'x509', 'ca'), { recursive: true });
      await writeFile(path.join(root, 'x509', 'ca', 'stray.crt'), GLOBALSIGN);
      await expectInvalid(loadTrustStores(root), 'ca:stray.crt', 'is not a directory');
    });

    it('throws for a symlinked type directory', async () => {
      const real = path.dirname(await store('elsewhere', 'n', { 'root.pem': GLOBALSIGN }));
      await symlink(real, path.join(root, 'x509', 'ca'));
      await expectInvalid(loadTrustStores(root), 'ca', 'symlink');
    });
  });

  describe('when the root has no x509 directory', () => {
    it('throws TRUST_STORE_INVALID', async () => {
      await expectInvalid(loadTrustStores(root), 'x509', 'does not exist');
    });
  });
});
