// The per-image pipeline (architecture.md, "What flows through it"): policy → resolve → cache →
// signatures → verify. Every path ends in an ImageVerdict; nothing here throws to the caller, and
// nothing but a definitive verdict reaches the cache.
import { createHash } from 'node:crypto';
import { cacheKey, Singleflight, type VerdictCache } from '../cache/index.js';
import type { PolicyAdmission, Snapshot } from '../config/snapshot.types.js';
import {
  credentialsFingerprint,
  isRegistryError,
  parseReference,
  repositoryName,
  type CredentialLookup,
  type ImageReference,
  type RegistryClient,
} from '../registry/index.js';
import {
  selectTrustPolicy,
  type Descriptor,
  type RevocationChecker,
  type TrustPolicyStatement,
} from '../verify/index.js';
import { NO_POLICY, type ImageVerdict } from './decision.js';
import type { ImageAtPath } from './images.js';
import { computeVerdict, type CachedVerdict } from './verdict.js';

/** What the pipeline needs from the registry client. */
export type ImageRegistry = Pick<RegistryClient, 'resolve' | 'signatureCandidates'>;

export interface ImageVerifierOptions {
  registry: ImageRegistry;
  cache: VerdictCache<CachedVerdict>;
  revocation?: RevocationChecker;
  now?: () => number;
  /**
   * Budget of one verification shared by concurrent reviews. At least as long as any review's,
   * so a caller with a short deadline that happens to start it cannot cut it short for others.
   */
  verificationTimeoutMs?: number;
  /** Signatures evaluated per image (`--max-signatures`; src/verify's DEFAULT_MAX_SIGNATURES). */
  maxSignatures?: number;
  /** Told of each verification that ran (not of cache hits), for metrics and logs. */
  onVerification?: (event: { result: CachedVerdict['result']; seconds: number }) => void;
}

/** One review's view: its snapshot, namespace, and the deadline every image shares. */
export interface ReviewScope {
  snapshot: Snapshot;
  namespace: string | undefined;
  /** Aborts when the review's deadline passes or its caller goes away. */
  signal: AbortSignal;
  /** Absolute ms (same clock as `now`). */
  deadline: number;
  /** The pod's own registry credentials (`--pull-secrets`), asked before the service's. */
  credentials?: CredentialLookup;
}

export type VerifyImage = (image: ImageAtPath, scope: ReviewScope) => Promise<ImageVerdict>;

const UNGOVERNED: Pick<PolicyAdmission, 'policy' | 'onError'> = {
  policy: NO_POLICY,
  onError: 'Deny',
};

/** The verdict when the review's own deadline (or its caller) ended the wait on the registry. */
function abandoned(
  image: ImageAtPath,
  admission: PolicyAdmission,
  at: { registry: string; digest?: string },
): ImageVerdict {
  return {
    kind: 'inconclusive',
    image,
    ...(at.digest !== undefined && { digest: at.digest }),
    admission,
    code: 'TIMEOUT',
    reason: `registry timeout: ${at.registry} did not answer before the review deadline`,
  };
}

function fromRegistryError(
  err: unknown,
  image: ImageAtPath,
  admission: PolicyAdmission,
): ImageVerdict {
  if (!isRegistryError(err)) throw err;
  // The tag or repository does not exist (404), or the answer was junk: the registry answered,
  // so it is a definitive failure under the statement's action, never its onError (decision 3).
  const kind = err.kind === 'availability' ? 'inconclusive' : 'failed';
  return { kind, image, admission, code: err.code, reason: err.message };
}

/** An image governed by no statement: decision 4, default deny. */
function noPolicy(image: ImageAtPath, snapshot: Snapshot, repository: string): ImageVerdict {
  const admission = { ...UNGOVERNED, mutateDigest: false };
  if (snapshot.noMatch === 'Allow')
    return { kind: 'skipped', image, admission: { ...admission, action: 'Audit' } };
  return {
    kind: 'failed',
    image,
    admission: { ...admission, action: snapshot.noMatch === 'Warn' ? 'Warn' : 'Deny' },
    code: 'NO_APPLICABLE_POLICY',
    reason: `no trust policy applies to ${repository}`,
  };
}

function toImageVerdict(
  v: CachedVerdict,
  at: { image: ImageAtPath; digest: string },
  admission: PolicyAdmission,
  cached: boolean,
): ImageVerdict {
  const { image, digest } = at;
  switch (v.result) {
    case 'verified':
      return { kind: 'verified', image, digest, admission, logged: [...v.logged], cached };
    case 'failed':
    case 'inconclusive':
      return { kind: v.result, image, digest, admission, code: v.code, reason: v.reason };
  }
}

/**
 * The cache key: digest, then the policy revision, statement and repository (in normal form, so
 * every spelling of a registry shares one entry) as a JSON array: statement names may contain `/`,
 * so joining with a separator could make two keys one. Hashed to one flat 43-byte string (a
 * template literal would keep slices of the image reference alive per entry).
 */
export function verdictKey(digest: string, ...scope: readonly string[]): string {
  const key = cacheKey(digest, JSON.stringify(scope));
  return createHash('sha256').update(key).digest('base64url');
}

/** Creates the pipeline that turns one image of a review into its verdict. */
export function createImageVerifier(options: ImageVerifierOptions): VerifyImage {
  const now = options.now ?? Date.now;
  const budget = options.verificationTimeoutMs ?? 25_000;
  // Concurrent reviews naming the same tag share one HEAD; nothing is kept once it settles, so
  // every later review resolves the tag afresh (a tag is never trusted, T-37).
  const resolving = new Singleflight<Descriptor>();

  const resolve = async (ref: ImageReference, scope: ReviewScope): Promise<Descriptor | string> => {
    if (ref.digest !== undefined) return ref.digest;
    // Per identity: a pod resolves its tag with its own credentials, never rides on another's.
    const who = credentialsFingerprint(scope.credentials?.(ref.registry));
    const key = `${repositoryName(ref)}:${ref.tag ?? 'latest'}\n${who}`;
    const deadline = now() + budget;
    const call = { deadline, ...(scope.credentials && { credentials: scope.credentials }) };
    return resolving.do(
      key,
      (signal) => options.registry.resolve(ref, { signal, ...call }),
      scope.signal,
    ).result;
  };

  const verify = async (
    ref: ImageReference,
    artifact: Descriptor | string,
    policy: { statement: TrustPolicyStatement; scope: ReviewScope },
  ) => {
    const digest = typeof artifact === 'string' ? artifact : artifact.digest;
    const { snapshot, namespace } = policy.scope;
    const repository = repositoryName(ref);
    // Verdicts stay keyed by digest and policy, not by whose credentials fetched the signatures:
    // a signature is a property of the digest, so a verdict reached with pod A's pull secret may
    // serve pod B. Pulling is the kubelet's business, gated by B's own credentials. (Concurrent
    // first reviews share one verification: an inconclusive one is shared, never cached.)
    const key = verdictKey(digest, snapshot.revision, policy.statement.name, repository);
    const { credentials } = policy.scope;
    const registry: Pick<ImageRegistry, 'signatureCandidates'> = credentials
      ? {
          signatureCandidates: (r, a, o) =>
            options.registry.signatureCandidates(r, a, { ...o, credentials }),
        }
      : options.registry;
    return options.cache.get(
      key,
      async (signal) => {
        const started = now();
        const outcome = await computeVerdict({
          registry,
          ref,
          artifact,
          document: snapshot.documentFor(namespace),
          trustStores: snapshot.trustStores,
          signal,
          deadline: started + budget,
          now,
          ...(options.revocation && { revocation: options.revocation }),
          ...(options.maxSignatures !== undefined && { maxSignatures: options.maxSignatures }),
        });
        options.onVerification?.({
          result: outcome.verdict.result,
          seconds: (now() - started) / 1000,
        });
        return outcome;
      },
      { signal: policy.scope.signal },
    );
  };

  return async (image, scope) => {
    let ref: ImageReference;
    try {
      ref = parseReference(image.image);
    } catch (err) {
      // An unreadable reference cannot be pulled either: a definitive failure, always denied.
      const reason = err instanceof Error ? err.message : 'invalid image reference';
      const admission = { ...UNGOVERNED, action: 'Deny' as const, mutateDigest: false };
      return { kind: 'failed', image, admission, code: 'INVALID_REFERENCE', reason };
    }
    const repository = repositoryName(ref);
    const blocked = scope.snapshot.blocked?.(scope.namespace, repository);
    if (blocked) {
      const admission = {
        ...UNGOVERNED,
        policy: blocked.policy,
        action: 'Deny' as const,
        mutateDigest: false,
      };
      return { kind: 'failed', image, admission, code: 'POLICY_NOT_READY', reason: blocked.reason };
    }
    const statement = selectTrustPolicy(scope.snapshot.documentFor(scope.namespace), repository);
    if (!statement) return noPolicy(image, scope.snapshot, repository);
    const admission = scope.snapshot.admission(statement.name);
    // skip: no registry traffic at all, not even to resolve the tag.
    if (statement.signatureVerification.level === 'skip')
      return { kind: 'skipped', image, admission };

    let artifact: Descriptor | string;
    try {
      artifact = await resolve(ref, scope);
    } catch (err) {
      if (scope.signal.aborted) return abandoned(image, admission, { registry: ref.registry });
      return fromRegistryError(err, image, admission);
    }
    const digest = typeof artifact === 'string' ? artifact : artifact.digest;
    try {
      const result = await verify(ref, artifact, { statement, scope });
      return toImageVerdict(result.verdict, { image, digest }, admission, result.source === 'hit');
    } catch (err) {
      if (scope.signal.aborted)
        return abandoned(image, admission, { registry: ref.registry, digest });
      // A bug or an unexpected library error: fail closed, never cached, details in the logs.
      return {
        kind: 'inconclusive',
        image,
        digest,
        admission,
        code: 'INTERNAL_ERROR',
        reason: 'verification failed unexpectedly (see the webhook logs)',
        error: err,
      };
    }
  };
}
