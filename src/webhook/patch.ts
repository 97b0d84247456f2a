// The /mutate webhook's answer: pin each verified tag to the digest that was verified
// (`name:tag` → `name:tag@sha256:…`), so the kubelet pulls exactly that (standing decision 5).
import type { ImageAtPath } from './images.js';

export interface JsonPatchReplace {
  op: 'replace';
  path: string;
  value: string;
}

/** `spec.containers[0].image` → `/spec/containers/0/image` (RFC 6901 escaping of `~` and `/`). */
export function toJsonPointer(fieldPath: string): string {
  const parts: string[] = [];
  for (const segment of fieldPath.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(segment);
    if (!m) throw new Error(`not a field path: ${fieldPath}`);
    parts.push(m[1]!);
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) parts.push(index[1]!);
  }
  return `/${parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
}

/**
 * One `replace` per image that names a tag without a digest. An image that already carries a
 * digest is left alone: the digest is what was verified (a tag beside it is only a label).
 */
export function pinPatch(
  pinned: readonly (ImageAtPath & { digest: string })[],
): JsonPatchReplace[] {
  return pinned
    .filter((p) => !p.image.includes('@'))
    .map((p) => ({
      op: 'replace' as const,
      path: toJsonPointer(p.fieldPath),
      value: `${p.image}@${p.digest}`,
    }));
}
