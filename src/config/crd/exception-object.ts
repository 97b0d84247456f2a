// One TrustPolicyException (issue 17, break glass) → the PolicyException the review consults, or
// why it is not in force: invalid, longer than the cluster-set maximum, edited after creation, or
// expired. Pure: `now` is a parameter. The review checks the expiry again on every request, so
// an exception stops applying at its instant whatever this compile said (never cached).
import { normaliseRepositoryName } from '../../names/index.js';
import type { ExceptedImage, PolicyException } from '../snapshot.types.js';
import { compileSelector } from './selector.js';
import { MAX_EXCEPTED_IMAGES, type TrustPolicyExceptionObject } from './tenancy-types.js';
import type { ObjectVerdict } from './types.js';

export interface ExceptionOptions {
  now: Date;
  /** The longest an exception may run from its creation (`--max-exception-duration`). */
  maxMs: number;
}

export interface CompiledException {
  verdict: ObjectVerdict;
  /** Present while it is in force. */
  exception?: PolicyException;
}

const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const MAX_REASON = 1024;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

class Problem extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

const invalid = (message: string) => new Problem('InvalidSpec', message);

/** RFC 3339 → epoch ms. */
function instant(raw: unknown, at: string): number {
  const ms = typeof raw === 'string' && RFC3339.test(raw) ? Date.parse(raw) : NaN;
  if (!Number.isFinite(ms)) throw invalid(`${at}: must be an RFC 3339 time`);
  return ms;
}

/** An image entry's digest or tag, checked: exactly one of the two. */
function pin(raw: Record<string, unknown>, at: string): { tag?: string; digest?: string } {
  const { tag, digest } = raw;
  if ((tag === undefined) === (digest === undefined))
    throw invalid(`${at}: needs exactly one of digest or tag`);
  if (digest !== undefined) {
    if (typeof digest !== 'string' || !DIGEST.test(digest))
      throw invalid(`${at}.digest: must be sha256:<64 hex> (or sha512:<128 hex>)`);
    return { digest };
  }
  if (typeof tag !== 'string' || !TAG.test(tag))
    throw invalid(`${at}.tag: ${JSON.stringify(tag)} is not a tag`);
  if (raw['repository'] === undefined) throw invalid(`${at}.repository: required with a tag`);
  return { tag };
}

/** An image entry's repository, in normal form (as scopes, decision 9: a reviewer reads it). */
function repositoryOf(raw: unknown, at: string): string {
  const name = typeof raw === 'string' ? normaliseRepositoryName(raw) : undefined;
  if (!name?.ok) throw invalid(`${at}.repository: ${JSON.stringify(raw)} is not a repository`);
  if (name.value.name !== raw)
    throw invalid(`${at}.repository: not in normal form; write "${name.value.name}"`);
  return raw;
}

function image(raw: unknown, at: string): ExceptedImage {
  if (!isRecord(raw)) throw invalid(`${at}: must be an object`);
  const pinned = pin(raw, at);
  const repository = raw['repository'];
  return {
    ...(repository !== undefined && { repository: repositoryOf(repository, at) }),
    ...pinned,
  };
}

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

/** The spec checked: what it excepts, for whom, why, until when. */
function parse(object: TrustPolicyExceptionObject, options: ExceptionOptions) {
  const spec: unknown = object.spec;
  if (!isRecord(spec)) throw invalid('spec: must be an object');
  const list = spec['images'];
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_EXCEPTED_IMAGES)
    throw invalid(`spec.images: must list 1 to ${MAX_EXCEPTED_IMAGES} images`);
  const images = list.map((raw, i) => image(raw, `spec.images[${i}]`));
  if (spec['podSelector'] === undefined)
    throw invalid('spec.podSelector: required ({} covers every Pod of the namespace)');
  const selector = compileSelector(spec['podSelector']);
  if (!selector.ok) throw invalid(selector.message.replace(/^/, 'spec.podSelector: '));
  const reason = spec['reason'];
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > MAX_REASON)
    throw invalid(`spec.reason: required, at most ${MAX_REASON} characters`);
  return { images, covers: selector.matches, reason, expiresAt: lifetime(object, options) };
}

/** Its end: after its creation, within the maximum, and never edited since. */
function lifetime(object: TrustPolicyExceptionObject, options: ExceptionOptions): number {
  const expiresAt = instant(object.spec.expiresAt, 'spec.expiresAt');
  const created = instant(object.metadata.creationTimestamp, 'metadata.creationTimestamp');
  if (expiresAt <= created) throw invalid('spec.expiresAt: must be after its creation');
  if (expiresAt - created > options.maxMs)
    throw new Problem(
      'DurationTooLong',
      `spec.expiresAt: ${rfc3339(expiresAt)} is more than the cluster's maximum of ${options.maxMs / 1000} s after its creation (${rfc3339(created)})`,
    );
  // The spec is immutable (CEL): a generation past 1 means it changed anyway; trust none of it.
  if ((object.metadata.generation ?? 1) > 1)
    throw new Problem(
      'SpecChanged',
      'its spec was changed after creation; an exception is immutable: create a new one',
    );
  return expiresAt;
}

/** Compiles one exception: Active (with the PolicyException), or why not. */
export function compileException(
  object: TrustPolicyExceptionObject,
  options: ExceptionOptions,
): CompiledException {
  const observedGeneration = object.metadata.generation ?? 0;
  const verdict = (ready: boolean, reason: string, message: string): ObjectVerdict => ({
    ready,
    reason,
    message,
    observedGeneration,
  });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(object, options);
  } catch (err) {
    if (!(err instanceof Problem)) throw err;
    return { verdict: verdict(false, err.reason, err.message) };
  }
  const until = rfc3339(parsed.expiresAt);
  if (options.now.getTime() >= parsed.expiresAt)
    return { verdict: verdict(false, 'Expired', `expired at ${until}; it admits nothing`) };
  const { namespace, name, uid } = object.metadata;
  const count = `${parsed.images.length} image${parsed.images.length === 1 ? '' : 's'}`;
  return {
    verdict: verdict(true, 'Active', `admits ${count} until ${until}: ${parsed.reason}`),
    exception: {
      namespace,
      name,
      ...(uid !== undefined && { uid }),
      images: parsed.images,
      covers: parsed.covers,
      reason: parsed.reason,
      expiresAt: parsed.expiresAt,
    },
  };
}
