// Establishing the root: the operator's pins, Notary's rules for root keys (trustpinning/certs.go)
// and the TUF rotation chain (spec 5.3). SPEC.md § Root of trust.
import { createPublicKey } from 'node:crypto';
import * as x509 from '../x509/peculiar.js';
import { TufError } from './errors.js';
import { canonicalPem, pemCertificates, type TufKey } from './keys.js';
import type { TufLimits } from './limits.js';
import { parseEnvelope, parseRoot, type Root, type SignedEnvelope } from './metadata.js';
import { validSigners, type KeyCache, type TrustedRole } from './signatures.js';
import type { TufTrustStore } from './trust-store.js';

const DAY_MS = 86_400_000;

export interface TrustedRoot {
  root: Root;
  bytes: Uint8Array;
  /** The earliest `notAfter` of the root's usable key certificates: past it, the root is EXPIRED. */
  notAfter: Date;
}

interface RootKeys {
  keys: Map<string, TufKey>;
  /** Leaves left out only because they are not valid at `now`. */
  expired: number;
  leaves: Map<string, x509.X509Certificate>;
}

/** Notary's `MatchCNToGun`: exact, or a prefix when the CN ends in `*`. */
function cnMatches(cn: string, gun: string): boolean {
  return cn.endsWith('*') ? gun.startsWith(cn.replace(/\*+$/, '')) : cn === gun;
}

const isCa = (c: x509.X509Certificate): boolean =>
  c.getExtension(x509.BasicConstraintsExtension)?.ca === true;

/**
 * The leaf of a root key Notary would use: an x509 key whose PEM is one leaf (first, not a CA)
 * plus CA certificates, in the exact form Notary re-derives its key ID from, whose one CN names
 * the GUN, not SHA-1-signed, with a sane validity window.
 */
function rootLeaf(key: TufKey, gun: string): x509.X509Certificate | undefined {
  if (!key.type.endsWith('-x509')) return undefined;
  const certs = pemCertificates(key.public);
  if (!certs || canonicalPem(certs) !== key.public.toString('latin1')) return undefined;
  const leaf = certs[0]!;
  if (isCa(leaf) || certs.filter((c) => !isCa(c)).length !== 1) return undefined;
  const cn = leaf.subjectName.getField('CN');
  const hash = (leaf.signatureAlgorithm as { hash?: { name?: string } }).hash?.name;
  if (cn.length !== 1 || !cnMatches(cn[0]!, gun) || hash === 'SHA-1') return undefined;
  return leaf.notBefore > leaf.notAfter ? undefined : leaf;
}

/** Valid at `now` within Notary's one-day allowance for clocks behind (ValidateCertificate). */
function validAt(leaf: x509.X509Certificate, now: Date): boolean {
  return now.getTime() + DAY_MS >= leaf.notBefore.getTime() && now <= leaf.notAfter;
}

/** The root role's usable keys; with `now`, only those whose certificate is valid then. */
function rootKeys(root: Root, gun: string, now: Date | undefined): RootKeys {
  const out: RootKeys = { keys: new Map(), expired: 0, leaves: new Map() };
  for (const id of root.roles.root.keyids) {
    const key = root.keys.get(id)!;
    const leaf = rootLeaf(key, gun);
    if (!leaf) continue;
    if (now && !validAt(leaf, now)) out.expired++;
    else {
      out.keys.set(id, key);
      out.leaves.set(id, leaf);
    }
  }
  return out;
}

function spkiOf(leaf: x509.X509Certificate): Buffer | undefined {
  try {
    const der = Buffer.from(leaf.publicKey.rawData);
    return createPublicKey({ key: der, format: 'der', type: 'spki' }).export({
      type: 'spki',
      format: 'der',
    });
  } catch {
    return undefined;
  }
}

function pinned(pins: TufTrustStore, leaf: x509.X509Certificate): boolean {
  const der = Buffer.from(leaf.rawData);
  const spki = spkiOf(leaf);
  return (
    pins.certificates.some((c) => c.equals(der)) ||
    (spki !== undefined && pins.publicKeys.some((k) => k.equals(spki)))
  );
}

/** A root version with its envelope. */
interface Version {
  r: Root;
  env: SignedEnvelope;
}

/** Whether a threshold of the root's pinned (and usable) keys signed it (Notary's pinned check). */
function pinnedAccepts(
  o: EstablishRootOptions,
  { r, env }: Version,
  now: Date | undefined,
): boolean {
  const usable = rootKeys(r, o.gun, now);
  const keys = new Map<string, TufKey>();
  for (const [id, leaf] of usable.leaves)
    if (pinned(o.pins, leaf)) keys.set(id, usable.keys.get(id)!);
  const threshold = r.roles.root.threshold;
  return (
    keys.size > 0 && validSigners(env, { name: 'root', keys, threshold }, o.cache).size >= threshold
  );
}

function signedBy(
  env: SignedEnvelope,
  keys: RootKeys,
  threshold: number,
  cache: KeyCache,
): boolean {
  const role: TrustedRole = { name: 'root', keys: keys.keys, threshold };
  return validSigners(env, role, cache).size >= threshold;
}

export interface EstablishRootOptions {
  gun: string;
  pins: TufTrustStore;
  now: Date;
  limits: TufLimits;
  /** The current root.json. */
  latest: Uint8Array;
  /** `<version>.root.json`; rejects or returns undefined when the server has none. */
  fetchVersion: (version: number) => Promise<Uint8Array | undefined>;
  /** The highest root version this process has trusted for the GUN. */
  minVersion: number;
  cache: KeyCache;
}

/**
 * The current root, trusted because a pinned key signs it, or because a chain of root versions
 * leads to it from one a pinned key signs, each signed by a threshold of the previous version's
 * root keys and of its own (TUF 5.3.4). Only the current root's expiry and certificates' validity
 * matter (TUF 5.3.10); older versions are history.
 */
export async function establishRoot(o: EstablishRootOptions): Promise<TrustedRoot> {
  const env = parseEnvelope(o.latest, 'root', o.limits);
  const latest = { r: parseRoot(env, o.limits), env };
  const { r } = latest;
  if (r.version < o.minVersion)
    throw new TufError(
      'ROLLBACK',
      `root version ${r.version} is below ${o.minVersion}, already trusted`,
      { role: 'root' },
    );
  if (!pinnedAccepts(o, latest, o.now)) {
    // Pinned and signed, but its certificate is outside its validity: say so, do not walk.
    if (pinnedAccepts(o, latest, undefined))
      throw new TufError('EXPIRED', 'the pinned root certificate is not valid now', {
        role: 'root',
      });
    await walkChain(o, latest);
  }
  const own = rootKeys(r, o.gun, o.now);
  if (!signedBy(env, own, r.roles.root.threshold, o.cache)) {
    if (own.expired > 0)
      throw new TufError('EXPIRED', 'the root certificates are not valid now', { role: 'root' });
    throw new TufError(
      'ROOT_UNTRUSTED',
      `root version ${r.version} is not signed by a threshold of its own root keys for ${o.gun}`,
      { role: 'root' },
    );
  }
  if (r.expires < o.now)
    throw new TufError('EXPIRED', `root expired at ${r.expires.toISOString()}`, { role: 'root' });
  return { root: r, bytes: o.latest, notAfter: earliestNotAfter(own) };
}

function earliestNotAfter(keys: RootKeys): Date {
  const times = [...keys.leaves.values()].map((l) => l.notAfter.getTime());
  return new Date(Math.min(...times));
}

/**
 * A root this process established before (same GUN and pins), checked again at `now` without
 * the network: not below the version trusted since, not expired, still signed by a threshold of
 * its own keys whose certificates are valid now. False: establish it afresh.
 */
export function recheckRoot(
  trusted: TrustedRoot,
  o: Pick<EstablishRootOptions, 'gun' | 'now' | 'limits' | 'minVersion' | 'cache'>,
): boolean {
  const r = trusted.root;
  if (r.version < o.minVersion || r.expires < o.now) return false;
  const env = parseEnvelope(trusted.bytes, 'root', o.limits);
  return signedBy(env, rootKeys(r, o.gun, o.now), r.roles.root.threshold, o.cache);
}

/** `<v>.root.json`, or undefined when the server has none; it must say version v. */
async function loadVersion(o: EstablishRootOptions, v: number): Promise<Version | undefined> {
  const bytes = await o.fetchVersion(v);
  if (!bytes) return undefined;
  const env = parseEnvelope(bytes, `root version ${v}`, o.limits);
  const r = parseRoot(env, o.limits);
  if (r.version !== v)
    throw new TufError('METADATA_MALFORMED', `${v}.root.json says version ${r.version}`, {
      role: 'root',
    });
  return { r, env };
}

/** One rotation step: `next` signed by a threshold of `prev`'s root keys and of its own. */
function checkStep(o: EstablishRootOptions, prev: Root, { r, env }: Version): void {
  if (!signedBy(env, rootKeys(prev, o.gun, undefined), prev.roles.root.threshold, o.cache))
    throw new TufError(
      'ROOT_UNTRUSTED',
      `root version ${r.version} is not signed by the root keys of version ${prev.version}: a rotation the pinned root does not chain to`,
      { role: 'root' },
    );
  if (!signedBy(env, rootKeys(r, o.gun, undefined), r.roles.root.threshold, o.cache))
    throw new TufError(
      'ROOT_UNTRUSTED',
      `root version ${r.version} is not signed by its own root keys`,
      { role: 'root' },
    );
}

async function walkChain(o: EstablishRootOptions, latest: Version): Promise<void> {
  const last = latest.r.version;
  if (last - 1 > o.limits.rootVersions)
    throw new TufError(
      'TOO_LARGE',
      `root version ${last}: more than ${o.limits.rootVersions} versions to walk`,
      { role: 'root' },
    );
  let trusted: Root | undefined;
  for (let v = 1; v < last; v++) {
    const version = await loadVersion(o, v);
    if (!trusted) {
      if (version && pinnedAccepts(o, version, undefined)) trusted = version.r;
      continue;
    }
    if (!version)
      throw new TufError('METADATA_MISSING', `root version ${v} is not on the server`, {
        role: 'root',
      });
    checkStep(o, trusted, version);
    trusted = version.r;
  }
  if (!trusted)
    throw new TufError(
      'ROOT_UNTRUSTED',
      `no root version of ${o.gun} is signed by a pinned root key`,
      { role: 'root' },
    );
  checkStep(o, trusted, latest);
}
