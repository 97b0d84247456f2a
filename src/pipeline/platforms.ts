// Multi-arch subjects (issue 14, item 5): what must carry the signatures (and required
// referrers) of an image index. `Index` (the default) verifies the digest the Pod names, as
// `notation verify` of the index digest does, at no extra cost. `EachPlatform` verifies every
// platform manifest the index lists: the webhook cannot know which node, hence which platform,
// will pull it, so all of them (narrowed by the statement's `platforms`). `Either` admits when
// the index passes, or else when every platform does. The index is fetched once.
import type { Outcome } from '../cache/index.js';
import type { SignedSubject } from '../config/snapshot.types.js';
import type {
  CallOptions,
  ImageReference,
  OciDescriptor,
  RegistryClient,
} from '../registry/index.js';
import type { Descriptor } from '../verify/index.js';
import { platformLabel, selectPlatforms } from './platform-select.js';

export {
  MAX_PLATFORMS,
  platformLabel,
  selectPlatforms,
  type PlatformCode,
} from './platform-select.js';
import { joinClauses } from './referrer-verdict.js';
import {
  CLEAN_VERDICT,
  classifyRegistryError,
  type CachedVerdict,
  type ClassifiedFailure,
} from './verdict.js';

/** Platform manifests verified at once. */
const CONCURRENCY = 4;

/** One subject's verification as the caller runs it, and how it reads as a verdict. */
export interface SubjectsOptions<T> {
  registry: Pick<RegistryClient, 'platforms'>;
  ref: ImageReference;
  /** What the Pod names: a resolved descriptor, or a digest reference's digest. */
  artifact: Descriptor | string;
  mode: SignedSubject;
  /** `os/arch[/variant]` filter for EachPlatform and Either (absent: every platform). */
  platforms?: readonly string[];
  call: CallOptions;
  verify: (subject: Descriptor | string) => Promise<T>;
  verdictOf: (result: T) => Outcome<CachedVerdict>;
}

export interface SubjectResult<T> {
  /** `index`, or the platform (`linux/arm64/v8`, `(no platform)`). */
  label: string;
  digest: string;
  result: T;
}

export interface SubjectsOutcome<T> {
  verdict: Outcome<CachedVerdict>;
  subjects: SubjectResult<T>[];
}

const failure = (code: string, reason: string): Outcome<CachedVerdict> => ({
  kind: 'failed',
  verdict: { result: 'failed', code, reason },
});

/** Runs `fn` over `items`, at most CONCURRENCY at once, results in order. */
async function pooled<A, R>(items: readonly A[], fn: (a: A) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return out;
}

/** Every platform must pass: the first failure (else inconclusive) names its platform. */
function combinePlatforms<T>(
  results: readonly SubjectResult<T>[],
  verdictOf: (r: T) => Outcome<CachedVerdict>,
): Outcome<CachedVerdict> {
  const verdicts = results.map((r) => ({ r, v: verdictOf(r.result) }));
  for (const kind of ['failed', 'inconclusive'] as const) {
    const bad = verdicts.find((x) => x.v.kind === kind);
    if (bad && bad.v.verdict.result !== 'verified') {
      const { code, reason } = bad.v.verdict;
      const at = `platform ${bad.r.label} (${bad.r.digest.slice(0, 19)})`;
      return { kind, verdict: { result: kind, code, reason: `${at}: ${reason}` } };
    }
  }
  const logged = verdicts.flatMap(({ r, v }) =>
    v.verdict.result === 'verified' ? v.verdict.logged.map((l) => `${r.label}: ${l}`) : [],
  );
  const validUntil = Math.min(
    ...verdicts.map(({ v }) => (v.kind === 'verified' ? v.validUntil : Infinity)),
  );
  const verdict: CachedVerdict =
    logged.length === 0 ? CLEAN_VERDICT : { result: 'verified', logged };
  return { kind: 'verified', verdict, validUntil };
}

async function eachPlatform<T>(
  o: SubjectsOptions<T>,
  manifests: readonly OciDescriptor[],
): Promise<SubjectsOutcome<T>> {
  const selected = selectPlatforms(manifests, o.platforms);
  if ('code' in selected) return { verdict: failure(selected.code, selected.reason), subjects: [] };
  const subjects = await pooled(selected.chosen, async (d) => ({
    label: platformLabel(d),
    digest: d.digest,
    result: await o.verify({ mediaType: d.mediaType, digest: d.digest, size: d.size }),
  }));
  return { verdict: combinePlatforms(subjects, o.verdictOf), subjects };
}

/** A verdict that did not pass, as a failure (verified cannot reach here). */
const failureOf = (v: Outcome<CachedVerdict>): ClassifiedFailure =>
  v.verdict.result === 'verified'
    ? { result: 'failed', code: 'INTERNAL_ERROR', reason: 'a passing verdict read as a failure' }
    : v.verdict;

/**
 * The verdict of `Either` once the index did not pass: the platforms' when they all did; else
 * inconclusive when either side could still have passed, failed otherwise, naming both sides.
 */
function either<T>(index: SubjectsOutcome<T>, platforms: SubjectsOutcome<T>): SubjectsOutcome<T> {
  const subjects = [...index.subjects, ...platforms.subjects];
  if (platforms.verdict.kind === 'verified') return { verdict: platforms.verdict, subjects };
  const inconclusive = [index, platforms].some((s) => s.verdict.kind === 'inconclusive');
  const kind = inconclusive ? 'inconclusive' : 'failed';
  const { code, reason } = joinClauses([
    { ...failureOf(index.verdict), reason: `index: ${failureOf(index.verdict).reason}` },
    {
      ...failureOf(platforms.verdict),
      reason: `nor every platform: ${failureOf(platforms.verdict).reason}`,
    },
  ]);
  return { verdict: { kind, verdict: { result: kind, code, reason } }, subjects };
}

/**
 * Verifies the subjects the statement's `signedSubject` names and combines their verdicts (the
 * earliest `validUntil` of all it relied on). A single-platform image is its own subject in
 * every mode. Registry errors of the index fetch propagate for the caller to classify.
 */
export async function verifySubjects<T>(o: SubjectsOptions<T>): Promise<SubjectsOutcome<T>> {
  const digestOf = (a: Descriptor | string) => (typeof a === 'string' ? a : a.digest);
  const whole = async (artifact: Descriptor | string): Promise<SubjectsOutcome<T>> => {
    const result = await o.verify(artifact);
    const subjects = [{ label: 'index', digest: digestOf(artifact), result }];
    return { verdict: o.verdictOf(result), subjects };
  };
  if (o.mode === 'Index') return whole(o.artifact);
  const { artifact, manifests } = await o.registry.platforms(o.ref, o.artifact, o.call);
  if (manifests.length === 0) return whole(artifact);
  if (o.mode === 'EachPlatform') return eachPlatform(o, manifests);
  const index = await whole(artifact);
  if (index.verdict.kind === 'verified') return index;
  return either(index, await eachPlatform(o, manifests));
}

type Stopped = { stopped: ClassifiedFailure; verdict: Outcome<CachedVerdict> };

/**
 * `verifySubjects` for results that carry their own verdict (src/pipeline's ImageVerification):
 * one subject's result as it is; else the account of the first subject whose verdict is the
 * combined one's kind, with the combined verdict and every subject's result. A registry error
 * fetching the index, or platforms that cannot be chosen, is a `stopped` result.
 */
export async function verifyBySubject<T extends { verdict: Outcome<CachedVerdict> }>(
  o: Omit<SubjectsOptions<T>, 'verdictOf'>,
): Promise<(T & { subjects?: SubjectResult<T>[] }) | Stopped> {
  let out: SubjectsOutcome<T>;
  try {
    out = await verifySubjects({ ...o, verdictOf: (r) => r.verdict });
  } catch (err) {
    const stopped = classifyRegistryError(err);
    if (stopped === undefined) throw err;
    return { stopped, verdict: { kind: stopped.result, verdict: stopped } };
  }
  const { verdict, subjects } = out;
  if (subjects.length === 0) return { stopped: failureOf(verdict), verdict };
  // The image as its own subject: its account and verdict as they are.
  if (subjects.length === 1 && subjects[0]!.label === 'index') return subjects[0]!.result;
  const lead = subjects.find((s) => s.result.verdict.kind === verdict.kind) ?? subjects[0]!;
  return { ...lead.result, verdict, subjects };
}
