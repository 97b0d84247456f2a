import { createHash } from 'node:crypto';
import { RegistryError } from './errors.js';
import { DIGEST_RE } from './reference.js';

/** `sha256:<hex>` (or sha512) of the bytes. */
export function digestOf(bytes: Uint8Array, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && DIGEST_RE.test(value);
}

/** Throws DIGEST_MISMATCH unless the bytes are exactly what the descriptor names. */
export function verifyContent(
  expected: { digest: string; size?: number },
  bytes: Uint8Array,
  what: string,
): void {
  if (!isDigest(expected.digest))
    throw new RegistryError(
      'PROTOCOL',
      `${what}: unsupported digest "${String(expected.digest).slice(0, 80)}"`,
    );
  if (expected.size !== undefined && bytes.length !== expected.size) {
    throw new RegistryError(
      'DIGEST_MISMATCH',
      `${what}: the registry sent ${bytes.length} bytes, the descriptor says ${expected.size}`,
    );
  }
  const algorithm = expected.digest.startsWith('sha512:') ? 'sha512' : 'sha256';
  const actual = digestOf(bytes, algorithm);
  if (actual !== expected.digest) {
    throw new RegistryError(
      'DIGEST_MISMATCH',
      `${what}: the content hashes to ${actual}, not ${expected.digest}`,
    );
  }
}
