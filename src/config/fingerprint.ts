// A cheap stat-based fingerprint of the policy file and the trust store tree, so polling reads
// nothing until something changed. Real paths are part of it: a kubelet ConfigMap/Secret update
// swaps the `..data` symlink to a new timestamped directory, which changes every real path even
// when sizes and mtimes happen to match.
import type { Dirent } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** `x509/<type>/<name>/<file>`: deeper entries are ignored by the loader, so not watched. */
const MAX_DEPTH = 3;

function fsCode(err: unknown): string {
  return err instanceof Error && 'code' in err ? String(err.code) : 'error';
}

/** Real path, inode, size and nanosecond times of `file` (following links), or the error. */
async function statLine(file: string): Promise<string> {
  try {
    const real = await realpath(file);
    const s = await stat(real, { bigint: true });
    return `${file} -> ${real} ${s.ino} ${s.size} ${s.mtimeNs} ${s.ctimeNs}`;
  } catch (err) {
    return `${file} ! ${fsCode(err)}`;
  }
}

async function entries(dir: string): Promise<Dirent[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  } catch {
    return [];
  }
}

async function walk(dir: string, depth: number, lines: string[]): Promise<void> {
  for (const entry of await entries(dir)) {
    const file = path.join(dir, entry.name);
    try {
      const s = await lstat(file, { bigint: true });
      lines.push(`${file} ${s.mode} ${s.ino} ${s.size} ${s.mtimeNs} ${s.ctimeNs}`);
    } catch (err) {
      lines.push(`${file} ! ${fsCode(err)}`);
    }
    if (entry.isDirectory() && depth < MAX_DEPTH) await walk(file, depth + 1, lines);
  }
}

/**
 * Changes whenever the policy file, anything under `<trustStoreDir>/x509` or
 * `<trustStoreDir>/notaryV1Root`, or the CRL bundle
 * (a file, or the files of a directory) changes.
 */
export async function fingerprint(paths: {
  trustPolicyPath: string;
  trustStoreDir: string;
  crlBundlePath?: string | undefined;
}): Promise<string> {
  const x509 = path.join(paths.trustStoreDir, 'x509');
  const lines = [await statLine(paths.trustPolicyPath), await statLine(x509)];
  const real = await realpath(x509).catch(() => undefined);
  if (real !== undefined) await walk(real, 1, lines);
  // Notary v1 root pins (issue 18): `notaryV1Root/<name>/<file>`, beside x509.
  const tuf = path.join(paths.trustStoreDir, 'notaryV1Root');
  lines.push(await statLine(tuf));
  const realTuf = await realpath(tuf).catch(() => undefined);
  if (realTuf !== undefined) await walk(realTuf, 2, lines);
  if (paths.crlBundlePath !== undefined) {
    lines.push(await statLine(paths.crlBundlePath));
    const bundle = await realpath(paths.crlBundlePath).catch(() => undefined);
    // A directory's files only (depth at the limit: no descent), through its ..data link.
    if (bundle !== undefined) await walk(bundle, MAX_DEPTH, lines);
  }
  return lines.join('\n');
}
