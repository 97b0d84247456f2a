// Threshold signatures (tuf/signed/verify.go VerifySignatures; TUF spec 5.3.4, 5.4.2, 5.5.3).
import type { KeyObject } from 'node:crypto';
import { TufError, type TufRole } from './errors.js';
import { publicKeyOf, verifySignature, type TufKey } from './keys.js';
import type { SignedEnvelope } from './metadata.js';

export interface TrustedRole {
  name: TufRole;
  /** The role's keys by ID; only these can count. */
  keys: ReadonlyMap<string, TufKey>;
  threshold: number;
}

/** Keys are parsed once per key ID within one verification; bounded by the metadata's key caps. */
export type KeyCache = Map<string, KeyObject | undefined>;

/** IDs of the role's keys that signed `env` validly; each key counts once however often it signs. */
export function validSigners(env: SignedEnvelope, role: TrustedRole, cache: KeyCache): Set<string> {
  const valid = new Set<string>();
  for (const s of env.signatures) {
    const key = role.keys.get(s.keyid);
    if (!key || valid.has(key.id)) continue;
    if (!cache.has(key.id)) cache.set(key.id, publicKeyOf(key));
    const object = cache.get(key.id);
    if (object && verifySignature({ key, object }, s.method, s.sig, env.canonical))
      valid.add(key.id);
  }
  return valid;
}

/** Throws THRESHOLD_NOT_MET unless `threshold` distinct keys of the role signed `env`. */
export function checkThreshold(
  env: SignedEnvelope,
  role: TrustedRole,
  cache: KeyCache,
  what: string = role.name,
): void {
  if (role.threshold < 1)
    throw new TufError('METADATA_MALFORMED', `${what}: threshold below 1`, { role: role.name });
  const count = validSigners(env, role, cache).size;
  if (count < role.threshold)
    throw new TufError(
      'THRESHOLD_NOT_MET',
      `${what}: ${count} valid signature(s) of ${role.threshold} required`,
      { role: role.name },
    );
}

/** The keys a metadata file gives one of its roles. */
export function roleOf(
  name: TufRole,
  keys: ReadonlyMap<string, TufKey>,
  ids: readonly string[],
  threshold: number,
): TrustedRole {
  const own = new Map<string, TufKey>();
  for (const id of ids) {
    const key = keys.get(id);
    if (key) own.set(id, key);
  }
  return { name, keys: own, threshold };
}
