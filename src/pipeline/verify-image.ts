// The per-image pipeline (architecture.md, "What flows through it"): policy → resolve → cache →
// signatures → verify. Every path ends in an ImageVerdict; nothing here throws to the caller, and
// nothing but a definitive verdict reaches the cache.
import type { VerdictCache } from '../cache/index.js';
import type { PolicyAdmission, PolicyRequirements, Snapshot } from '../config/snapshot.types.js';
import {
  parseReference,
  repositoryName,
  type CredentialLookup,
  type ImageReference,
  type Located,
  type RegistryClient,
} from '../registry/index.js';
import type { Descriptor, RevocationChecker, TrustPolicyStatement } from '../verify/index.js';
import type { ImageInput, ImageVerdict } from './image-verdict.js';
import { verdictKey } from './key.js';
import { choosePolicy, invalidReference } from './policy.js';
import { createTagResolver } from './resolve.js';
import { classifyRegistryError, type CachedVerdict } from './verdict.js';
import { computeVerification } from './compute.js';
import type { DctContext } from './dct-context.js';
import {
  boundRegistry,
  createArtifactFinder,
  namingHost,
  type FoundArtifact,
  type MirrorRouting,
} from './mirror-step.js';

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
  /**
   * Registry mirrors (issue 15): an image their entries govern is looked for on the mirrors in
   * order (then the origin unless mirrorsOnly), and verified from the first host that has it.
   */
  mirrors?: MirrorRouting;
  /** The checker for a snapshot (its CRL bundle, issue 15); absent: `revocation` for all. */
  revocationFor?: (snapshot: Snapshot) => RevocationChecker | undefined;
  /** Told of each verification that ran (not of cache hits), for metrics and logs. */
  onVerification?: (event: { result: CachedVerdict['result']; seconds: number }) => void;
  /** Notary clients and TUF state for policies that accept Docker Content Trust (issue 18). */
  dct?: DctContext;
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

/** One image of a review → its verdict, handing the caller's image object back. */
export type VerifyImage = <I extends ImageInput>(
  image: I,
  scope: ReviewScope,
) => Promise<ImageVerdict<I>>;

/** The verdict when the review's own deadline (or its caller) ended the wait on the registry. */
function abandoned<I extends ImageInput>(
  image: I,
  admission: PolicyAdmission,
  at: { registry: string; digest?: string },
): ImageVerdict<I> {
  return {
    kind: 'inconclusive',
    image,
    ...(at.digest !== undefined && { digest: at.digest }),
    admission,
    code: 'TIMEOUT',
    reason: `registry timeout: ${at.registry} did not answer before the review deadline`,
  };
}

/**
 * The tag or repository does not exist (404), or the answer was junk: the registry answered,
 * so it is a definitive failure under the statement's action, never its onError (decision 3).
 */
function fromRegistryError<I extends ImageInput>(
  err: unknown,
  image: I,
  admission: PolicyAdmission,
): ImageVerdict<I> {
  const failure = classifyRegistryError(err);
  if (failure === undefined) throw err;
  return { kind: failure.result, image, admission, code: failure.code, reason: failure.reason };
}

function toImageVerdict<I extends ImageInput>(
  v: CachedVerdict,
  at: { image: I; digest: string; host?: string | undefined },
  admission: PolicyAdmission,
  cached: boolean,
): ImageVerdict<I> {
  const { image, digest, host } = at;
  switch (v.result) {
    case 'verified':
      return {
        kind: 'verified',
        image,
        digest,
        admission,
        logged: [...v.logged],
        cached,
        ...(host !== undefined && { host }),
        ...(v.dct && { dct: v.dct }),
      };
    case 'failed':
    case 'inconclusive':
      return { kind: v.result, image, digest, admission, code: v.code, reason: v.reason };
  }
}

/** Creates the pipeline that turns one image of a review into its verdict. */
export function createImageVerifier(options: ImageVerifierOptions): VerifyImage {
  const now = options.now ?? Date.now;
  const budget = options.verificationTimeoutMs ?? 25_000;
  const resolve = createTagResolver({ registry: options.registry, now, budgetMs: budget });
  // A mirror entry governs the reference: the first of its hosts that has the image.
  const find = createArtifactFinder({
    registry: options.registry,
    mirrors: options.mirrors,
    resolve,
    now,
    budgetMs: budget,
  });

  const verify = async (
    ref: ImageReference,
    artifact: Descriptor | string,
    policy: {
      statement: TrustPolicyStatement;
      requirements: PolicyRequirements;
      scope: ReviewScope;
      /** The mirror entry's host that has the image (mirror-step.ts). */
      located: Located | undefined;
    },
  ) => {
    const digest = typeof artifact === 'string' ? artifact : artifact.digest;
    const { snapshot, namespace, credentials } = policy.scope;
    const { located } = policy;
    const revocation = options.revocationFor ? options.revocationFor(snapshot) : options.revocation;
    // Verdicts stay keyed by digest and policy, not by whose credentials fetched the signatures:
    // a signature is a property of the digest, so a verdict reached with pod A's pull secret may
    // serve pod B. Pulling is the kubelet's business, gated by B's own credentials. (Concurrent
    // first reviews share one verification: an inconclusive one is shared, never cached.)
    // A policy accepting Docker Content Trust judges a tag-only reference by the tag's own
    // target (dct.ts): the tag is then part of what the verdict depends on.
    const tag = policy.requirements.dct && ref.digest === undefined ? [`tag:${ref.tag}`] : [];
    const key = verdictKey(
      digest,
      snapshot.revision,
      policy.statement.name,
      repositoryName(ref),
      ...tag,
    );
    return options.cache.get(
      key,
      async (signal) => {
        const started = now();
        const { verdict } = await computeVerification({
          registry: located ? boundRegistry(options.registry, ref, located) : options.registry,
          ref,
          artifact,
          document: snapshot.documentFor(namespace),
          trustStores: snapshot.trustStores,
          requirements: policy.requirements,
          signal,
          deadline: started + budget,
          now,
          ...(credentials && { credentials }),
          ...(revocation && { revocation }),
          ...(options.maxSignatures !== undefined && { maxSignatures: options.maxSignatures }),
          ...(options.dct && { dct: options.dct }),
        });
        options.onVerification?.({
          result: verdict.verdict.result,
          seconds: (now() - started) / 1000,
        });
        return located ? namingHost(verdict, located.endpoint) : verdict;
      },
      // The scope is the cache's options as it is: the cache reads its `signal` on a miss only,
      // and a review makes that signal on first read (src/webhook/review-end.ts).
      policy.scope,
    );
  };

  return async <I extends ImageInput>(image: I, scope: ReviewScope): Promise<ImageVerdict<I>> => {
    let ref: ImageReference;
    try {
      ref = parseReference(image.image);
    } catch (err) {
      return invalidReference(image, err);
    }
    const choice = choosePolicy(image, repositoryName(ref), scope);
    if ('verdict' in choice) return choice.verdict;
    const { statement, admission, requirements } = choice;
    // skip: no registry traffic at all, not even to resolve the tag.
    if (statement.signatureVerification.level === 'skip')
      return { kind: 'skipped', image, admission };

    let found: FoundArtifact;
    try {
      found = await find(ref, scope);
    } catch (err) {
      if (scope.signal.aborted) return abandoned(image, admission, { registry: ref.registry });
      return fromRegistryError(err, image, admission);
    }
    const { artifact, located } = found;
    const digest = typeof artifact === 'string' ? artifact : artifact.digest;
    try {
      const result = await verify(ref, artifact, { statement, requirements, scope, located });
      const host = located?.endpoint.host;
      return toImageVerdict(
        result.verdict,
        { image, digest, host },
        admission,
        result.source === 'hit',
      );
    } catch (err) {
      // A policy with `dct` may have been waiting on its Notary server rather than the registry.
      const waited = requirements.dct
        ? `${ref.registry} or Notary server ${requirements.dct.server}`
        : ref.registry;
      if (scope.signal.aborted) return abandoned(image, admission, { registry: waited, digest });
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
