// Walking from `targets` down to an accepted delegated role (TUF 5.6.7; Notary's
// client/tufclient.go downloadTargets and tuf/data/roles.go Restrict). SPEC.md § Delegations.
import { TufError, type TufRole } from './errors.js';
import { parseEnvelope, parseTargets, type Snapshot, type Targets } from './metadata.js';
import { depthOf, isDelegationName, parentOf, restrictPaths } from './paths.js';
import { checkThreshold, roleOf } from './signatures.js';
import { fetchByMeta, type Session } from './source.js';

/** A targets role whose metadata verified, with the paths it may sign for after restriction. */
export interface VerifiedRole {
  name: string;
  targets: Targets;
  paths: string[];
}

/** Why a role's targets cannot be used; the search goes on without them, as Notary's does. */
export type Unusable = { name: string; error: TufError };

export interface RoleWalk {
  session: Session;
  snapshot: Snapshot;
  /** Highest version trusted before, per targets role. */
  minVersions: Readonly<Record<string, number>>;
  /** Versions trusted now, filled in as roles verify. */
  seen: Record<string, number>;
  memo: Map<string, VerifiedRole | Unusable>;
}

/**
 * The verified metadata of `name` (a delegated role), reached through each of its ancestors.
 * A role that is not delegated, not in the snapshot, under-signed or expired is Unusable;
 * malformed metadata, a hash mismatch or a rollback fail the whole verification, as in Notary.
 */
export async function resolveRole(walk: RoleWalk, name: string): Promise<VerifiedRole | Unusable> {
  const known = walk.memo.get(name);
  if (known) return known;
  if (!isDelegationName(name) || depthOf(name) > walk.session.limits.delegationDepth)
    throw new TufError(
      'DELEGATION_INVALID',
      `"${name}" is not a delegated role name within depth ${walk.session.limits.delegationDepth}`,
    );
  const parent = await resolveRole(walk, parentOf(name));
  const result = 'error' in parent ? parent : await verifyChild(walk, parent, name);
  walk.memo.set(name, result);
  return result;
}

const unusable = (name: string, code: 'TARGET_NOT_FOUND', message: string): Unusable => ({
  name,
  error: new TufError(code, message, { role: name as TufRole }),
});

async function verifyChild(
  walk: RoleWalk,
  parent: VerifiedRole,
  name: string,
): Promise<VerifiedRole | Unusable> {
  const role = name as TufRole;
  const declared = parent.targets.roles.find((r) => r.name === name);
  if (!declared)
    return unusable(name, 'TARGET_NOT_FOUND', `${parent.name} delegates no role ${name}`);
  const meta = walk.snapshot.meta.get(name);
  if (!meta)
    return unusable(name, 'TARGET_NOT_FOUND', `${name} was never published (not in the snapshot)`);
  const bytes = await fetchByMeta(walk.session, role, meta, walk.session.limits.targetsBytes);
  if (!bytes)
    throw new TufError('METADATA_MISSING', `${name} is in the snapshot but not on the server`, {
      role,
    });
  const env = parseEnvelope(bytes, name, walk.session.limits);
  const targets = parseTargets(env, name, walk.session.limits);
  const min = walk.minVersions[name] ?? 0;
  if (targets.version < min)
    throw new TufError(
      'ROLLBACK',
      `${name} version ${targets.version} is below ${min}, already trusted`,
      { role },
    );
  try {
    checkThreshold(
      env,
      roleOf(role, parent.targets.keys, declared.keyids, declared.threshold),
      walk.session.cache,
      name,
    );
    if (targets.expires < walk.session.now)
      throw new TufError('EXPIRED', `${name} expired at ${targets.expires.toISOString()}`, {
        role,
      });
  } catch (error) {
    if (error instanceof TufError) return { name, error };
    throw error;
  }
  walk.seen[name] = targets.version;
  return { name, targets, paths: restrictPaths(parent.paths, declared.paths) };
}
