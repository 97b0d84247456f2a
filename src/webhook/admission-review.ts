// The AdmissionReview v1 wire format: strict parsing of what the API server sends, and the
// response it accepts (same uid, same GVK, patch only from the mutating webhook).
import type { AdmissionTarget } from './images.js';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

/** The request fields we read; everything else is passed through untouched. */
export interface AdmissionRequest extends AdmissionTarget {
  uid: string;
  namespace?: string;
  name?: string;
  dryRun?: boolean;
}

/** A body we cannot answer as an AdmissionReview: the route replies 400 with this message. */
export class AdmissionReviewError extends Error {
  override readonly name = 'AdmissionReviewError';
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function requireString(obj: Record<string, unknown>, key: string, where: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value === '')
    throw new AdmissionReviewError(`${where}.${key} must be a non-empty string`);
  return value;
}

function readKind(request: Record<string, unknown>): AdmissionTarget['kind'] {
  const kind = request['kind'];
  if (!isRecord(kind)) throw new AdmissionReviewError('request.kind must be an object');
  return {
    group: typeof kind['group'] === 'string' ? kind['group'] : '',
    version: requireString(kind, 'version', 'request.kind'),
    kind: requireString(kind, 'kind', 'request.kind'),
  };
}

/** Parses an AdmissionReview v1 body; anything else is an AdmissionReviewError with a clear message. */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  if (!isRecord(body))
    throw new AdmissionReviewError('the body must be a JSON object (an AdmissionReview)');
  if (body['apiVersion'] !== ADMISSION_API_VERSION || body['kind'] !== 'AdmissionReview') {
    throw new AdmissionReviewError(
      `expected apiVersion ${ADMISSION_API_VERSION} and kind AdmissionReview, got ${JSON.stringify(body['apiVersion'])} ${JSON.stringify(body['kind'])} (only admissionReviewVersions [v1] is supported)`,
    );
  }
  const request = body['request'];
  if (!isRecord(request)) throw new AdmissionReviewError('request must be an object');
  const subResource = request['subResource'];
  return {
    uid: requireString(request, 'uid', 'request'),
    kind: readKind(request),
    operation: requireString(request, 'operation', 'request'),
    ...(typeof subResource === 'string' && subResource !== '' && { subResource }),
    ...(typeof request['namespace'] === 'string' && { namespace: request['namespace'] }),
    ...(typeof request['name'] === 'string' && { name: request['name'] }),
    dryRun: request['dryRun'] === true,
    object: request['object'],
    oldObject: request['oldObject'],
  };
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason: string; message: string };
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
  patchType?: 'JSONPatch';
  patch?: string;
}

/** The AdmissionReview the API server expects back (denials as 403 Forbidden with our message). */
export function admissionReviewResponse(response: {
  uid: string;
  allowed: boolean;
  message?: string;
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
  /** JSONPatch operations (mutating webhook only). */
  patch?: unknown[];
}): { apiVersion: string; kind: 'AdmissionReview'; response: AdmissionResponse } {
  const out: AdmissionResponse = { uid: response.uid, allowed: response.allowed };
  if (!response.allowed)
    out.status = { code: 403, reason: 'Forbidden', message: response.message ?? 'denied' };
  if (response.warnings && response.warnings.length > 0) out.warnings = response.warnings;
  if (response.auditAnnotations && Object.keys(response.auditAnnotations).length > 0)
    out.auditAnnotations = response.auditAnnotations;
  if (response.patch && response.patch.length > 0) {
    out.patchType = 'JSONPatch';
    out.patch = Buffer.from(JSON.stringify(response.patch)).toString('base64');
  }
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response: out };
}

/**
 * The time budget of one review from the API server's `?timeout=10s` query (what it will wait),
 * less a margin for our answer to travel back. Absent or unreadable: the default.
 */
export function reviewBudgetMs(
  timeoutParam: string | undefined,
  options: { defaultMs: number; marginMs: number; minMs: number },
): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(timeoutParam ?? '');
  let ms = options.defaultMs;
  if (m) {
    const value = Number(m[1]);
    const unit = m[2] ?? 's';
    ms = unit === 'ms' ? value : unit === 'm' ? value * 60_000 : value * 1000;
  }
  return Math.max(options.minMs, ms - options.marginMs);
}
