// `--crl-bundle PATH` (issue 15 item 5): CRLs published into a cluster that cannot reach its CAs,
// for the file source. A file (DER, or PEM with one or more `X509 CRL` blocks) or a directory of
// them (a kubelet Secret/ConfigMap mount: its `..data` entries and other dot files are skipped);
// re-read with the trust policy when it changes (file-source.ts, fingerprint.ts), and covered by
// the snapshot revision so a new CRL re-verifies cached verdicts.
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  createCrlBundle,
  CrlBundleError,
  MAX_BUNDLE_BYTES,
  MAX_BUNDLE_CRLS,
  type CrlBundle,
  type CrlInput,
} from '../verify/index.js';
import { ConfigError } from './errors.js';
import type { FlagSpec } from './sources.js';

export const CRL_BUNDLE_FLAG: FlagSpec = {
  flag: 'crl-bundle',
  kind: 'string',
  key: 'crlBundle',
  placeholder: 'FILE|DIR',
  help: 'CRLs (DER or PEM) used instead of fetching for the CAs they belong to (file source)',
  default: 'none: CRLs are fetched (--revocation online)',
};

function fsCode(err: unknown): string {
  return err instanceof Error && 'code' in err ? String(err.code) : 'unknown error';
}

const unreadable = (file: string, err: unknown): ConfigError =>
  new ConfigError('FILE_UNREADABLE', `CRL bundle ${file} cannot be read (${fsCode(err)})`, {
    path: file,
    cause: err,
  });

/** The regular files a directory holds, by name; dot files (`..data`, `.keep`) left out. */
async function filesIn(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw unreadable(dir, err);
  }
  const names = entries
    .filter((e) => !e.name.startsWith('.') && (e.isFile() || e.isSymbolicLink()))
    .map((e) => e.name)
    .sort();
  if (names.length > MAX_BUNDLE_CRLS)
    throw new ConfigError(
      'TRUST_STORE_INVALID',
      `CRL bundle ${dir} holds ${names.length} files; at most ${MAX_BUNDLE_CRLS} are read`,
      { path: dir },
    );
  const files: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    // A link may point at a directory (the kubelet's ..data layout links files, not folders).
    if ((await stat(file).catch(() => undefined))?.isFile()) files.push(file);
  }
  return files;
}

/**
 * Reads a CRL bundle file or directory.
 * @throws ConfigError FILE_UNREADABLE (missing, unreadable) | TRUST_STORE_INVALID (not a CRL,
 * over the bounds)
 */
export async function readCrlBundle(location: string): Promise<CrlBundle> {
  const info = await stat(location).catch((err: unknown) => {
    throw unreadable(location, err);
  });
  const files = info.isDirectory() ? await filesIn(location) : [location];
  const inputs: CrlInput[] = [];
  let bytes = 0;
  for (const file of files) {
    const size = (await stat(file).catch((err: unknown) => Promise.reject(unreadable(file, err))))
      .size;
    bytes += size;
    if (bytes > MAX_BUNDLE_BYTES)
      throw new ConfigError(
        'TRUST_STORE_INVALID',
        `CRL bundle ${location} is larger than ${MAX_BUNDLE_BYTES} bytes`,
        { path: location },
      );
    const data = await readFile(file).catch((err: unknown) =>
      Promise.reject(unreadable(file, err)),
    );
    inputs.push({ data: new Uint8Array(data), source: file });
  }
  try {
    return createCrlBundle(inputs);
  } catch (err) {
    if (!(err instanceof CrlBundleError)) throw err;
    throw new ConfigError('TRUST_STORE_INVALID', `CRL bundle: ${err.message}`, {
      path: location,
      cause: err,
    });
  }
}
