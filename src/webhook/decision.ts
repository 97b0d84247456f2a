// Per-image verdicts → one AdmissionReview response. Pure. The trust policy's level decided what
// "verified" means; here the TrustPolicy's admission fields decide what a failure does:
// action Deny | Warn | Audit for definitive failures, onError Deny | Allow for inconclusive ones
// (architecture.md, standing decisions 2 and 3).
import type { ImageAtPath } from './images.js';

export type AdmissionAction = 'Deny' | 'Warn' | 'Audit';
export type OnError = 'Deny' | 'Allow';

export interface PolicyAdmission {
  /** The TrustPolicy (or notation statement) name, shown in messages. */
  policy: string;
  action: AdmissionAction;
  onError: OnError;
}

/** What happened to one image. `code` is the stable error code shown as `[CODE]`. */
export type ImageVerdict =
  | {
      kind: 'verified';
      image: ImageAtPath;
      digest: string;
      admission: PolicyAdmission;
      logged: string[];
    }
  | { kind: 'skipped'; image: ImageAtPath; admission: PolicyAdmission }
  | {
      kind: 'failed';
      image: ImageAtPath;
      digest?: string;
      admission: PolicyAdmission;
      code: string;
      reason: string;
    }
  | {
      kind: 'inconclusive';
      image: ImageAtPath;
      digest?: string;
      admission: PolicyAdmission;
      code: string;
      reason: string;
    };

export interface AdmissionDecision {
  allowed: boolean;
  /** The denial message: one clause per denied image, joined with "; ". */
  message?: string;
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

const MAX_WARNING = 256; // the API server truncates longer ones
const MAX_WARNINGS_TOTAL = 4 * 1024;

const shortDigest = (digest: string | undefined): string =>
  digest ? `${digest.slice(0, 'sha256:'.length + 12)}…` : 'digest unknown';

/** `spec.containers[0].image "ghcr.io/acme/api:1.4" (sha256:3f1c…)` */
const subject = (image: ImageAtPath, digest: string | undefined): string =>
  `${image.fieldPath} "${image.image}" (${shortDigest(digest)})`;

function clause(v: Extract<ImageVerdict, { kind: 'failed' | 'inconclusive' }>): string {
  const headline =
    v.kind === 'failed'
      ? `signature not trusted by policy "${v.admission.policy}"`
      : `could not verify under policy "${v.admission.policy}"`;
  return `${subject(v.image, v.digest)}: ${headline} — ${v.reason} [${v.code}]`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Keeps warnings inside what the API server passes on whole (256 each, 4 KiB in all). */
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

/** What one image contributes: a denial clause, a warning, an audit annotation, or nothing. */
function contribution(v: ImageVerdict): { deny?: string; warn?: string; audit?: string } {
  switch (v.kind) {
    case 'verified': {
      const audit = `verified ${v.digest} policy=${v.admission.policy}`;
      if (v.logged.length === 0) return { audit };
      return {
        audit,
        warn: `${subject(v.image, v.digest)}: verified with logged failures: ${v.logged.join(', ')}`,
      };
    }
    case 'skipped':
      return { audit: `not verified: policy ${v.admission.policy} skips verification` };
    case 'failed': {
      const text = clause(v);
      if (v.admission.action === 'Deny') return { deny: text, audit: `denied [${v.code}]` };
      if (v.admission.action === 'Warn') return { warn: text, audit: `warned [${v.code}]` };
      return { audit: `audited [${v.code}] ${v.reason}` };
    }
    case 'inconclusive': {
      const text = clause(v);
      if (v.admission.onError === 'Deny')
        return { deny: text, audit: `inconclusive, denied [${v.code}]` };
      return { warn: text, audit: `inconclusive, allowed by onError [${v.code}]` };
    }
  }
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
    if (c.warn) warnings.push(c.warn);
    // Keys are plain qualified names; the API server prefixes the webhook name.
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
