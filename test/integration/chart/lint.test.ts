// `helm lint --strict` of the chart, with the default values and with each major option; and the
// schema refusing values no template could render safely.
import { describe, expect, it } from 'vitest';
import { run } from '../../harness/run.js';
import { requireTool } from '../../harness/tools.js';
import { CHART_DIR, valueArgs } from './render.js';

const lint = (values: Record<string, string>) =>
  run(requireTool('helm'), ['lint', '--strict', CHART_DIR, ...valueArgs({ values })]);

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';

describe('helm lint', () => {
  describe('when given each major option', () => {
    it.each([
      ['default values', {}],
      ['cert-manager', { 'tls.mode': 'cert-manager' }],
      ['no mutation', { 'webhook.mutating.enabled': 'false' }],
      ['URL clientConfig', { 'webhook.url': 'https://127.0.0.1:9443', 'tls.caBundle': PEM }],
      ['ServiceMonitor', { 'metrics.serviceMonitor.enabled': 'true' }],
      ['pull-secret opt-in', { 'config.pullSecrets': 'true' }],
    ])('returns no finding for %s', async (_, values) => {
      const result = await lint(values);
      expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(result.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
      expect(result.code).toBe(0);
    });
  });

  describe('when a value breaks the schema', () => {
    it.each([
      [{ 'webhook.timeoutSeconds': '0' }, "at '/webhook/timeoutSeconds': minimum: got 0, want 1"],
      [{ 'tls.mode': 'self' }, "at '/tls/mode'"],
      [{ 'resources.limits.memory': '512M' }, "at '/resources/limits/memory'"],
      [{ 'webhook.exemptNamespaces[0]': 'Not_A_Name' }, "at '/webhook/exemptNamespaces/0'"],
      [{ unknownValue: 'x' }, "additional properties 'unknownValue' not allowed"],
    ])('fails for %j', async (values, message) => {
      const result = await lint(values);
      expect(result.stdout + result.stderr).toContain(message);
      expect(result.code).toBe(1);
    });
  });
});

describe('helm template for a cluster older than 1.30', () => {
  it('fails naming the kubeVersion the chart needs (its ValidatingAdmissionPolicy is v1 in 1.30)', async () => {
    const result = await run(requireTool('helm'), [
      'template',
      'x',
      CHART_DIR,
      '--kube-version',
      '1.29.9',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'chart requires kubeVersion: >=1.30.0-0 which is incompatible with Kubernetes v1.29.9',
    );
  });
});
