// What `notary-admission verify` tells its user: notation's text lines, or a JSON report, and
// the exit code (0 verified, 1 not verified, 2 usage or configuration error).
import {
  classifyRegistryError,
  loggedFailures,
  type ClassifiedFailure,
  type ComputedVerification,
  type DctVerification,
  type ImageInput,
  type ImageVerification,
  type PolicyVerdict,
} from './pipeline/index.js';
import type { ImageReference } from './registry/index.js';
import type { ArtifactOutcome, ValidationResult } from './verify/index.js';

export interface VerifyIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Exit codes shared with `notation verify`: 0 verified, 1 not verified, 2 usage or configuration error. */
export const EXIT = { OK: 0, NOT_VERIFIED: 1, USAGE: 2 } as const;

/** One validation of the signature that passed, as `--output json` reports it. */
export interface ValidationReport {
  type: ValidationResult['type'];
  action: ValidationResult['action'];
  result: 'passed' | 'failed' | 'skipped';
  code?: string;
  message?: string;
}

/** The outcome of one `verify`, the document `--output json` prints. */
export interface VerifyReport {
  /** The reference as given. */
  reference: string;
  /** The digest verified (a tag resolved to it); absent when it could not be resolved. */
  digest?: string;
  verified: boolean;
  /** The registry could not be asked (network, deadline, 5xx, 429, auth): no verdict was reached. */
  inconclusive: boolean;
  /** The trust policy statement that applied. */
  policy?: string;
  level?: string;
  /** The signature that passed, with every validation. */
  signature?: { digest: string; validations: ValidationReport[] };
  /** Why each evaluated signature failed. */
  failures: { signature: string; code: string; message: string }[];
  /** What text output prints as `Warning: …` on stderr. */
  warnings: string[];
  /** Why it was not verified (verification, registry or network). */
  error?: { code: string; message: string };
  /** Each signer group of a policy that has several (issue 14), in the policy's order. */
  groups?: GroupReport[];
  /** Docker Content Trust (issue 18): `--dct-server`, or a policy's `dct` that was asked. */
  dct?: DctReport;
}

/** The DCT part of a report: where the trust data came from and what it vouched for. */
export interface DctReport {
  server: string;
  /** The repository's name on the Notary server. */
  gun: string;
  /** The tag whose target vouches for the digest, and the role that signed it. */
  tag?: string;
  role?: string;
}

/** One signer group's account: the signature that passed it, or why none did. */
export interface GroupReport {
  name: string;
  verified: boolean;
  signature?: string;
  error?: { code: string; message: string };
}

/**
 * notation's warning for a tag, to the letter (`sha256:...` included: notation prints no digest
 * there; the success line and the JSON report name the one verified).
 */
export function tagWarning(ref: ImageReference): string {
  return (
    `Always verify the artifact using digest(@sha256:...) rather than a tag(:${ref.tag ?? 'latest'}) ` +
    'because resolved digest may not point to the same signed artifact, as tags are mutable.'
  );
}

function toValidation(r: ValidationResult): ValidationReport {
  if (r.action === 'skip') return { type: r.type, action: r.action, result: 'skipped' };
  if (!r.error) return { type: r.type, action: r.action, result: 'passed' };
  return {
    type: r.type,
    action: r.action,
    result: 'failed',
    code: r.error.code,
    message: r.error.message,
  };
}

/** notation's line for a validation that failed but is only logged at the policy's level. */
const loggedWarning = (r: ValidationResult): string =>
  `${r.type} was set to "log" and failed with error: ${r.error?.message ?? ''}`;

/** What is known before the verdict: the reference, the digest once resolved, warnings so far. */
export type ReportBase = Pick<VerifyReport, 'reference' | 'digest' | 'warnings'>;

/** The reference and digest first, so the JSON reads in the documented order. */
const head = (base: ReportBase) => ({
  reference: base.reference,
  ...(base.digest !== undefined && { digest: base.digest }),
});

/** The report of a verification that ran to a verdict. */
export function reportOutcome(base: ReportBase, outcome: ArtifactOutcome): VerifyReport {
  const results = outcome.signature?.results ?? [];
  const logged = loggedFailures(outcome);
  return {
    ...head(base),
    verified: outcome.verified,
    inconclusive: false,
    ...(outcome.policy && { policy: outcome.policy.name }),
    ...(outcome.level && { level: outcome.level }),
    ...(outcome.signature && {
      signature: { digest: outcome.signature.digest, validations: results.map(toValidation) },
    }),
    failures: outcome.failures.map((f) => ({
      signature: f.digest,
      code: f.error.code,
      message: f.error.message,
    })),
    warnings: [...base.warnings, ...logged.map(loggedWarning)],
    ...(outcome.error && { error: { code: outcome.error.code, message: outcome.error.message } }),
  };
}

/** The report of a verdict that is not a pass, as src/pipeline classified it. */
function reportFailure(base: ReportBase, failure: ClassifiedFailure): VerifyReport {
  return {
    ...head(base),
    verified: false,
    inconclusive: failure.result === 'inconclusive',
    failures: [],
    warnings: [...base.warnings],
    error: { code: failure.code, message: failure.reason },
  };
}

/**
 * The report when verification stopped on an error: inconclusive when the registry, the network
 * or the deadline stopped it; not when the registry answered (a tag that does not exist, junk).
 */
export function reportError(base: ReportBase, err: unknown): VerifyReport {
  const message = err instanceof Error ? err.message : String(err);
  return reportFailure(
    base,
    classifyRegistryError(err) ?? {
      result: 'inconclusive',
      code: 'INTERNAL_ERROR',
      reason: message,
    },
  );
}

/** The report of a policy's several signer groups: each group's account, then the verdict. */
function reportGroups(base: ReportBase, v: Extract<ImageVerification, { groups: unknown }>) {
  const groups = v.groups.groups.map(({ name, outcome }): GroupReport => {
    const { signature, error } = outcome;
    return {
      name,
      verified: outcome.verified,
      ...(signature && { signature: signature.digest }),
      ...(error && { error: { code: error.code, message: error.message } }),
    };
  });
  const verdict = v.verdict.verdict;
  return {
    ...head(base),
    verified: verdict.result === 'verified',
    inconclusive: false,
    failures: [],
    warnings: [...base.warnings, ...(verdict.result === 'verified' ? verdict.logged : [])],
    ...(verdict.result !== 'verified' && {
      error: { code: verdict.code, message: verdict.reason },
    }),
    groups,
  };
}

/** The report of one verification: the verifier's full account, or why the registry stopped it. */
export function reportVerification(base: ReportBase, v: ComputedVerification): VerifyReport {
  if ('dct' in v) return reportWithDct(base, v);
  if ('outcome' in v) return withVerdict(reportOutcome(base, v.outcome), v);
  if ('groups' in v) return reportGroups(base, v);
  return withVerdict(reportFailure(base, v.stopped), v);
}

/** Notation's account, then what Docker Content Trust said (issue 18): the verdict decides. */
function reportWithDct(base: ReportBase, v: DctVerification): VerifyReport {
  const notation = reportVerification(base, v.notation);
  const dct: DctReport | undefined =
    v.dct === 'window-closed'
      ? undefined
      : {
          server: v.policy.server,
          gun: v.dct.gun,
          ...(v.dct.verified && { tag: v.dct.target.name, role: v.dct.target.role }),
        };
  const report = { ...notation, ...(dct && { dct }) };
  const verdict = v.verdict.verdict;
  if (verdict.result !== 'verified') return withVerdict(report, v);
  const passed: VerifyReport = { ...report, verified: true, inconclusive: false };
  delete passed.error;
  return passed;
}

/**
 * A required referrer or a platform manifest (issue 14) can fail an image whose signatures
 * passed, or fail it definitively where they could not be had: the verdict has the last word.
 */
function withVerdict(report: VerifyReport, v: ComputedVerification): VerifyReport {
  const verdict = v.verdict.verdict;
  if (verdict.result === 'verified') return report;
  const error = { code: verdict.code, message: verdict.reason };
  return { ...report, verified: false, inconclusive: verdict.result === 'inconclusive', error };
}

/**
 * The report of a verdict the policy step reached before any signature was looked at: no
 * statement applies (notation's error), or one does not let its repository be verified yet.
 */
export function reportPolicyVerdict(
  base: ReportBase,
  verdict: PolicyVerdict<ImageInput>,
): VerifyReport {
  if (verdict.kind === 'failed')
    return reportFailure(base, { result: 'failed', code: verdict.code, reason: verdict.reason });
  // No statement, but the snapshot lets such images through unverified (never from notation's files).
  return {
    ...head(base),
    verified: true,
    inconclusive: false,
    policy: verdict.admission.policy,
    level: 'skip',
    failures: [],
    warnings: [...base.warnings],
  };
}

/** 0 when verified, 1 otherwise (a registry error included, as notation does). */
export const exitCodeOf = (report: VerifyReport): number =>
  report.verified ? EXIT.OK : EXIT.NOT_VERIFIED;

/** The artifact as notation names it (`registry/repository@digest`), else as it was given. */
function artifactName(report: VerifyReport, ref: ImageReference): string {
  const digest = report.digest ?? ref.digest;
  return digest === undefined ? report.reference : `${ref.registry}/${ref.repository}@${digest}`;
}

/** Prints a report as `notation verify` does: result on stdout, warnings and errors on stderr. */
export function printText(report: VerifyReport, ref: ImageReference, io: VerifyIo): void {
  for (const warning of report.warnings) io.err(`Warning: ${warning}\n`);
  const name = artifactName(report, ref);
  if (report.verified && report.level === 'skip')
    io.out(`Trust policy is configured to skip signature verification for ${name}\n`);
  else if (report.verified) io.out(`Successfully verified signature for ${name}\n`);
  else if (report.inconclusive)
    io.err(`Error: could not verify ${name}: ${report.error?.message} [${report.error?.code}]\n`);
  else
    io.err(
      `Error: signature verification failed: ${report.error?.message ?? 'not verified'} [${report.error?.code ?? 'UNKNOWN'}]\n`,
    );
}

/** Prints a report as one JSON document on stdout. */
export function printJson(report: VerifyReport, io: VerifyIo): void {
  io.out(`${JSON.stringify(report, null, 2)}\n`);
}

/** What tests inject: the clock and DNS. */
