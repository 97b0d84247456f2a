import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { reportBody, type ReportResult } from './kube/policy-reports.js';

const result = (name: string, r: ReportResult['result']): ReportResult => ({
  workload: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team', name, uid: name },
  image: `r.example/${name}:1`,
  fieldPaths: ['spec.template.spec.containers[0].image'],
  policy: 'prod',
  result: r,
  message: r === 'pass' ? 'verified' : 'revoked [CERT_REVOKED]',
  ...(r !== 'pass' && { code: 'CERT_REVOKED' }),
  at: 0,
});

async function run(argv: string[], reports: unknown[] | Error) {
  let out = '';
  let err = '';
  const asked: unknown[] = [];
  const code = await runCli(
    ['report', ...argv],
    { out: (t) => void (out += t), err: (t) => void (err += t) },
    {
      env: { HOME: '/nonexistent' },
      report: (kubeconfig, namespace) => {
        asked.push([kubeconfig, namespace]);
        return reports instanceof Error ? Promise.reject(reports) : Promise.resolve(reports);
      },
    },
  );
  return { code, out, err, asked };
}

describe('notary-admission report', () => {
  describe('when some workloads no longer verify', () => {
    it('prints them as a table and exits 1', async () => {
      const r = await run([], [reportBody('team', [result('web', 'pass'), result('api', 'fail')])]);
      expect(r.code).toBe(1);
      expect(r.out).toBe(
        'NAMESPACE  KIND        NAME  IMAGE            RESULT  POLICY  CODE\n' +
          'team       Deployment  api   r.example/api:1  fail    prod    CERT_REVOKED\n\n' +
          '1 non-compliant of 2 results in 1 reports.\n',
      );
      expect(r.asked).toEqual([['/nonexistent/.kube/config', undefined]]);
    });

    it('prints JSON with --output json, for one namespace with -n', async () => {
      const r = await run(
        ['-n', 'team', '--output', 'json'],
        [reportBody('team', [result('api', 'warn')])],
      );
      expect(r.code).toBe(1);
      expect(JSON.parse(r.out)).toMatchObject({
        reports: 1,
        results: 1,
        nonCompliant: [{ namespace: 'team', name: 'api', result: 'warn', code: 'CERT_REVOKED' }],
      });
      expect(r.asked).toEqual([['/nonexistent/.kube/config', 'team']]);
    });
  });

  describe('when every workload verifies', () => {
    it('says so and exits 0', async () => {
      const r = await run([], [reportBody('team', [result('web', 'pass')])]);
      expect(r).toMatchObject({
        code: 0,
        out: 'No non-compliant workloads (1 results in 1 reports).\n',
      });
    });
  });

  describe('when the flags or the cluster are wrong', () => {
    it('exits 2 with a message', async () => {
      expect((await run(['--output', 'yaml'], [])).err).toContain(
        '--output: "yaml" is not one of text, json',
      );
      expect((await run(['--bogus'], [])).code).toBe(2);
      const failed = await run([], Object.assign(new Error('x'), { code: 403 }));
      expect(failed).toMatchObject({ code: 2 });
      expect(failed.err).toContain('the PolicyReports could not be read (HTTP 403: forbidden');
    });
  });
});
