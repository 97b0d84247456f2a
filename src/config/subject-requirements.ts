// The referrer and platform fields of a statement (issue 14, items 3 and 5), as a TrustPolicy's
// spec or a `--config` file's `policies.<statement>` entry gives them: `requiredReferrers`,
// `signedSubject`, `platforms`. One reader for both sources, strict: a misspelt field silently
// dropped would admit an image without its SBOM. The CRD schema checks the same at write time.
import type { TrustPolicyStatement } from '../verify/index.js';
import type { ReferrerRequirement, SignedSubject, SignerGroup } from './snapshot.types.js';

export const SUBJECT_FIELDS = ['requiredReferrers', 'signedSubject', 'platforms'] as const;
export const SIGNED_SUBJECTS: readonly SignedSubject[] = ['Index', 'EachPlatform', 'Either'];

/** Bounds the CRD schema states too (charts/notary-admission/crds/trustpolicies…yaml). */
export const MAX_REQUIRED_REFERRERS = 16;
export const MAX_PLATFORM_FILTERS = 32;
const MAX_AGE_LIMIT_SECONDS = 3650 * 86_400;

/** A media type (RFC 6838 names), as OCI artifact types are written. */
export const ARTIFACT_TYPE =
  /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
/** `168h`, `7d`, `1h30m`: whole days, hours, minutes and seconds, in that order. */
export const MAX_AGE = /^(?=\d)(?:(\d{1,5})d)?(?:(\d{1,6})h)?(?:(\d{1,8})m)?(?:(\d{1,9})s)?$/;
/** `os/arch[/variant]` as OCI platforms are written (lower case). */
export const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/;
const NOTARY_SIGNATURE = 'application/vnd.cncf.notary.signature';

export interface SubjectRequirementFields {
  referrers: ReferrerRequirement[];
  signedSubject: SignedSubject;
  platforms?: string[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const present = (value: unknown): boolean => value !== undefined && value !== null;

/** A maxAge in seconds, or undefined when it is not one (zero is not an age). */
export function parseMaxAge(text: string): number | undefined {
  const m = MAX_AGE.exec(text);
  if (!m || text === '') return undefined;
  const [d = 0, h = 0, min = 0, s = 0] = m.slice(1).map((v) => Number(v ?? 0));
  const seconds = ((d * 24 + h) * 60 + min) * 60 + s;
  return seconds > 0 && seconds <= MAX_AGE_LIMIT_SECONDS ? seconds : undefined;
}

const REFERRER_KEYS = ['artifactType', 'signer', 'maxAge'];

/** The problems of one requirement's members (its shape checked already). */
function referrerProblems(raw: Record<string, unknown>, at: string): string[] {
  const problems = Object.keys(raw)
    .filter((key) => !REFERRER_KEYS.includes(key))
    .map((key) => `${at}.${key}: unknown field (expected ${REFERRER_KEYS.join(', ')})`);
  const { artifactType, signer } = raw;
  if (typeof artifactType !== 'string' || !ARTIFACT_TYPE.test(artifactType))
    problems.push(`${at}.artifactType: must be a media type such as application/spdx+json`);
  else if (artifactType === NOTARY_SIGNATURE)
    problems.push(
      `${at}.artifactType: signatures are required through the signers, not as referrers`,
    );
  if (typeof signer !== 'string' || signer.length === 0 || signer.length > 63)
    problems.push(`${at}.signer: must name a signer group (1 to 63 characters)`);
  return problems;
}

function readReferrer(
  raw: unknown,
  at: string,
  problems: string[],
): ReferrerRequirement | undefined {
  if (!isRecord(raw)) {
    problems.push(`${at}: must be an object with artifactType, signer and optionally maxAge`);
    return undefined;
  }
  const own = referrerProblems(raw, at);
  const maxAge = raw['maxAge'];
  const maxAgeSeconds =
    present(maxAge) && typeof maxAge === 'string' ? parseMaxAge(maxAge) : undefined;
  if (present(maxAge) && maxAgeSeconds === undefined)
    own.push(`${at}.maxAge: must be a duration such as 168h, 7d or 1h30m (up to 3650d)`);
  problems.push(...own);
  if (own.length > 0) return undefined;
  return {
    artifactType: raw['artifactType'] as string,
    signer: raw['signer'] as string,
    ...(maxAgeSeconds !== undefined && { maxAgeSeconds }),
  };
}

function readReferrers(raw: unknown, where: string, problems: string[]): ReferrerRequirement[] {
  if (!present(raw)) return [];
  const at = `${where}.requiredReferrers`;
  if (!Array.isArray(raw) || raw.length > MAX_REQUIRED_REFERRERS) {
    problems.push(`${at}: must be a list of at most ${MAX_REQUIRED_REFERRERS} requirements`);
    return [];
  }
  const out = raw.flatMap((r, i) => readReferrer(r, `${at}[${i}]`, problems) ?? []);
  const keys = out.map((r) => `${r.artifactType}\n${r.signer}`);
  keys.forEach((k, i) => {
    if (keys.indexOf(k) !== i)
      problems.push(`${at}[${i}]: duplicates an earlier artifactType and signer`);
  });
  return out;
}

function readPlatforms(raw: unknown, where: string, problems: string[]): string[] | undefined {
  if (!present(raw)) return undefined;
  const at = `${where}.platforms`;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_PLATFORM_FILTERS) {
    problems.push(`${at}: must be a list of 1 to ${MAX_PLATFORM_FILTERS} platforms`);
    return undefined;
  }
  raw.forEach((p, i) => {
    if (typeof p !== 'string' || !PLATFORM.test(p))
      problems.push(`${at}[${i}]: must be os/arch or os/arch/variant, e.g. linux/arm64`);
  });
  return [...new Set(raw.filter((p): p is string => typeof p === 'string'))];
}

/**
 * Reads the three fields of `raw` (a spec or a config entry; other members are the caller's),
 * every problem named from `where` (`spec`, `config.json: policies.prod`). `level` is the
 * statement's: a `skip` statement verifies nothing, so requiring anything of it is refused.
 */
export function readSubjectRequirements(
  raw: Record<string, unknown>,
  where: string,
  level: string | undefined,
): { fields: SubjectRequirementFields; problems: string[] } {
  const problems: string[] = [];
  const referrers = readReferrers(raw['requiredReferrers'], where, problems);
  let signedSubject: SignedSubject = 'Index';
  if (present(raw['signedSubject'])) {
    const found = SIGNED_SUBJECTS.find((s) => s === raw['signedSubject']);
    if (found === undefined)
      problems.push(
        `${where}.signedSubject: ${JSON.stringify(raw['signedSubject'])} is not one of ${SIGNED_SUBJECTS.join(', ')}`,
      );
    signedSubject = found ?? 'Index';
  }
  const platforms = readPlatforms(raw['platforms'], where, problems);
  if (platforms !== undefined && signedSubject === 'Index')
    problems.push(`${where}.platforms: applies only with signedSubject EachPlatform or Either`);
  if (level === 'skip')
    for (const field of SUBJECT_FIELDS)
      if (present(raw[field]))
        problems.push(
          `${where}.${field}: a policy with level skip verifies nothing, so requires nothing`,
        );
  return { fields: { referrers, signedSubject, ...(platforms && { platforms }) }, problems };
}

/** Requirements naming a signer group the statement does not have (`groups`: their names). */
export function unknownSigners(
  referrers: readonly ReferrerRequirement[],
  groups: readonly string[],
  where: string,
): string[] {
  return referrers.flatMap((r, i) =>
    groups.includes(r.signer)
      ? []
      : [
          `${where}.requiredReferrers[${i}].signer: "${r.signer}" is not a signer group of this policy (${groups.join(', ')})`,
        ],
  );
}

/**
 * The three fields of a statement compiled against its signer groups (compileRequirements):
 * every requirement must name one of them, checked only once the groups themselves compiled.
 */
export function compileSubjectFields(
  policy: TrustPolicyStatement,
  raw: Readonly<Record<string, unknown>>,
  signers: { signers: readonly SignerGroup[]; problems: readonly string[] },
  where: string,
): { fields: SubjectRequirementFields; problems: string[] } {
  const read = readSubjectRequirements(raw, where, policy.signatureVerification.level);
  const names = signers.signers.map((g) => g.name);
  const unknown =
    signers.problems.length === 0 ? unknownSigners(read.fields.referrers, names, where) : [];
  return { fields: read.fields, problems: [...read.problems, ...unknown] };
}
