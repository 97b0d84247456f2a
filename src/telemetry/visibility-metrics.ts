// Metrics of issue 16: Events written or dropped, and the background verifier's findings and
// pace. Label values from the cluster (namespaces, policy names) are capped like hosts and codes
// in metrics.ts, so a cluster with many namespaces cannot grow the series without bound.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { cappedLabel } from './metrics.js';

export type EventOutcome = 'written' | 'limited' | 'queue_full' | 'error';

export interface VisibilityMetrics {
  /** notary_admission_events_total{outcome}. */
  event(outcome: EventOutcome): void;
  /**
   * notary_admission_noncompliant_workloads{workload_namespace, policy}: the namespace's counts
   * now. Not `namespace`: Prometheus gives that label to the scraped pod's own namespace.
   */
  nonCompliant(namespace: string, byPolicy: ReadonlyMap<string, number>): void;
  /** notary_admission_scan_duration_seconds histogram: one full pass. */
  scanDuration(seconds: number): void;
  /** notary_admission_scan_errors_total. */
  scanError(): void;
  /** notary_admission_scan_leader gauge: 1 while this replica holds the Lease. */
  leader(leading: boolean): void;
}

export interface VisibilityMetricsOptions {
  registry: Registry;
  /** Read on each scrape for notary_admission_scan_lag_seconds. */
  lagSeconds?: () => number;
  maxNamespaces?: number;
  maxPolicies?: number;
}

/** A full pass of a large cluster within its registry budget takes minutes; hourly by default. */
export const SCAN_BUCKETS = [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const OUTCOMES = new Set<string>(['written', 'limited', 'queue_full', 'error']);
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9._:/()-]{0,252}$/;

export function createVisibilityMetrics(options: VisibilityMetricsOptions): VisibilityMetrics {
  const registers = [options.registry];
  const namespaceLabel = cappedLabel(options.maxNamespaces ?? 1_000);
  const policyLabel = cappedLabel(options.maxPolicies ?? 200);
  const events = new Counter({
    name: 'notary_admission_events_total',
    help: 'Kubernetes Events for denials, warnings and audits: written, or not (over the per-object or per-replica limit, queue full, API error).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const nonCompliant = new Gauge({
    name: 'notary_admission_noncompliant_workloads',
    help: 'Running workloads with an image that no longer verifies (PolicyReport result fail or warn), by namespace and TrustPolicy.',
    labelNames: ['workload_namespace', 'policy'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'notary_admission_scan_duration_seconds',
    help: 'Duration of one full pass of the background verifier over every running workload.',
    buckets: SCAN_BUCKETS,
    registers,
  });
  const errors = new Counter({
    name: 'notary_admission_scan_errors_total',
    help: 'Failures of the background verifier (report writes, workload watches, unexpected errors).',
    registers,
  });
  const leader = new Gauge({
    name: 'notary_admission_scan_leader',
    help: '1 while this replica holds the scan Lease and runs the background verifier.',
    registers,
  });
  new Gauge({
    name: 'notary_admission_scan_lag_seconds',
    help: 'How long the oldest queued background check has waited (0 when none waits).',
    registers,
    collect() {
      this.set(options.lagSeconds?.() ?? 0);
    },
  });
  /** namespace label → the policy labels it has series for. */
  const series = new Map<string, Set<string>>();
  const label = (value: string, cap: (v: string) => string): string =>
    NAME.test(value) ? cap(value) : 'other';

  return {
    event(outcome) {
      events.inc({ outcome: OUTCOMES.has(outcome) ? outcome : 'error' });
    },
    nonCompliant(namespace, byPolicy) {
      const ns = label(namespace, namespaceLabel);
      for (const policy of series.get(ns) ?? [])
        nonCompliant.remove({ workload_namespace: ns, policy });
      const now = new Map<string, number>();
      for (const [policy, count] of byPolicy) {
        const p = label(policy, policyLabel);
        now.set(p, (now.get(p) ?? 0) + count);
      }
      for (const [policy, count] of now)
        nonCompliant.set({ workload_namespace: ns, policy }, count);
      if (now.size > 0) series.set(ns, new Set(now.keys()));
      else series.delete(ns);
    },
    scanDuration(seconds) {
      duration.observe(seconds);
    },
    scanError() {
      errors.inc();
    },
    leader(leading) {
      leader.set(leading ? 1 : 0);
    },
  };
}
