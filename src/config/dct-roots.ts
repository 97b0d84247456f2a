// The pinned Notary v1 roots of the file source (issue 18): `<trust store dir>/notaryV1Root/<name>/`,
// beside notation's `x509/` (which notation ignores it beside), each regular file PEM text of root
// certificates or public keys. A policy's `dct.trustStore` names the folder; it must exist and
// hold at least one usable pin, or the whole configuration is refused.
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { createTufTrustStore, isTufError } from '../verify/index.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import type { PolicyRequirements } from './snapshot.types.js';

/** The folder type, as the TrustStore object's `type`. */
export const NOTARY_ROOT_TYPE = 'notaryV1Root';
/** Pins are a few KiB; a store is small. */
const MAX_FILES = 64;
const MAX_FILE_BYTES = 256 * 1024;

function fsCode(err: unknown): string {
  return err instanceof Error && 'code' in err ? String(err.code) : 'unknown error';
}

/** The PEM texts of one store's folder (dot files, such as a kubelet mount's `..data`, skipped). */
async function readStore(dir: string, name: string): Promise<string[]> {
  const base = path.join(dir, NOTARY_ROOT_TYPE);
  // A kubelet mount makes the folder a link into `..data/`: the real one is read.
  const folder = path.join(await realpath(base), name);
  const files = (await readdir(folder, { withFileTypes: true }))
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  if (files.length > MAX_FILES) throw new Error(`more than ${MAX_FILES} files`);
  const pems: string[] = [];
  for (const entry of files) {
    const file = path.join(folder, entry.name);
    const info = await stat(file);
    if (!info.isFile()) continue;
    if (info.size > MAX_FILE_BYTES) throw new Error(`${entry.name} is larger than 256 KiB`);
    pems.push(await readFile(file, 'utf8'));
  }
  // Refuses no pin at all, a block of another type, a key or certificate that does not parse.
  createTufTrustStore(pems);
  return pems;
}

/**
 * The requirements with each `dct` block's pinned roots read from its folder.
 * @throws ConfigError TRUST_STORE_INVALID naming the policy and the folder
 */
export async function attachDctRoots(
  requirements: Readonly<Record<string, PolicyRequirements>>,
  trustStoreDir: string,
): Promise<Record<string, PolicyRequirements>> {
  const out: Record<string, PolicyRequirements> = {};
  const problems: ConfigProblem[] = [];
  for (const [policy, r] of Object.entries(requirements)) {
    if (!r.dct) {
      out[policy] = r;
      continue;
    }
    const folder = path.join(trustStoreDir, NOTARY_ROOT_TYPE, r.dct.trustStore);
    try {
      const roots = await readStore(trustStoreDir, r.dct.trustStore);
      out[policy] = { ...r, dct: { ...r.dct, roots } };
    } catch (err) {
      const why = isTufError(err)
        ? err.message
        : err instanceof Error && 'code' in err
          ? fsCode(err) === 'ENOENT'
            ? 'does not exist'
            : `cannot be read (${fsCode(err)})`
          : err instanceof Error
            ? err.message
            : String(err);
      const message = `trust policy statement "${policy}" pins its Notary v1 root with trust store "${r.dct.trustStore}": ${folder} ${why}`;
      problems.push({
        code: 'TRUST_STORE_MISSING',
        path: `policies.${policy}.dct.trustStore`,
        message,
      });
    }
  }
  if (problems.length > 0)
    throw new ConfigError('TRUST_STORE_INVALID', problems.map((p) => p.message).join('; '), {
      path: trustStoreDir,
      problems,
    });
  return out;
}
