// The next step of the self-managed CA, from the Secret's state, the bundles the webhook
// configurations carry now and the clock: pure, so every ordering rule is tested without a
// cluster. The rules keep one invariant: the API server trusts the CA of the certificate every
// replica serves. So a new CA enters the bundle first; the serving certificate moves to it only
// once that bundle has been in the configurations for `overlapMs` (the API servers have seen it);
// the old CA leaves the bundle only `overlapMs` after that (every replica serves the new pair).
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { isIP } from 'node:net';
import { bundleOf, parseCertificates, type Pair, type TlsState } from './ca-material.js';

export interface PlanPolicy {
  /** DNS names and IP addresses the serving certificate must cover. */
  names: readonly string[];
  caValidityMs: number;
  certValidityMs: number;
  /** How long a bundle change is given to reach every API server and replica. */
  overlapMs: number;
}

/** Replaced CAs kept in the bundle at most (decision 10: a bound on what others can grow). */
export const MAX_PREVIOUS = 4;

export type Step =
  /** A new CA; `previous` are the CAs to keep trusting meanwhile. */
  | { kind: 'new-ca'; reason: 'missing' | 'unusable' | 'due'; previous: string[] }
  /** A serving certificate under the current CA. */
  | { kind: 'issue-serving'; reason: 'missing' | 'unusable' | 'due' | 'switch' }
  /** Write this bundle into every configuration, then record when. */
  | { kind: 'publish'; bundle: string }
  /** The configurations carry the bundle already: record since when. */
  | { kind: 'mark-published' }
  /** Keep only these previous CAs (the others expired, or the overlap is over). */
  | { kind: 'drop-previous'; keep: string[] }
  /** Nothing to do before `atMs` (epoch ms). */
  | { kind: 'wait'; atMs: number };

const usableCa = (pair: Pair | undefined, now: number): X509Certificate | undefined => {
  try {
    const cert = pair && new X509Certificate(pair.cert);
    if (!cert?.ca || !cert.checkPrivateKey(createPrivateKey(pair!.key))) return undefined;
    return live(cert, now) ? cert : undefined;
  } catch {
    return undefined;
  }
};

const live = (cert: X509Certificate, now: number): boolean =>
  Date.parse(cert.validFrom) <= now && now < Date.parse(cert.validTo);

const covers = (leaf: X509Certificate, name: string): boolean =>
  isIP(name) === 0
    ? leaf.checkHost(name, { subject: 'never' }) !== undefined
    : leaf.checkIP(name) !== undefined;

const signedBy = (leaf: X509Certificate, ca: X509Certificate): boolean =>
  leaf.checkIssued(ca) && leaf.verify(ca.publicKey);

function usableLeaf(pair: Pair | undefined, now: number, names: readonly string[]) {
  try {
    const cert = pair && new X509Certificate(pair.cert);
    if (!cert || cert.ca || !cert.checkPrivateKey(createPrivateKey(pair.key))) return undefined;
    return live(cert, now) && names.every((n) => covers(cert, n)) ? cert : undefined;
  } catch {
    return undefined;
  }
}

/** Unique live CA certificates (by fingerprint) other than `except`, at most MAX_PREVIOUS. */
function keepable(pems: string[], now: number, except?: X509Certificate): string[] {
  const seen = new Set(except ? [except.fingerprint256] : []);
  const kept: string[] = [];
  for (const pem of pems)
    for (const cert of parseCertificates(pem)) {
      if (!cert.ca || !live(cert, now) || seen.has(cert.fingerprint256)) continue;
      seen.add(cert.fingerprint256);
      if (kept.length < MAX_PREVIOUS) kept.push(cert.toString());
    }
  return kept.map((p) => (p.endsWith('\n') ? p : `${p}\n`));
}

const fingerprints = (pem: string): string =>
  parseCertificates(pem)
    .map((c) => c.fingerprint256)
    .sort()
    .join(',');

/**
 * The next step. `published` holds the caBundle (PEM) of every webhook of every configuration
 * the keeper writes; none (no configuration named, or none exists) means nothing to publish to.
 */
export function planStep(state: TlsState, published: string[], now: number, p: PlanPolicy): Step {
  const ca = usableCa(state.ca, now);
  if (!ca) {
    // Whatever the cluster trusts now stays trusted while the new CA takes over (an upgrade
    // from chart-generated or cert-manager TLS keeps serving with the old pair meanwhile).
    const carried = [state.ca?.cert ?? '', ...state.previous, ...published];
    const reason = state.ca ? 'unusable' : 'missing';
    return { kind: 'new-ca', reason, previous: keepable(carried, now) };
  }
  const previous = keepable(state.previous, now, ca);
  const trusted = [ca, ...previous.flatMap(parseCertificates)];
  const leaf = usableLeaf(state.serving, now, p.names);
  if (!leaf || !trusted.some((c) => signedBy(leaf, c)))
    return { kind: 'issue-serving', reason: state.serving ? 'unusable' : 'missing' };
  const onCurrent = signedBy(leaf, ca);
  const [leafEnd, caEnd] = [expiry(leaf), expiry(ca)];
  const leafDueAt = leafEnd - p.certValidityMs / 3;
  // A leaf never outlives its CA: one that cannot be extended any more needs a new CA.
  const extendable = leafEnd + 1000 < caEnd;
  const caDueAt = extendable
    ? caEnd - p.caValidityMs / 3
    : Math.min(leafDueAt, caEnd - p.caValidityMs / 3);
  // A CA rotation takes two overlaps: renew first a leaf that would come due meanwhile.
  const soon = now >= caDueAt && leafEnd - now < p.certValidityMs / 3 + 2 * p.overlapMs;
  if (onCurrent && extendable && (now >= leafDueAt || soon))
    return { kind: 'issue-serving', reason: 'due' };
  if (onCurrent && now >= caDueAt)
    return { kind: 'new-ca', reason: 'due', previous: keepable([ca.toString(), ...previous], now) };
  if (previous.length !== state.previous.length) return { kind: 'drop-previous', keep: previous };
  const desired = bundleOf({ ...state, previous });
  const want = fingerprints(desired);
  if (published.some((b) => fingerprints(b) !== want)) return { kind: 'publish', bundle: desired };
  if (state.bundlePublishedAt === undefined) return { kind: 'mark-published' };
  if (!onCurrent) {
    const at = state.bundlePublishedAt + p.overlapMs;
    return now >= at ? { kind: 'issue-serving', reason: 'switch' } : { kind: 'wait', atMs: at };
  }
  const waits = [caDueAt, leafDueAt, ...previous.flatMap(parseCertificates).map(expiry)];
  if (previous.length > 0) {
    const at = (state.servingIssuedAt ?? state.bundlePublishedAt) + p.overlapMs;
    if (now >= at) return { kind: 'drop-previous', keep: [] };
    waits.push(at);
  }
  return { kind: 'wait', atMs: Math.min(...waits) };
}

const expiry = (cert: X509Certificate): number => Date.parse(cert.validTo);
