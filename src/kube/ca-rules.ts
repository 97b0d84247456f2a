// The rules of the self-managed CA's plan (ca-plan.ts) once the Secret holds a usable CA and
// serving certificate, in order, and the certificate helpers they share. Each rule says one thing;
// the first that has a step wins (ca-plan.ts keeps the invariant these orderings serve).
import type { X509Certificate } from 'node:crypto';
import { bundleOf, parseCertificates, type TlsState } from './ca-material.js';

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
  | { kind: 'new-ca'; reason: 'missing' | 'unusable' | 'untrusted' | 'due'; previous: string[] }
  /** A serving certificate under the current CA. */
  | { kind: 'issue-serving'; reason: 'missing' | 'unusable' | 'untrusted' | 'due' | 'switch' }
  /** Write this bundle into every configuration, then record when. */
  | { kind: 'publish'; bundle: string }
  /** The configurations carry the bundle already: record since when. */
  | { kind: 'mark-published' }
  /** Keep only these previous CAs (the others expired, or the overlap is over). */
  | { kind: 'drop-previous'; keep: string[] }
  /** Nothing to do before `atMs` (epoch ms). */
  | { kind: 'wait'; atMs: number };

export const live = (cert: X509Certificate, now: number): boolean =>
  Date.parse(cert.validFrom) <= now && now < Date.parse(cert.validTo);

export const expiry = (cert: X509Certificate): number => Date.parse(cert.validTo);

export const signedBy = (leaf: X509Certificate, ca: X509Certificate): boolean =>
  leaf.checkIssued(ca) && leaf.verify(ca.publicKey);

/** Unique live CA certificates (by fingerprint) that `admit`, other than `except`, bounded. */
export function keepable(
  pems: readonly string[],
  now: number,
  admit: (cert: X509Certificate) => boolean,
  except?: X509Certificate,
): string[] {
  const seen = new Set(except ? [except.fingerprint256] : []);
  const kept: string[] = [];
  for (const cert of pems.flatMap(parseCertificates)) {
    if (!cert.ca || !live(cert, now) || seen.has(cert.fingerprint256) || !admit(cert)) continue;
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

/** What the rules after the CA and leaf checks look at. */
export interface Facts {
  state: TlsState;
  published: readonly string[];
  now: number;
  p: PlanPolicy;
  ca: X509Certificate;
  /** The vouched, live previous CAs (bounded). */
  previous: string[];
  /** The serving certificate is signed by `ca` (not by a previous CA). */
  onCurrent: boolean;
  leafDueAt: number;
  caDueAt: number;
  /** A new leaf under `ca` would outlive the current one (else only a new CA helps). */
  extendable: boolean;
  /** A CA rotation (two overlaps) would see the leaf come due: renew it first. */
  soon: boolean;
  leafEnd: number;
}

type Rule = (f: Facts) => Step | undefined;

const leafDue: Rule = (f) =>
  f.onCurrent && f.extendable && (f.now >= f.leafDueAt || f.soon)
    ? { kind: 'issue-serving', reason: 'due' }
    : undefined;

const caDue: Rule = (f) =>
  f.onCurrent && f.now >= f.caDueAt
    ? {
        kind: 'new-ca',
        reason: 'due',
        previous: keepable([f.ca.toString(), ...f.previous], f.now, () => true),
      }
    : undefined;

const dropStale: Rule = (f) =>
  f.previous.length !== f.state.previous.length
    ? { kind: 'drop-previous', keep: f.previous }
    : undefined;

const publish: Rule = (f) => {
  const desired = bundleOf({ ...f.state, previous: f.previous });
  const want = fingerprints(desired);
  return f.published.some((b) => fingerprints(b) !== want)
    ? { kind: 'publish', bundle: desired }
    : undefined;
};

const markPublished: Rule = (f) =>
  f.state.bundlePublishedAt === undefined ? { kind: 'mark-published' } : undefined;

const switchLeaf: Rule = (f) => {
  if (f.onCurrent) return undefined;
  const at = f.state.bundlePublishedAt! + f.p.overlapMs;
  return f.now >= at ? { kind: 'issue-serving', reason: 'switch' } : { kind: 'wait', atMs: at };
};

const dropOrWait: Rule = (f) => {
  const waits = [f.caDueAt, f.leafDueAt, ...f.previous.flatMap(parseCertificates).map(expiry)];
  if (f.previous.length > 0) {
    const at = (f.state.servingIssuedAt ?? f.state.bundlePublishedAt!) + f.p.overlapMs;
    if (f.now >= at) return { kind: 'drop-previous', keep: [] };
    waits.push(at);
  }
  return { kind: 'wait', atMs: Math.min(...waits) };
};

/** In order: the first rule with a step wins; the last always has one. */
export const RULES: readonly Rule[] = [
  leafDue,
  caDue,
  dropStale,
  publish,
  markPublished,
  switchLeaf,
  dropOrWait,
];
