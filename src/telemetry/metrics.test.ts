import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { cappedLabel, createMetrics } from './metrics.js';

/** The metrics without the process collectors, so each test reads only its own series. */
function metrics(cacheEntries?: () => number) {
  const registry = new Registry();
  return createMetrics({
    registry,
    processMetrics: false,
    ...(cacheEntries !== undefined && { cacheEntries }),
  });
}

/** The sample lines of one metric (no HELP/TYPE), as Prometheus text shows them. */
async function samples(m: { registry: Registry }, name: string): Promise<string[]> {
  const text = await m.registry.metrics();
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

describe('createMetrics', () => {
  describe('when a review is counted', () => {
    it('returns the counter with its four labels', async () => {
      const m = metrics();
      m.review({
        webhook: 'validate',
        operation: 'CREATE',
        verdict: 'denied',
        code: 'CERT_REVOKED',
      });
      m.review({
        webhook: 'validate',
        operation: 'CREATE',
        verdict: 'denied',
        code: 'CERT_REVOKED',
      });
      m.review({ webhook: 'mutate', operation: 'UPDATE', verdict: 'allowed', code: '' });
      expect(await samples(m, 'notary_admission_reviews_total')).toEqual([
        'notary_admission_reviews_total{webhook="validate",operation="CREATE",verdict="denied",code="CERT_REVOKED"} 2',
        'notary_admission_reviews_total{webhook="mutate",operation="UPDATE",verdict="allowed",code=""} 1',
      ]);
    });
  });

  describe('when label values fall outside their closed sets', () => {
    it('returns them mapped to other, error, OTHER and an empty kind', async () => {
      const m = metrics();
      const loose = { operation: 'PATCH', verdict: 'maybe', code: 'not a code' };
      m.review({ webhook: 'validate', ...loose } as unknown as Parameters<typeof m.review>[0]);
      m.cacheEvent('hit', 'weird');
      m.registryRequest('Ghcr.IO', 'ECONNRESET');
      expect(await samples(m, 'notary_admission_reviews_total')).toEqual([
        'notary_admission_reviews_total{webhook="validate",operation="other",verdict="error",code="OTHER"} 1',
      ]);
      expect(await samples(m, 'notary_admission_cache_events_total')).toEqual([
        'notary_admission_cache_events_total{event="hit",kind=""} 1',
      ]);
      expect(await samples(m, 'notary_admission_registry_requests_total')).toEqual([
        'notary_admission_registry_requests_total{host="ghcr.io",status="error"} 1',
      ]);
    });
  });

  describe('when durations are observed', () => {
    it('returns histograms with the admission buckets', async () => {
      const m = metrics();
      m.reviewDuration('validate', 0.2);
      m.verificationDuration('verified', 12);
      const review = await samples(m, 'notary_admission_review_duration_seconds_bucket');
      expect(review).toContain(
        'notary_admission_review_duration_seconds_bucket{le="0.1",webhook="validate"} 0',
      );
      expect(review).toContain(
        'notary_admission_review_duration_seconds_bucket{le="0.25",webhook="validate"} 1',
      );
      expect(review.at(-2)).toBe(
        'notary_admission_review_duration_seconds_bucket{le="10",webhook="validate"} 1',
      );
      const verification = await samples(
        m,
        'notary_admission_verification_duration_seconds_bucket',
      );
      expect(verification).toContain(
        'notary_admission_verification_duration_seconds_bucket{le="10",result="verified"} 0',
      );
      expect(verification).toContain(
        'notary_admission_verification_duration_seconds_bucket{le="20",result="verified"} 1',
      );
      expect(verification.at(-2)).toBe(
        'notary_admission_verification_duration_seconds_bucket{le="30",result="verified"} 1',
      );
      expect(verification[0]).toBe(
        'notary_admission_verification_duration_seconds_bucket{le="0.001",result="verified"} 0',
      );
    });
  });

  describe('when the remaining methods are called', () => {
    it('returns each series with its value', async () => {
      let entries = 3;
      const m = metrics(() => entries);
      m.imageVerdict('failed', 'SIGNATURE_NOT_FOUND');
      m.cacheEvent('evicted', 'size');
      m.cacheEvent('miss');
      m.registryRequest('registry.example:5000', '200');
      m.inflight(1);
      m.inflight(1);
      m.inflight(-1);
      m.tlsReload('ok');
      m.tlsCertificateExpiry(new Date('2027-01-01T00:00:00.900Z'));
      m.policyReload('error');
      m.credentialsReload('error');
      entries = 7;
      expect(await samples(m, 'notary_admission_tls_certificate_expiry_timestamp_seconds')).toEqual(
        ['notary_admission_tls_certificate_expiry_timestamp_seconds 1798761600'],
      );
      expect(await samples(m, 'notary_admission_image_verdicts_total')).toEqual([
        'notary_admission_image_verdicts_total{result="failed",code="SIGNATURE_NOT_FOUND"} 1',
      ]);
      expect(await samples(m, 'notary_admission_cache_events_total')).toEqual([
        'notary_admission_cache_events_total{event="evicted",kind="size"} 1',
        'notary_admission_cache_events_total{event="miss",kind=""} 1',
      ]);
      expect(await samples(m, 'notary_admission_cache_entries')).toEqual([
        'notary_admission_cache_entries 7',
      ]);
      expect(await samples(m, 'notary_admission_registry_requests_total')).toEqual([
        'notary_admission_registry_requests_total{host="registry.example:5000",status="200"} 1',
      ]);
      expect(await samples(m, 'notary_admission_inflight_reviews')).toEqual([
        'notary_admission_inflight_reviews 1',
      ]);
      expect(await samples(m, 'notary_admission_tls_reloads_total')).toEqual([
        'notary_admission_tls_reloads_total{result="ok"} 1',
        'notary_admission_tls_reloads_total{result="error"} 0',
      ]);
      expect(await samples(m, 'notary_admission_policy_reloads_total')).toEqual([
        'notary_admission_policy_reloads_total{result="ok"} 0',
        'notary_admission_policy_reloads_total{result="error"} 1',
      ]);
      expect(await samples(m, 'notary_admission_credentials_reloads_total')).toEqual([
        'notary_admission_credentials_reloads_total{result="ok"} 0',
        'notary_admission_credentials_reloads_total{result="error"} 1',
      ]);
    });
  });

  describe('when admissions are counted by signature kind (issue 18)', () => {
    it('returns both series from the start, DCT at zero until one is counted', async () => {
      const m = metrics();
      m.signatureAdmission('notation');
      expect(await samples(m, 'notary_admission_admissions_total')).toEqual([
        'notary_admission_admissions_total{signature_kind="notation"} 1',
        'notary_admission_admissions_total{signature_kind="dct"} 0',
      ]);
    });
  });

  describe('when a cluster names more registry hosts than the cap', () => {
    it('returns the first hosts by name and counts the rest as other', async () => {
      const registry = new Registry();
      const m = createMetrics({ registry, processMetrics: false, maxHosts: 3 });
      for (let i = 0; i < 50; i++) m.registryRequest(`r${i}.example`, '404');
      m.registryRequest('r1.example', '404');
      m.registryRequest('x'.repeat(300), '404');
      expect(await samples(m, 'notary_admission_registry_requests_total')).toEqual([
        'notary_admission_registry_requests_total{host="r0.example",status="404"} 1',
        'notary_admission_registry_requests_total{host="r1.example",status="404"} 2',
        'notary_admission_registry_requests_total{host="r2.example",status="404"} 1',
        'notary_admission_registry_requests_total{host="other",status="404"} 48',
      ]);
    });

    it('returns at most 101 host series with the default cap', async () => {
      const m = metrics();
      for (let i = 0; i < 1000; i++) m.registryRequest(`h${i}.example`, '200');
      const lines = await samples(m, 'notary_admission_registry_requests_total');
      expect(lines).toHaveLength(101);
      expect(lines.at(-1)).toBe(
        'notary_admission_registry_requests_total{host="other",status="200"} 900',
      );
    });
  });

  describe('when process metrics are on (the default)', () => {
    it('returns them under the notary_admission_ prefix', async () => {
      const registry = new Registry();
      createMetrics({ registry });
      const text = await registry.metrics();
      expect(text).toContain('# TYPE notary_admission_process_cpu_seconds_total counter');
      expect(text).toContain('# TYPE notary_admission_nodejs_eventloop_lag_seconds gauge');
    });
  });
});

describe('cappedLabel', () => {
  describe('when the cap is reached', () => {
    it('returns known values unchanged and new ones as other', () => {
      const label = cappedLabel(2);
      expect(['a', 'b', 'c', 'a', 'b', 'd'].map(label)).toEqual([
        'a',
        'b',
        'other',
        'a',
        'b',
        'other',
      ]);
    });
  });
});
