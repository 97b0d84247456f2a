// One AdmissionReview from body to answer: parse, pick the images, verify them in parallel inside
// one deadline, decide. Transport-free (the Fastify routes call it), so it is tested directly.
import type { PullSecretResolver, PullSecrets } from '../kube/pull-secrets.js';
import type { Snapshot } from '../config/snapshot.types.js';
import { applyExceptions, type VerifyImage } from '../pipeline/index.js';
import { credentialsFromDockerConfig, type CredentialLookup } from '../registry/index.js';
import type { Metrics, ReviewOperation } from '../telemetry/metrics.types.js';
import {
  AdmissionReviewError,
  parseAdmissionReview,
  type admissionReviewResponse,
  reviewBudgetMs,
  type AdmissionRequest,
} from './admission-review.js';
import type { WebhookCode } from './codes/index.js';
import { decide, type ImageVerdict } from './decision.js';
import { imagesToVerify, pullIdentityOf, type ImageAtPath } from './images.js';
import { namespaceUnknown, namespaceView, type NamespaceLabelsLookup } from './namespace-view.js';
import { requirePinned } from './pinning.js';
import { podLabelsOf } from './pod-labels.js';
import { ReviewEnd } from './review-end.js';
import { firstCode, logImages, respond, type Answer, type WebhookKind } from './review-answer.js';

export type { WebhookKind } from './review-answer.js';

/** The pino methods the handler uses (any pino Logger fits). */
export interface ReviewLogger {
  /** pino's: the review line's object is not built when its level is off. */
  isLevelEnabled?(level: 'info'): boolean;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ReviewHandlerOptions {
  verifyImage: VerifyImage;
  policies: () => Snapshot | undefined;
  budget: { defaultMs: number; marginMs: number; minMs: number };
  metrics?: Metrics;
  now?: () => number;
  /** `--pull-secrets`: each pod's own registry credentials, asked before the service's. */
  pullSecrets?: PullSecretResolver;
  /**
   * A mutating webhook pins tags before /validate (default true; `--no-mutating-webhook`):
   * /validate then refuses a verified tag a `mutateDigest` statement governs (DIGEST_REQUIRED).
   */
  mutatingWebhook?: boolean;
  /** The Kubernetes source: labels of a namespace its informer has not seen yet. */
  namespaceLabels?: NamespaceLabelsLookup;
  /**
   * Told of every answered review on a later tick, after the answer is returned (issue 16's
   * Events). It can neither delay nor change an answer; what it throws is ignored.
   */
  onReviewed?: (reviewed: Reviewed) => void;
}

/** An answered review, as `onReviewed` hears of it. */
export interface Reviewed {
  webhook: WebhookKind;
  request: AdmissionRequest;
  verdicts: readonly ImageVerdict[];
  problems: readonly string[];
}

export interface ReviewInput {
  body: unknown;
  /** The `?timeout=` query parameter. */
  timeout: string | undefined;
  webhook: WebhookKind;
  log: ReviewLogger;
  /**
   * Calls `gone` if the API server's connection goes away while the review is being answered
   * (at once if it already has); returns what stops listening. A callback, not an AbortSignal:
   * one signal less per request (issue 20), and most reviews need none.
   */
  whenGone?: (gone: () => void) => () => void;
}

export type ReviewReply =
  | { status: 200; body: ReturnType<typeof admissionReviewResponse> }
  | {
      status: 400;
      body: { code: Extract<WebhookCode, 'ADMISSION_REVIEW_INVALID'>; message: string };
    };

const OPERATIONS: readonly string[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];
const operationLabel = (op: string): ReviewOperation =>
  OPERATIONS.includes(op) ? (op as ReviewOperation) : 'other';

/** The verdict of an image whose wait the review's deadline cut off (belt and braces). */
function late(image: ImageAtPath): ImageVerdict {
  return {
    kind: 'inconclusive',
    image,
    admission: { policy: '(unknown)', action: 'Deny', onError: 'Deny' },
    code: 'TIMEOUT' satisfies WebhookCode,
    reason: 'the review deadline passed before verification finished',
  };
}

/** Resolves with `fallback()` once the review ends, whatever `work` is still doing. */
function bounded<T>(work: Promise<T>, end: ReviewEnd, fallback: () => T): Promise<T> {
  if (end.ended) return Promise.resolve(fallback());
  return new Promise<T>((resolve, reject) => {
    // Let the pipeline's own verdict (which knows the policy and digest) settle first.
    const stop = end.onEnd(() => void setImmediate(() => resolve(fallback())));
    work.then(resolve, reject);
    work.then(stop, stop);
  });
}

/** Verifies each distinct image once, however many containers name it. */
async function verifyAll(
  images: readonly ImageAtPath[],
  verifyImage: VerifyImage,
  scope: Parameters<VerifyImage>[1],
  end: ReviewEnd,
): Promise<ImageVerdict[]> {
  const byImage = new Map<string, Promise<ImageVerdict>>();
  for (const image of images) {
    if (!byImage.has(image.image))
      byImage.set(
        image.image,
        bounded(verifyImage(image, scope), end, () => late(image)),
      );
  }
  return Promise.all(
    images.map(async (image) => ({ ...(await byImage.get(image.image)!), image })),
  );
}

/**
 * The registry credentials of the pod under review: its imagePullSecrets, then its
 * ServiceAccount's. Never throws: without them, a private image is denied by the registry
 * (UNAUTHORIZED), never admitted. Only names and reasons are logged, never content.
 */
async function podCredentials(
  resolver: PullSecretResolver,
  request: AdmissionRequest,
  ctx: { signal: AbortSignal; log: ReviewLogger },
): Promise<CredentialLookup | undefined> {
  if (request.namespace === undefined) return undefined;
  const where = { uid: request.uid, namespace: request.namespace };
  let found: PullSecrets;
  try {
    const podSpec = pullIdentityOf(request) ?? {};
    found = await resolver.credentialsFor({ namespace: request.namespace, podSpec }, ctx.signal);
  } catch (err) {
    ctx.log.error({ ...where, err }, 'image pull secrets could not be read');
    return undefined;
  }
  if (found.skipped.length > 0)
    ctx.log.warn({ ...where, skipped: found.skipped }, 'image pull secrets left out');
  if (found.dockerConfigs.length === 0) return undefined;
  try {
    return credentialsFromDockerConfig(...found.dockerConfigs);
  } catch {
    // No error detail: a JSON parse error quotes its input, which holds the credentials.
    ctx.log.error(
      { ...where, secrets: found.used },
      'image pull secrets are not Docker config JSON',
    );
    return undefined;
  }
}

/**
 * Admissions by the kind of signature that passed them (issue 18): when DCT's count stays at
 * zero, its window can be closed. /validate only (each Pod passes /mutate too), no dry runs.
 */
function countSignature(
  metrics: Metrics | undefined,
  v: ImageVerdict,
  webhook: 'validate' | 'mutate',
  dryRun: boolean,
): void {
  if (v.kind !== 'verified' || webhook !== 'validate' || dryRun) return;
  metrics?.signatureAdmission(v.dct ? 'dct' : 'notation');
}

/** Creates the AdmissionReview handler shared by /validate and /mutate. */
export function createReviewHandler(options: ReviewHandlerOptions) {
  const now = options.now ?? Date.now;

  const answer = async (request: AdmissionRequest, input: ReviewInput): Promise<Answer> => {
    const { images, problems } = imagesToVerify(request);
    if (images.length === 0 && problems.length === 0)
      return { decision: decide([]), verdicts: [], problems };
    const snapshot = options.policies();
    if (snapshot === undefined) {
      // Not ready: readiness keeps traffic away, but an answer that slipped through must deny.
      const verdicts = images.map((image): ImageVerdict => ({
        kind: 'inconclusive',
        image,
        admission: { policy: '(unknown)', action: 'Deny', onError: 'Deny' },
        code: 'POLICY_NOT_LOADED' satisfies WebhookCode,
        reason: 'the trust policies are not loaded yet',
      }));
      return { decision: decide(verdicts, problems), verdicts, problems };
    }
    const budget = reviewBudgetMs(input.timeout, options.budget);
    const end = new ReviewEnd();
    const timer = setTimeout(() => end.end(new Error('review deadline')), budget);
    const stopListening = input.whenGone?.(() => end.end(new Error('the caller went away')));
    try {
      const deadline = now() + budget;
      const view = await namespaceView(snapshot, request.namespace, options.namespaceLabels, end);
      if ('unknown' in view) {
        const verdicts = images.map((image) => namespaceUnknown(image, view.unknown));
        return { decision: decide(verdicts, problems), verdicts, problems, snapshot };
      }
      const credentials =
        options.pullSecrets && images.length > 0
          ? await podCredentials(options.pullSecrets, request, {
              signal: end.signal,
              log: input.log,
            })
          : undefined;
      const scope = {
        snapshot: view.snapshot,
        namespace: request.namespace,
        // Read only by a wait on a registry (review-end.ts): a cache hit makes no signal.
        get signal(): AbortSignal {
          return end.signal;
        },
        deadline,
        ...(credentials && { credentials }),
      };
      const judged = await verifyAll(images, options.verifyImage, scope, end);
      // Standing decision 5: /mutate pinned what it verified, so a tag here was not pinned.
      const pinning = input.webhook === 'validate' && options.mutatingWebhook !== false;
      const pinned = pinning ? judged.map((v) => requirePinned(v, view.snapshot)) : judged;
      const verdicts = withExceptions(pinned, request, view.snapshot, now());
      const decision = decide(verdicts, problems);
      return { decision, verdicts, problems, snapshot: view.snapshot };
    } finally {
      clearTimeout(timer);
      stopListening?.();
    }
  };

  return async function handleReview(input: ReviewInput): Promise<ReviewReply> {
    const started = now();
    let request: AdmissionRequest;
    try {
      request = parseAdmissionReview(input.body);
    } catch (err) {
      if (!(err instanceof AdmissionReviewError)) throw err;
      options.metrics?.review({
        webhook: input.webhook,
        operation: 'other',
        verdict: 'error',
        code: 'ADMISSION_REVIEW_INVALID',
      });
      return { status: 400, body: { code: 'ADMISSION_REVIEW_INVALID', message: err.message } };
    }
    const outcome = await answer(request, input);
    const reply = respond(request, outcome, input.webhook);
    record({ request, outcome, reply, input, seconds: (now() - started) / 1000 });
    if (options.onReviewed) {
      const reviewed: Reviewed = { webhook: input.webhook, request, ...outcome };
      setImmediate(notify, options.onReviewed, reviewed);
    }
    return { status: 200, body: reply.body };
  };

  function record(r: {
    request: AdmissionRequest;
    outcome: Answer;
    reply: ReturnType<typeof respond>;
    input: ReviewInput;
    seconds: number;
  }): void {
    const { request, outcome, reply, input } = r;
    const code = firstCode(outcome.verdicts, outcome.problems);
    options.metrics?.review({
      webhook: input.webhook,
      operation: operationLabel(request.operation),
      verdict: reply.verdict,
      code: reply.allowed ? '' : code,
    });
    options.metrics?.reviewDuration(input.webhook, r.seconds);
    for (const v of outcome.verdicts) {
      options.metrics?.imageVerdict(v.kind, 'code' in v ? v.code : '');
      countSignature(options.metrics, v, input.webhook, request.dryRun === true);
      if (v.kind === 'inconclusive' && v.error !== undefined)
        input.log.error(
          { uid: request.uid, image: v.image.image, err: v.error },
          'verification failed unexpectedly',
        );
    }
    countExceptions(options.metrics, outcome.verdicts, input.webhook, request.dryRun === true);
    if (input.log.isLevelEnabled?.('info') === false) return;
    input.log.info(
      {
        uid: request.uid,
        webhook: input.webhook,
        operation: request.operation,
        kind: request.kind.kind,
        namespace: request.namespace,
        dryRun: request.dryRun === true,
        allowed: reply.allowed,
        ...(code !== '' && { code }),
        images: logImages(outcome.verdicts),
        ms: Math.round(r.seconds * 1000),
      },
      'admission review',
    );
  }
}

/** Issue 17: exceptions in force now, for this Pod (never cached: checked on every review). */
function withExceptions(
  verdicts: ImageVerdict[],
  request: AdmissionRequest,
  snapshot: Snapshot,
  now: number,
): ImageVerdict[] {
  const exceptions =
    request.namespace === undefined ? [] : (snapshot.exceptions?.(request.namespace) ?? []);
  // Most reviews meet no exception: the Pod's labels are read only for one that may match.
  if (exceptions.length === 0) return verdicts;
  return applyExceptions(verdicts, exceptions, { labels: podLabelsOf(request), now });
}

/** Issue 17: each image an exception admitted in a /validate answer (no dry run), by the code it overrode. */
function countExceptions(
  metrics: Metrics | undefined,
  verdicts: readonly ImageVerdict[],
  webhook: WebhookKind,
  dryRun: boolean,
): void {
  if (!metrics || webhook !== 'validate' || dryRun) return;
  for (const v of verdicts) if (v.exception) metrics.exceptionAdmission('code' in v ? v.code : '');
}

/** Calls an `onReviewed` listener; its failure is not the review's. */
function notify(listener: (reviewed: Reviewed) => void, reviewed: Reviewed): void {
  try {
    listener(reviewed);
  } catch {
    // ignored: the answer has gone
  }
}

export type ReviewHandler = ReturnType<typeof createReviewHandler>;
