// The status subresource bodies the service writes: a Ready condition and observedGeneration
// (plus the certificates of a TrustStore). Undefined when the object already says it, so an
// unchanged cluster causes no writes, and lastTransitionTime moves only when Ready flips.
import { canonicalJson } from '../revision.js';
import { dctConditions } from './dct-status.js';
import { MAX_STATUS_CERTIFICATES, MAX_STATUS_CRLS } from './trust-store-object.js';
import type {
  Condition,
  ObjectVerdict,
  StoreVerdict,
  TrustPolicyObject,
  TrustPolicyStatus,
  TrustStoreObject,
  TrustStoreStatus,
} from './types.js';

/** Longest condition message written (the schema allows 32768, as metav1.Condition). */
export const MAX_CONDITION_MESSAGE = 4096;

/** RFC 3339 in seconds, as metav1.Time serialises. */
const timestamp = (now: Date): string => now.toISOString().replace(/\.\d{3}Z$/, 'Z');

function readyCondition(
  current: readonly Condition[] | undefined,
  verdict: ObjectVerdict,
  now: Date,
): Condition {
  const status = verdict.ready ? 'True' : 'False';
  const list: readonly Condition[] = Array.isArray(current)
    ? (current as readonly Condition[])
    : [];
  const old = list.find((c) => c.type === 'Ready');
  const keep = old?.status === status && typeof old.lastTransitionTime === 'string';
  const message =
    verdict.message.length > MAX_CONDITION_MESSAGE
      ? `${verdict.message.slice(0, MAX_CONDITION_MESSAGE - 3)}...`
      : verdict.message;
  return {
    type: 'Ready',
    status,
    reason: verdict.reason,
    message,
    lastTransitionTime: keep ? old.lastTransitionTime : timestamp(now),
    observedGeneration: verdict.observedGeneration,
  };
}

const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

/** The spec's referrer requirements, counted as listed (valid or not), for the printer column. */
const referrerCount = (object: TrustPolicyObject): number => {
  const list: unknown = (object.spec as { requiredReferrers?: unknown } | undefined)
    ?.requiredReferrers;
  return Array.isArray(list) ? list.length : 0;
};

/** The spec's signer groups, counted as listed (valid or not): 1 for the single-statement form, 0 for skip. */
const signerCount = (object: TrustPolicyObject): number => {
  const spec = object.spec as { signers?: unknown; signatureVerification?: { level?: unknown } };
  if (Array.isArray(spec?.signers)) return spec.signers.length;
  return spec?.signatureVerification?.level === 'skip' ? 0 : 1;
};

/** The TrustPolicy status to write, or undefined when the object's status already says it. */
export function policyStatus(
  object: TrustPolicyObject,
  verdict: ObjectVerdict,
  now: Date,
): TrustPolicyStatus | undefined {
  const status: TrustPolicyStatus = {
    observedGeneration: verdict.observedGeneration,
    conditions: [
      readyCondition(object.status?.conditions, verdict, now),
      // Docker Content Trust's window (issue 18): dct-status.ts.
      ...dctConditions(object, verdict.observedGeneration, now),
    ],
    signerGroups: signerCount(object),
    referrerRequirements: referrerCount(object),
  };
  return same(status, object.status ?? {}) ? undefined : status;
}

/** The TrustStore status to write (with its certificates), or undefined when already there. */
export function storeStatus(
  object: TrustStoreObject,
  verdict: StoreVerdict,
  now: Date,
): TrustStoreStatus | undefined {
  const status: TrustStoreStatus = {
    observedGeneration: verdict.observedGeneration,
    conditions: [readyCondition(object.status?.conditions, verdict, now)],
    certificates: verdict.certificates.slice(0, MAX_STATUS_CERTIFICATES),
    certificateCount: verdict.certificates.length,
    ...(verdict.crls && { crls: verdict.crls.slice(0, MAX_STATUS_CRLS) }),
  };
  return same(status, object.status ?? {}) ? undefined : status;
}

/** A TrustPolicyException's status (Ready: Active, or Expired, DurationTooLong …), or undefined when already there. */
export function exceptionStatus(
  object: { status?: { conditions?: Condition[] } },
  verdict: ObjectVerdict,
  now: Date,
): { observedGeneration: number; conditions: Condition[] } | undefined {
  const status = {
    observedGeneration: verdict.observedGeneration,
    conditions: [readyCondition(object.status?.conditions, verdict, now)],
  };
  return same(status, object.status ?? {}) ? undefined : status;
}
