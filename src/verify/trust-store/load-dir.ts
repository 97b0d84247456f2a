// notation's trust store directory layout: <root>/x509/{ca,signingAuthority,tsa}/<name>/<files>
// (notation-go dir/path.go X509TrustStoreDir, verifier/truststore/truststore.go). Reads every
// regular file of a store as DER or PEM, as notation-go does (the spec names .pem/.crt/.cer;
// notation-go also reads .der and files without an extension, and so does this loader).
import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { PolicyError } from '../errors.js';
import type { TrustStore, TrustStores, TrustStoreType } from '../types.js';
import { createTrustStore, TRUST_STORE_TYPES } from './trust-store.js';

/** Something the loader ignored, which an administrator should hear about. */
export interface TrustStoreWarning {
  /** `<type>:<name>`, or `x509` for the layout itself. */
  store: string;
  path: string;
  message: string;
}

export interface LoadTrustStoreOptions {
  /**
   * Told about ignored entries: sub-directories inside a named store (spec: ignore with a
   * warning; notation-go errors instead, D3), unknown entries beside the type directories.
   */
  onWarning?: (warning: TrustStoreWarning) => void;
}

function invalid(store: string, message: string, cause?: unknown): PolicyError {
  return new PolicyError('TRUST_STORE_INVALID', store, message, { cause });
}

function errorCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err ? String(err.code) : undefined;
}

/** A regular file read without following a symlink, even one swapped in after the listing. */
async function readRegularFile(file: string, store: string): Promise<Uint8Array> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch(
    (err: unknown) => {
      const why = errorCode(err) === 'ELOOP' ? 'is a symlink' : 'cannot be read';
      throw invalid(store, `${path.basename(file)} ${why}; symlinks are not supported`, err);
    },
  );
  try {
    if (!(await handle.stat()).isFile())
      throw invalid(store, `${path.basename(file)} is not a regular file`);
    return new Uint8Array(await handle.readFile());
  } finally {
    await handle.close();
  }
}

/** Throws unless `dir` is a real directory (not a symlink to one). */
async function requireDirectory(dir: string, store: string): Promise<void> {
  const stat = await lstat(dir).catch((err: unknown) => {
    const why = errorCode(err) === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw invalid(store, `${dir} ${why}`, err);
  });
  if (stat.isSymbolicLink())
    throw invalid(store, `${dir} is a symlink; symlinks are not supported`);
  if (!stat.isDirectory()) throw invalid(store, `${dir} is not a directory`);
}

async function listSorted(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/**
 * Loads and validates one named store, `<root>/x509/<type>/<name>/`.
 * @throws PolicyError TRUST_STORE_INVALID, path `<type>:<name>`
 */
export async function loadTrustStore(
  options: LoadTrustStoreOptions & { root: string; type: TrustStoreType; name: string },
): Promise<TrustStore> {
  const { root, type, name } = options;
  const store = `${type}:${name}`;
  // Validates the name before it becomes part of a path.
  if (!/^[a-zA-Z0-9_.-]+$/.test(name) || name === '.' || name === '..')
    throw invalid(store, 'the name must match [a-zA-Z0-9_.-]+');
  const dir = path.join(root, 'x509', type, name);
  await requireDirectory(dir, store);
  const sources: string[] = [];
  const certificates: Uint8Array[] = [];
  for (const entry of await listSorted(dir)) {
    const file = path.join(dir, entry);
    const stat = await lstat(file);
    if (stat.isDirectory()) {
      options.onWarning?.({ store, path: file, message: 'sub-directory ignored' });
      continue;
    }
    if (!stat.isFile()) throw invalid(store, `${entry} is a symlink or not a regular file`);
    sources.push(entry);
    certificates.push(await readRegularFile(file, store));
  }
  return createTrustStore({ type, name, certificates, sources });
}

/**
 * Loads every named store under `<root>/x509/`. Any invalid store refuses the whole
 * configuration (PolicyError), so a broken store can never be mistaken for a missing one.
 * A missing type directory simply has no stores.
 */
export async function loadTrustStores(
  root: string,
  options: LoadTrustStoreOptions = {},
): Promise<TrustStores> {
  const x509Dir = path.join(root, 'x509');
  await requireDirectory(x509Dir, 'x509');
  const stores = new Map<string, TrustStore>();
  for (const entry of await listSorted(x509Dir)) {
    const type = TRUST_STORE_TYPES.find((t) => t === entry);
    if (!type) {
      const message = 'not a trust store type (ca, signingAuthority, tsa); ignored';
      options.onWarning?.({ store: 'x509', path: path.join(x509Dir, entry), message });
      continue;
    }
    const typeDir = path.join(x509Dir, type);
    await requireDirectory(typeDir, type);
    for (const name of await listSorted(typeDir)) {
      const store = await loadTrustStore({ ...options, root, type, name });
      stores.set(`${type}:${name}`, store);
    }
  }
  return stores;
}
