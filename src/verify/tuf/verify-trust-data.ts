// The Notary v1 client workflow over a TufMetadataSource: root → timestamp → snapshot → targets
// → delegations → the image's target (TUF spec 5.3–5.6, Notary's client/tufclient.go).
import { resolveRole, type RoleWalk, type Unusable, type VerifiedRole } from './delegations.js';
import { TufError } from './errors.js';
import { DEFAULT_TUF_LIMITS, type TufLimits } from './limits.js';
import { findTarget, type FoundTarget, type ImageToVerify } from './lookup.js';
import {
  parseEnvelope,
  parseSnapshot,
  parseTargets,
  parseTimestamp,
  type Root,
  type Snapshot,
} from './metadata.js';
import { establishRoot, recheckRoot, type TrustedRoot } from './root.js';
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
  /**
   * The root a previous verification of this GUN under the same pins returned
   * (`TrustedTarget.root`): used instead of fetching root.json while it is still valid and the
   * snapshot still names it; otherwise the root is established afresh, as Notary's client
   * falls back to downloading root.json (client/tufclient.go Update).
   */
  trustedRoot?: TrustedRoot;
}

export interface TrustedTarget {
  gun: string;
  /** The target's name (the tag) and the role that signed it. */
  target: FoundTarget;
  /** The versions trusted now, to record (TufStateMemory.record). */
  state: TufState;
  /** The root used, to hand back as `trustedRoot` next time. */
  root: TrustedRoot;
  /**
   * The earliest instant a piece of the metadata used stops vouching: each role's `expires`
   * (root, timestamp, snapshot, targets, the delegations searched) and the root certificates'
   * `notAfter`. A verdict built on this target must not outlive it.
   */
  expires: Date;
}

/** A cached root the server no longer agrees with: establish it afresh. */
class StaleRoot extends Error {}

/**
 * Verifies the GUN's trust data and finds the image's target. Resolves only when every step
 * passed; throws a TufError, or passes on the source's own rejection (never "trusted").
 */
export async function verifyTrustData(o: VerifyTrustDataOptions): Promise<TrustedTarget> {
  if (o.trustedRoot) {
    try {
      return await verifyWith(o, o.trustedRoot);
    } catch (err) {
      if (!(err instanceof StaleRoot)) throw err;
    }
  }
  return verifyWith(o, undefined);
}

function session(o: VerifyTrustDataOptions, limits: TufLimits): Session {
  return { gun: o.gun, source: o.source, limits, now: o.now, cache: new Map(), bytes: 0 };
}

/** root.json from the server, established from the pins (TUF 5.3). */
async function freshRoot(o: VerifyTrustDataOptions, s: Session, minVersion: number) {
  const { limits } = s;
  const latest = await fetchBounded(s, { role: 'root', maxBytes: limits.rootBytes });
  if (!latest)
    throw new TufError('TRUST_DATA_NOT_FOUND', `no trust data for ${o.gun}`, { role: 'root' });
  return establishRoot({
    gun: o.gun,
    pins: o.trustStore,
    now: o.now,
    limits,
    latest,
    fetchVersion: (version) =>
      fetchBounded(s, { role: 'root', version, maxBytes: limits.rootBytes }),
    minVersion,
    cache: s.cache,
  });
}

/** Timestamp (TUF 5.4) and snapshot (5.5), and the snapshot's word on the root. */
async function timestampAndSnapshot(s: Session, trusted: TrustedRoot, before: TufState) {
  const { root } = trusted;
  const { limits } = s;
  // Timestamp: signature, rollback, expiry, in that order as Notary's builder does.
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
  notExpired('timestamp', timestamp.expires, s.now);

  // Snapshot: the exact bytes the timestamp names.
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
  notExpired('snapshot', snapshot.expires, s.now);
  // The snapshot names the root it was made with: the one trusted must be it.
  checkMeta(trusted.bytes, snapshot.meta.get('root')!, 'root');
  return { timestamp, snapshot };
}

/** Top-level targets (TUF 5.6): the bytes the snapshot names, signed by the root's targets keys. */
async function topTargets(s: Session, root: Root, snapshot: Snapshot, before: TufState) {
  const { limits } = s;
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
  notExpired('targets', targets.expires, s.now);
  return targets;
}

async function verifyWith(
  o: VerifyTrustDataOptions,
  cached: TrustedRoot | undefined,
): Promise<TrustedTarget> {
  const limits = { ...DEFAULT_TUF_LIMITS, ...o.limits };
  const before = o.state ?? EMPTY_STATE;
  const s = session(o, limits);
  const trusted = await rootFor(o, s, before, cached);
  const { root } = trusted;
  const { timestamp, snapshot } = await timestampAndSnapshot(s, trusted, before).catch(
    (err: unknown) => {
      // With a cached root, a failure up to the snapshot's word on the root may mean the root
      // changed (new timestamp or snapshot keys): the fresh path decides.
      throw cached && err instanceof TufError ? new StaleRoot() : err;
    },
  );

  const targets = await topTargets(s, root, snapshot, before);
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
  const used = [root.expires, trusted.notAfter, timestamp.expires, snapshot.expires];
  const expires = earliest(used, walk);
  return { gun: o.gun, target, state: mergeState(before, now), root: trusted, expires };
}

/** The earliest of `used` and every targets role verified on the way. */
function earliest(used: Date[], walk: RoleWalk): Date {
  const times = used.map((d) => d.getTime());
  for (const r of walk.memo.values()) if (!('error' in r)) times.push(r.targets.expires.getTime());
  return new Date(Math.min(...times));
}

/** The cached root when it still holds at `now`, else one established from the server. */
async function rootFor(
  o: VerifyTrustDataOptions,
  s: Session,
  before: TufState,
  cached: TrustedRoot | undefined,
): Promise<TrustedRoot> {
  if (!cached) return freshRoot(o, s, before.root);
  const check = {
    gun: o.gun,
    now: o.now,
    limits: s.limits,
    minVersion: before.root,
    cache: s.cache,
  };
  if (!recheckRoot(cached, check)) throw new StaleRoot();
  return cached;
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
