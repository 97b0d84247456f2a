// The Policy Working Group's PolicyReport (wgpolicyk8s.io/v1alpha2): one report per namespace,
// named `notary-admission`, one result per workload and image. Bounded: at most MAX_RESULTS
// results per report (failures first; the summary still counts every one), so a namespace with
// many workloads cannot push a report past the API server's object size.
import type { WorkloadRef } from './workloads.js';

export const REPORT_GROUP = 'wgpolicyk8s.io';
export const REPORT_VERSION = 'v1alpha2';
export const REPORT_PLURAL = 'policyreports';
/** The name of our report in each namespace. */
export const REPORT_NAME = 'notary-admission';
/** `source` of every result, and the value of the managed-by label of every report. */
export const REPORT_SOURCE = 'notary-admission';
export const MANAGED_BY = 'app.kubernetes.io/managed-by';
/** The rule of every result: one check, the image's signature under its TrustPolicy. */
export const REPORT_RULE = 'image-signature';
export const MAX_RESULTS = 1_000;

export type ResultStatus = 'pass' | 'fail' | 'warn' | 'error' | 'skip';
const ORDER: Record<ResultStatus, number> = { fail: 0, error: 1, warn: 2, pass: 3, skip: 4 };

/** One workload's one image, as the background verifier last judged it. */
export interface ReportResult {
  workload: WorkloadRef;
  image: string;
  /** Where the image is named (`spec.containers[0].image`, …). */
  fieldPaths: readonly string[];
  /** The TrustPolicy (statement) name, `(none)` when none applies. */
  policy: string;
  result: ResultStatus;
  /** The stable code (`[CODE]`) of a result that is not a pass. */
  code?: string;
  message: string;
  digest?: string;
  /** When it was verified (ms since epoch). */
  at: number;
}

const compare = (a: ReportResult, b: ReportResult): number =>
  ORDER[a.result] - ORDER[b.result] ||
  a.workload.kind.localeCompare(b.workload.kind) ||
  a.workload.name.localeCompare(b.workload.name) ||
  a.image.localeCompare(b.image);

/** The PolicyReport object for `namespace` (what server-side apply sends). */
export function reportBody(
  namespace: string,
  results: readonly ReportResult[],
  maxResults = MAX_RESULTS,
): object {
  const summary = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  for (const r of results) summary[r.result]++;
  const kept = [...results].sort(compare).slice(0, maxResults);
  return {
    apiVersion: `${REPORT_GROUP}/${REPORT_VERSION}`,
    kind: 'PolicyReport',
    metadata: { name: REPORT_NAME, namespace, labels: { [MANAGED_BY]: REPORT_SOURCE } },
    summary,
    results: kept.map((r) => ({
      source: REPORT_SOURCE,
      policy: r.policy,
      rule: REPORT_RULE,
      result: r.result,
      scored: true,
      message: r.message,
      timestamp: { seconds: Math.floor(r.at / 1000), nanos: (r.at % 1000) * 1_000_000 },
      resources: [r.workload],
      properties: {
        image: r.image,
        fieldPaths: r.fieldPaths.join(','),
        ...(r.digest !== undefined && { digest: r.digest }),
        ...(r.code !== undefined && { code: r.code }),
      },
    })),
  };
}

/** A result as read back from a report (the CLI's view). */
export interface ReadResult {
  namespace: string;
  kind: string;
  name: string;
  image: string;
  policy: string;
  result: string;
  code: string;
  message: string;
  digest: string;
  time: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Our results in a listed PolicyReport object (other sources' results are left out). */
export function readReport(report: unknown): ReadResult[] {
  if (!isRecord(report)) return [];
  const metadata = isRecord(report['metadata']) ? report['metadata'] : {};
  const results = Array.isArray(report['results']) ? (report['results'] as unknown[]) : [];
  return results.filter(isRecord).flatMap((r) => {
    if (r['source'] !== REPORT_SOURCE) return [];
    const resource =
      Array.isArray(r['resources']) && isRecord(r['resources'][0]) ? r['resources'][0] : {};
    const props = isRecord(r['properties']) ? r['properties'] : {};
    const stamp = isRecord(r['timestamp']) ? r['timestamp'] : {};
    const ts = Number(stamp['seconds']) + Number(stamp['nanos'] ?? 0) / 1e9;
    return [
      {
        namespace: text(metadata['namespace']),
        kind: text(resource['kind']),
        name: text(resource['name']),
        image: text(props['image']),
        policy: text(r['policy']),
        result: text(r['result']),
        code: text(props['code']),
        message: text(r['message']),
        digest: text(props['digest']),
        time: Number.isFinite(ts) ? new Date(Math.round(ts * 1000)).toISOString() : '',
      },
    ];
  });
}
