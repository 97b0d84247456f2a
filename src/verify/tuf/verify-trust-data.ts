// The Notary v1 client workflow over a TufMetadataSource: root → timestamp → snapshot → targets
// → delegations → the image's target (TUF spec 5.3–5.6, Notary's client/tufclient.go).
import { resolveRole, type RoleWalk, type Unusable, type VerifiedRole } from './delegations.js';
import { TufError } from './errors.js';
import { DEFAULT_TUF_LIMITS, type TufLimits } from './limits.js';
import { findTarget, type FoundTarget, type ImageToVerify } from './lookup.js';
import { parseEnvelope, parseSnapshot, parseTargets, parseTimestamp } from './metadata.js';
import { establishRoot } from './root.js';
import { checkThreshold, roleOf } from './signatures.js';
import {
  checkMeta,
  fetchBounded,
  fetchByMeta,
  type Session,
  type TufMetadataSource,
} from './source.js';
import { EMPTY_STATE, mergeState, type TufState } from './state.js';
import type { TufTrustStore } from './trust-store.js';

/** The roles Docker Content Trust accepts a tag from, in its order of precedence. */
export const DOCKER_ROLES: readonly string[] = Object.freeze(['targets/releases', 'targets']);

export interface VerifyTrustDataOptions {
  /** Globally unique name: `registry/repository` as Docker names it (`docker.io/library/nginx`). */
  gun: string;
  trustStore: TufTrustStore;
  source: TufMetadataSource;
  image: ImageToVerify;
  now: Date;
  /** What this process trusted before for the GUN (TufStateMemory.get). */
  state?: TufState;
  /** Roles whose targets count, in precedence order (default DOCKER_ROLES). */
  roles?: readonly string[];
  limits?: Partial<TufLimits>;
}

export interface TrustedTarget {
  gun: string;
  /** The target's name (the tag) and the role that signed it. */
  target: FoundTarget;
  /** The versions trusted now, to record (TufStateMemory.record). */
  state: TufState;
}

/**
 * Verifies the GUN's trust data and finds the image's target. Resolves only when every step
 * passed; throws a TufError, or passes on the source's own rejection (never "trusted").
 */
export async function verifyTrustData(o: VerifyTrustDataOptions): Promise<TrustedTarget> {
  const limits = { ...DEFAULT_TUF_LIMITS, ...o.limits };
  const before = o.state ?? EMPTY_STATE;
  const s: Session = {
    gun: o.gun,
    source: o.source,
    limits,
    now: o.now,
    cache: new Map(),
    bytes: 0,
  };

  const latest = await fetchBounded(s, { role: 'root', maxBytes: limits.rootBytes });
  if (!latest)
    throw new TufError('TRUST_DATA_NOT_FOUND', `no trust data for ${o.gun}`, { role: 'root' });
  const { root } = await establishRoot({
    gun: o.gun,
    pins: o.trustStore,
    now: o.now,
    limits,
    latest,
    fetchVersion: (version) =>
      fetchBounded(s, { role: 'root', version, maxBytes: limits.rootBytes }),
    minVersion: before.root,
    cache: s.cache,
  });

  // Timestamp (TUF 5.4): signature, rollback, expiry, in that order as Notary's builder does.
  const tsBytes = await fetchBounded(s, { role: 'timestamp', maxBytes: limits.timestampBytes });
  if (!tsBytes)
    throw new TufError('METADATA_MISSING', 'no timestamp on the server', { role: 'timestamp' });
  const tsEnv = parseEnvelope(tsBytes, 'timestamp', limits);
  checkThreshold(
    tsEnv,
    roleOf('timestamp', root.keys, root.roles.timestamp.keyids, root.roles.timestamp.threshold),
    s.cache,
  );
  const timestamp = parseTimestamp(tsEnv);
  notOlder('timestamp', timestamp.version, before.timestamp);
  notExpired('timestamp', timestamp.expires, o.now);

  // Snapshot (TUF 5.5): the exact bytes the timestamp names.
  const snBytes = await fetchByMeta(s, 'snapshot', timestamp.snapshot, limits.snapshotBytes);
  if (!snBytes)
    throw new TufError('METADATA_MISSING', 'no snapshot on the server', { role: 'snapshot' });
  const snEnv = parseEnvelope(snBytes, 'snapshot', limits);
  checkThreshold(
    snEnv,
    roleOf('snapshot', root.keys, root.roles.snapshot.keyids, root.roles.snapshot.threshold),
    s.cache,
  );
  const snapshot = parseSnapshot(snEnv, limits);
  notOlder('snapshot', snapshot.version, before.snapshot);
  notExpired('snapshot', snapshot.expires, o.now);
  // The snapshot names the root it was made with: the one just trusted must be it.
  checkMeta(latest, snapshot.meta.get('root')!, 'root');

  // Top-level targets (TUF 5.6).
  const tgBytes = await fetchByMeta(
    s,
    'targets',
    snapshot.meta.get('targets')!,
    limits.targetsBytes,
  );
  if (!tgBytes)
    throw new TufError('METADATA_MISSING', 'no targets on the server', { role: 'targets' });
  const tgEnv = parseEnvelope(tgBytes, 'targets', limits);
  checkThreshold(
    tgEnv,
    roleOf('targets', root.keys, root.roles.targets.keyids, root.roles.targets.threshold),
    s.cache,
  );
  const targets = parseTargets(tgEnv, 'targets', limits);
  notOlder('targets', targets.version, before.targets['targets'] ?? 0);
  notExpired('targets', targets.expires, o.now);

  const top: VerifiedRole = { name: 'targets', targets, paths: [''] };
  const walk: RoleWalk = {
    session: s,
    snapshot,
    minVersions: before.targets,
    seen: { targets: targets.version },
    memo: new Map([['targets', top]]),
  };
  const usable: VerifiedRole[] = [];
  const skipped: Unusable[] = [];
  for (const name of o.roles ?? DOCKER_ROLES) {
    const r = name === 'targets' ? top : await resolveRole(walk, name);
    if ('error' in r) skipped.push(r);
    else usable.push(r);
  }
  const target = findTarget(usable, skipped, o.image);
  const now = {
    root: root.version,
    timestamp: timestamp.version,
    snapshot: snapshot.version,
    targets: walk.seen,
  };
  return { gun: o.gun, target, state: mergeState(before, now) };
}

function notOlder(role: 'timestamp' | 'snapshot' | 'targets', version: number, min: number): void {
  if (version < min)
    throw new TufError('ROLLBACK', `${role} version ${version} is below ${min}, already trusted`, {
      role,
    });
}

function notExpired(role: 'timestamp' | 'snapshot' | 'targets', expires: Date, now: Date): void {
  if (expires < now)
    throw new TufError('EXPIRED', `${role} expired at ${expires.toISOString()}`, { role });
}
