// Per-image verdicts → one AdmissionReview response. Pure. The trust policy's level decided what
// "verified" means; here the TrustPolicy's admission fields decide what a failure does:
// action Deny | Warn | Audit for definitive failures, onError Deny | Allow for inconclusive ones
// (architecture.md, standing decisions 2 and 3).
import {
  NO_POLICY,
  type DctPass,
  type ImageVerdict as PipelineVerdict,
} from '../pipeline/index.js';
import type { ImageAtPath } from './images.js';

export type { AdmissionAction, OnError, PolicyAdmission } from '../config/snapshot.types.js';

/** What happened to one image of a review (src/pipeline's verdict, at its field path). */
export type ImageVerdict = PipelineVerdict<ImageAtPath>;

export interface AdmissionDecision {
  allowed: boolean;
  /** The denial message: one clause per denied image, joined with "; ". */
  message?: string;
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

// The API server truncates warnings at 256; its docs ask for 120 (reliability.md §1.2). Details
// go to the audit annotations and logs.
const MAX_WARNING = 120;
const MAX_WARNINGS_TOTAL = 4 * 1024;

const shortDigest = (digest: string | undefined): string =>
  digest ? `${digest.slice(0, 'sha256:'.length + 12)}…` : 'digest unknown';

/** `spec.containers[0].image "ghcr.io/acme/api:1.4" (sha256:3f1c…)` */
const subject = (image: ImageAtPath, digest: string | undefined): string =>
  `${image.fieldPath} "${image.image}" (${shortDigest(digest)})`;

/**
 * Codes whose reason is the whole sentence, naming the policy itself: they are not about a
 * signature, so "signature not trusted" or "could not verify" would mislead.
 */
const SELF_EXPLAINED: ReadonlySet<string> = new Set([
  'POLICY_NOT_READY',
  'DIGEST_REQUIRED',
  'NAMESPACE_UNKNOWN',
]);

/** What a warning says the image is (the code follows in brackets). */
const WARNED_AS: Readonly<Record<string, string>> = { DIGEST_REQUIRED: 'not pinned to a digest' };

/** Codes that say nothing about a signature, nor about the registry's availability. */
const NOT_ABOUT_SIGNATURES: ReadonlySet<string> = new Set(['NOT_ALLOWED', 'INTERNAL_ERROR']);

/**
 * An inconclusive verdict that `onError: Allow` may not admit: a bug is not the registry being
 * unavailable, and fails closed whatever the policy says.
 */
const isBug = (v: ImageVerdict): boolean =>
  v.kind === 'inconclusive' && v.code === 'INTERNAL_ERROR';

/** `policy "prod"` (the cluster's TrustPolicy), or `namespace policy "team-a/signer"` (issue 17). */
const policyOf = (v: ImageVerdict): string =>
  `${v.layer === 'namespace' ? 'namespace policy' : 'policy'} "${v.admission.policy}"`;

function clause(v: Extract<ImageVerdict, { kind: 'failed' | 'inconclusive' }>): string {
  // No statement governs the image (or its reference is unreadable): the reason says it all.
  if (v.admission.policy === NO_POLICY || SELF_EXPLAINED.has(v.code))
    return `${subject(v.image, v.digest)}: ${v.reason} [${v.code}]`;
  const headline = NOT_ABOUT_SIGNATURES.has(v.code)
    ? `not verified under ${policyOf(v)}`
    : v.kind === 'failed'
      ? `signature not trusted by ${policyOf(v)}`
      : `could not verify under ${policyOf(v)}`;
  return `${subject(v.image, v.digest)}: ${headline} — ${v.reason} [${v.code}]`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Keeps warnings inside what the API server passes on whole (120 each asked, 4 KiB in all). */
function boundWarnings(warnings: string[]): string[] {
  const out: string[] = [];
  let total = 0;
  for (const w of warnings.map((x) => truncate(x, MAX_WARNING))) {
    if (total + w.length > MAX_WARNINGS_TOTAL) {
      out.push(`${warnings.length - out.length} more warnings not shown`);
      break;
    }
    out.push(w);
    total += w.length;
  }
  return out;
}

/** A short warning (the API server asks for 120 characters); the audit annotation has the rest. */
const warning = (v: ImageVerdict, what: string): string =>
  `${v.image.fieldPath}: ${what} (${policyOf(v)})`;

/** Inconclusive: onError decides, except for a bug, which is always denied. */
function inconclusive(v: Extract<ImageVerdict, { kind: 'inconclusive' }>): {
  deny?: string;
  warn?: string;
  audit: string;
} {
  const text = clause(v);
  if (v.admission.onError === 'Deny' || isBug(v))
    return { deny: text, audit: `inconclusive, denied [${v.code}]` };
  return {
    warn: warning(v, `could not verify [${v.code}], allowed by onError`),
    audit: `inconclusive, allowed by onError: ${text}`,
  };
}

/** Which layer's policy an audit note names (issue 17). */
const auditKey = (v: ImageVerdict): string =>
  v.layer === 'namespace' ? 'namespace-policy' : 'policy';

interface Contribution {
  deny?: string;
  warn?: string;
  audit?: string;
}

/** Docker Content Trust passed it, not Notation (issue 18): the audit note says so, with the role. */
const dctNote = (dct: DctPass | undefined): string =>
  dct === undefined ? '' : ` signature=dct role=${dct.role} tag=${dct.tag}`;

/** What one layer's verdict contributes: a denial clause, a warning, an audit note, or nothing. */
function layerContribution(v: ImageVerdict): Contribution {
  switch (v.kind) {
    case 'verified': {
      const cached = v.cached === true ? ' cache-hit' : '';
      // A registry mirror entry governed the image: which of its hosts served it (issue 15).
      const host = v.host === undefined ? '' : ` from=${v.host}`;
      const audit = `verified ${v.digest} ${auditKey(v)}=${v.admission.policy}${dctNote(v.dct)}${host}${cached}`;
      if (v.logged.length === 0) return { audit };
      const logged = v.logged.join(', ');
      return {
        audit: `${audit} logged failures: ${logged}`,
        warn: warning(v, `verified with logged failures: ${logged}`),
      };
    }
    case 'skipped':
      return { audit: `not verified: ${policyOf(v)} skips verification` };
    case 'failed': {
      const text = clause(v);
      if (v.admission.action === 'Deny') return { deny: text, audit: `denied [${v.code}]` };
      const audit = `${v.admission.action === 'Warn' ? 'warned' : 'audited'}: ${text}`;
      if (v.admission.action === 'Warn')
        return {
          warn: warning(
            v,
            `${WARNED_AS[v.code] ?? 'not verified'} [${v.code}], allowed by action Warn`,
          ),
          audit,
        };
      return { audit };
    }
    case 'inconclusive':
      return inconclusive(v);
  }
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * What one image contributes: each layer's part (issue 17: a denial from either denies; both
 * warn and note), or, when a TrustPolicyException admitted it, a warning and a note naming the
 * exception and what it overrode instead of the denial.
 */
function contribution(v: ImageVerdict): Omit<Contribution, 'warn'> & { warns: string[] } {
  // Plain loops over at most two parts: this runs for every image of every review (issue 20).
  const parts = v.also ? [layerContribution(v), layerContribution(v.also)] : [layerContribution(v)];
  const audits: string[] = [];
  const denials: string[] = [];
  const warns: string[] = [];
  for (const p of parts) {
    if (p.audit) audits.push(p.audit);
    if (p.deny) denials.push(p.deny);
    if (p.warn) warns.push(p.warn);
  }
  const audit = audits.join('; ');
  const deny = denials.join('; ');
  if (v.exception) {
    const e = v.exception;
    const name = `${e.namespace}/${e.name}`;
    const code = 'code' in v ? ` [${v.code}]` : '';
    return {
      warns: [
        `${v.image.fieldPath}: admitted by TrustPolicyException ${name} until ${iso(e.expiresAt)}${code}`,
      ],
      audit: `admitted by TrustPolicyException ${name} (until ${iso(e.expiresAt)}; reason: ${e.reason}) despite: ${deny || audit}`,
    };
  }
  const out: Omit<Contribution, 'warn'> & { warns: string[] } = { warns };
  if (deny) out.deny = deny;
  if (audit) out.audit = audit;
  return out;
}

/**
 * Combines the verdicts of every image of a request (and any field paths whose shape could not
 * be read, which are always denied) into the response the API server receives.
 */
export function decide(
  verdicts: readonly ImageVerdict[],
  problems: readonly string[] = [],
): AdmissionDecision {
  const denials = problems.map(
    (p) => `${p}: no image reference can be read here [IMAGE_UNREADABLE]`,
  );
  const warnings: string[] = [];
  const auditAnnotations: Record<string, string> = {};
  verdicts.forEach((v, i) => {
    const c = contribution(v);
    if (c.deny) denials.push(c.deny);
    warnings.push(...c.warns);
    // Keys are plain qualified names; the API server prefixes the webhook name.
    // Issue 17: the break-glass record, by name, for whoever reads the audit log.
    if (v.exception)
      auditAnnotations[`exception-${i}`] = `${v.exception.namespace}/${v.exception.name}`;
    if (c.audit)
      auditAnnotations[`image-${i}`] = truncate(
        `${v.image.fieldPath} ${v.image.image}: ${c.audit}`,
        1024,
      );
  });
  return {
    allowed: denials.length === 0,
    ...(denials.length > 0 && { message: denials.join('; ') }),
    warnings: boundWarnings(warnings),
    auditAnnotations,
  };
}
