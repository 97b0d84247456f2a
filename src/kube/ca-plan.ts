// The next step of the self-managed CA, from the Secret's state, the bundles the webhook
// configurations carry now and the clock: pure, so every ordering rule is tested without a
// cluster. The rules keep one invariant: the API server trusts the CA of the certificate every
// replica serves. So a new CA enters the bundle first; the serving certificate moves to it only
// once that bundle has been in the configurations for `overlapMs` (the API servers have seen it);
// the old CA leaves the bundle only `overlapMs` after that (every replica serves the new pair).
//
// Whoever may patch the Secret must not get a CA of theirs into the caBundle: a CA of the Secret
// is used only when a configuration's caBundle already trusts it (those are cluster-scoped; a
// namespaced user cannot write them) or this keeper made it: anything else is replaced. A CA
// someone adds to a caBundle is written out again at the next pass (publish); only a CA rotation
// that starts meanwhile keeps it, as it keeps every CA the caBundle trusts, for one overlap.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { isIP } from 'node:net';
import { parseCertificates, type Pair, type TlsState } from './ca-material.js';
import {
  expiry,
  keepable,
  live,
  RULES,
  signedBy,
  type Facts,
  type PlanPolicy,
  type Step,
} from './ca-rules.js';

export { MAX_PREVIOUS, type PlanPolicy, type Step } from './ca-rules.js';

export interface PlanInput {
  state: TlsState;
  /**
   * The caBundle (PEM) of every webhook of every configuration the keeper writes; none (no
   * configuration named, or none exists) means nothing to publish to.
   */
  published: readonly string[];
  /** SHA-256 fingerprints of the CAs this keeper made: trusted before they are published. */
  issued: ReadonlySet<string>;
}

const covers = (leaf: X509Certificate, name: string): boolean =>
  isIP(name) === 0
    ? leaf.checkHost(name, { subject: 'never' }) !== undefined
    : leaf.checkIP(name) !== undefined;

/** The certificate of a pair whose key matches it, or undefined. */
function certOf(pair: Pair | undefined): X509Certificate | undefined {
  if (!pair) return undefined;
  try {
    const cert = new X509Certificate(pair.cert);
    return cert.checkPrivateKey(createPrivateKey(pair.key)) ? cert : undefined;
  } catch {
    return undefined;
  }
}

/** True for a CA the cluster trusts already (a published caBundle) or this keeper made. */
function voucher(input: PlanInput): (cert: X509Certificate) => boolean {
  const trusted = new Set(input.published.flatMap(parseCertificates).map((c) => c.fingerprint256));
  return (cert) => trusted.has(cert.fingerprint256) || input.issued.has(cert.fingerprint256);
}

/** A new CA, keeping what the cluster trusts now while it takes over. */
function replaceCa(input: PlanInput, now: number, vouched: (c: X509Certificate) => boolean): Step {
  const { state, published } = input;
  const cert = certOf(state.ca);
  const usable = cert?.ca === true && live(cert, now);
  const reason = !state.ca ? 'missing' : usable ? 'untrusted' : 'unusable';
  // What the caBundle trusts stays trusted while the new CA takes over: the pods serve under it
  // (an upgrade from another TLS mode, or a CA planted in the Secret that they refused to serve).
  // A CA of the Secret that no caBundle carries and this keeper did not make is not kept.
  const carried = [...published, ...(state.ca ? [state.ca.cert] : []), ...state.previous];
  return { kind: 'new-ca', reason, previous: keepable(carried, now, vouched) };
}

function timesOf(ca: X509Certificate, leaf: X509Certificate, now: number, p: PlanPolicy) {
  const [leafEnd, caEnd] = [expiry(leaf), expiry(ca)];
  const leafDueAt = leafEnd - p.certValidityMs / 3;
  // A leaf never outlives its CA: one that cannot be extended any more needs a new CA.
  const extendable = leafEnd + 1000 < caEnd;
  const caRenewAt = caEnd - p.caValidityMs / 3;
  const caDueAt = extendable ? caRenewAt : Math.min(leafDueAt, caRenewAt);
  const soon = now >= caDueAt && leafEnd - now < p.certValidityMs / 3 + 2 * p.overlapMs;
  return { leafEnd, leafDueAt, caDueAt, extendable, soon };
}

/** The serving certificate when it is live, a leaf, and covers every name. */
function fittingLeaf(pair: Pair | undefined, now: number, p: PlanPolicy) {
  const leaf = certOf(pair);
  return leaf && !leaf.ca && live(leaf, now) && p.names.every((n) => covers(leaf, n))
    ? leaf
    : undefined;
}

/** The next step for `input` at `now`. */
export function planStep(input: PlanInput, now: number, p: PlanPolicy): Step {
  const { state } = input;
  const vouched = voucher(input);
  const ca = certOf(state.ca);
  if (!ca?.ca || !live(ca, now) || !vouched(ca)) return replaceCa(input, now, vouched);
  const previous = keepable(state.previous, now, vouched, ca);
  const trusted = [ca, ...previous.flatMap(parseCertificates)];
  const leaf = fittingLeaf(state.serving, now, p);
  if (!leaf) return { kind: 'issue-serving', reason: state.serving ? 'unusable' : 'missing' };
  if (!trusted.some((c) => signedBy(leaf, c)))
    return { kind: 'issue-serving', reason: 'untrusted' };
  const facts: Facts = {
    state,
    published: input.published,
    now,
    p,
    ca,
    previous,
    onCurrent: signedBy(leaf, ca),
    ...timesOf(ca, leaf, now, p),
  };
  for (const rule of RULES) {
    const step = rule(facts);
    if (step) return step;
  }
  throw new Error('unreachable: the last rule always returns a step');
}
