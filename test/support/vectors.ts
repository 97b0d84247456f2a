import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** shared/vectors/notation beside the checkout: read-only Notary Project test vectors. */
export const VECTORS =
  process.env['NOTARY_ADMISSION_VECTORS'] ?? path.resolve(REPO_ROOT, '../shared/vectors/notation');

/** The bytes of a vector file, by its path under VECTORS. */
export function vector(relativePath: string): Buffer {
  return readFileSync(path.join(VECTORS, relativePath));
}

/** A vector file as UTF-8 text. */
export function vectorText(relativePath: string): string {
  return vector(relativePath).toString('utf8');
}
