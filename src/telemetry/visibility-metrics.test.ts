import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createVisibilityMetrics } from './visibility-metrics.js';

function setup(lag = 0) {
  const registry = new Registry();
  const metrics = createVisibilityMetrics({ registry, lagSeconds: () => lag, maxNamespaces: 2 });
  return { metrics, text: () => registry.metrics() };
}

describe('createVisibilityMetrics', () => {
  describe('when a namespace’s non-compliant workloads change', () => {
    it('sets the gauge by workload_namespace and policy, and drops series that went to none', async () => {
      const { metrics, text } = setup();
      metrics.nonCompliant(
        'team',
        new Map([
          ['prod', 2],
          ['dev', 1],
        ]),
      );
      expect(await text()).toContain(
        'notary_admission_noncompliant_workloads{workload_namespace="team",policy="prod"} 2',
      );
      metrics.nonCompliant('team', new Map([['prod', 1]]));
      const now = await text();
      expect(now).toContain('workload_namespace="team",policy="prod"} 1');
      expect(now).not.toContain('policy="dev"');
    });

    it('counts namespaces beyond the cap as "other"', async () => {
      const { metrics, text } = setup();
      for (const ns of ['a', 'b', 'c']) metrics.nonCompliant(ns, new Map([['p', 1]]));
      expect(await text()).toContain('workload_namespace="other"');
    });
  });

  describe('when scraped', () => {
    it('reads the scan lag, and reports leadership, durations, errors and events', async () => {
      const { metrics, text } = setup(42);
      metrics.leader(true);
      metrics.scanDuration(12);
      metrics.scanError();
      metrics.event('written');
      metrics.event('limited');
      const out = await text();
      expect(out).toContain('notary_admission_scan_lag_seconds 42');
      expect(out).toContain('notary_admission_scan_leader 1');
      expect(out).toContain('notary_admission_scan_duration_seconds_count 1');
      expect(out).toContain('notary_admission_scan_errors_total 1');
      expect(out).toContain('notary_admission_events_total{outcome="limited"} 1');
    });
  });
});
