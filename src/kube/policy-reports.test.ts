import { describe, expect, it } from 'vitest';
import { readReport, reportBody, type ReportResult } from './policy-reports.js';

const result = (
  name: string,
  r: ReportResult['result'],
  extra: Partial<ReportResult> = {},
): ReportResult => ({
  workload: { apiVersion: 'v1', kind: 'Pod', namespace: 'team', name, uid: `uid-${name}` },
  image: `registry.example.com/app/${name}@sha256:${'a'.repeat(64)}`,
  fieldPaths: ['spec.containers[0].image'],
  policy: 'prod',
  result: r,
  message: r === 'pass' ? 'verified under policy "prod"' : `no signature [SIGNATURE_NOT_FOUND]`,
  at: 1_700_000_000_123,
  ...(r !== 'pass' && { code: 'SIGNATURE_NOT_FOUND' }),
  ...extra,
});

describe('reportBody', () => {
  describe('when results of every kind are given', () => {
    it('returns one wgpolicyk8s.io/v1alpha2 PolicyReport named notary-admission, failures first', () => {
      const body = reportBody('team', [
        result('a', 'pass'),
        result('b', 'fail'),
        result('c', 'warn'),
      ]) as {
        apiVersion: string;
        metadata: object;
        summary: object;
        results: {
          result: string;
          resources: object[];
          properties: Record<string, string>;
          timestamp: object;
        }[];
      };
      expect(body.apiVersion).toBe('wgpolicyk8s.io/v1alpha2');
      expect(body.metadata).toEqual({
        name: 'notary-admission',
        namespace: 'team',
        labels: { 'app.kubernetes.io/managed-by': 'notary-admission' },
      });
      expect(body.summary).toEqual({ pass: 1, fail: 1, warn: 1, error: 0, skip: 0 });
      expect(body.results.map((r) => r.result)).toEqual(['fail', 'warn', 'pass']);
      expect(body.results[0]).toMatchObject({
        source: 'notary-admission',
        policy: 'prod',
        rule: 'image-signature',
        timestamp: { seconds: 1_700_000_000, nanos: 123_000_000 },
        resources: [{ kind: 'Pod', name: 'b', uid: 'uid-b' }],
        properties: { code: 'SIGNATURE_NOT_FOUND', fieldPaths: 'spec.containers[0].image' },
      });
    });
  });

  describe('when there are more results than the bound', () => {
    it('keeps the first maxResults (failures first) and counts them all in the summary', () => {
      const many = [
        ...Array.from({ length: 5 }, (_, i) => result(`p${i}`, 'pass')),
        result('f', 'fail'),
      ];
      const body = reportBody('team', many, 3) as {
        summary: { pass: number };
        results: { result: string }[];
      };
      expect(body.results.map((r) => r.result)).toEqual(['fail', 'pass', 'pass']);
      expect(body.summary.pass).toBe(5);
    });
  });
});

describe('readReport', () => {
  describe('when given a report we wrote, with another tool’s result in it', () => {
    it('returns our results only, as the CLI shows them', () => {
      const body = reportBody('team', [result('b', 'fail', { digest: 'sha256:1' })]) as {
        results: object[];
      };
      body.results.push({ source: 'kyverno', policy: 'x', result: 'fail' });
      expect(readReport(body)).toEqual([
        {
          namespace: 'team',
          kind: 'Pod',
          name: 'b',
          image: result('b', 'fail').image,
          policy: 'prod',
          result: 'fail',
          code: 'SIGNATURE_NOT_FOUND',
          message: 'no signature [SIGNATURE_NOT_FOUND]',
          digest: 'sha256:1',
          time: '2023-11-14T22:13:20.123Z',
        },
      ]);
    });
  });

  describe('when given something that is not a report', () => {
    it('returns no results', () => {
      expect(readReport(null)).toEqual([]);
      expect(readReport({ results: 'x' })).toEqual([]);
    });
  });
});
