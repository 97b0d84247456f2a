// Issue 15 item 4 in the chart: config.proxy becomes `serve` flags the service's own parser
// accepts, the NetworkPolicy lets the pod reach the proxy's port, and a proxy login stays out of
// the pod spec (a Secret, read as NOTARY_ADMISSION_* variables; a login in the values is refused).
import { describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../../src/config/index.js';
import { helmTemplate, parseManifests, type K8sObject } from './render.js';

interface Container {
  args: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
}

const render = async (values: Record<string, string>): Promise<K8sObject[]> =>
  parseManifests(await helmTemplate({ release: 'na', namespace: 'na-system', values }));

const container = (objects: K8sObject[]): Container =>
  (
    objects.find((o) => o.kind === 'Deployment')!['spec'] as {
      template: { spec: { containers: Container[] } };
    }
  ).template.spec.containers[0]!;

const egressPorts = (objects: K8sObject[]): number[] =>
  (
    objects.find((o) => o.kind === 'NetworkPolicy')!['spec'] as {
      egress: { ports?: { port: number | string }[] }[];
    }
  ).egress.flatMap((rule) => (rule.ports ?? []).map((p) => Number(p.port)));

describe('chart config.proxy', () => {
  describe('when the proxy URLs and NO_PROXY entries are set', () => {
    it('returns flags `serve` accepts, and opens the proxy ports in the NetworkPolicy', async () => {
      const objects = await render({
        'config.proxy.httpsProxy': 'http://proxy.internal:3128',
        'config.proxy.httpProxy': 'proxy.internal:8080',
        'config.proxy.noProxy[0]': '.svc',
        'config.proxy.noProxy[1]': '10.0.0.0/8',
      });
      const settings = parseServeArgs(container(objects).args.slice(1), {
        KUBERNETES_SERVICE_HOST: '10.0.0.1',
      });
      expect(settings.proxy).toEqual({
        httpsProxy: 'http://proxy.internal:3128',
        httpProxy: 'http://proxy.internal:8080',
        noProxy: ['.svc', '10.0.0.0/8'],
      });
      expect(egressPorts(objects)).toEqual(expect.arrayContaining([3128, 8080]));
    });
  });

  describe('when none is set', () => {
    it('returns no proxy flag and no proxy port', async () => {
      const objects = await render({});
      expect(container(objects).args.filter((a) => a.includes('proxy'))).toEqual([]);
      expect(egressPorts(objects)).not.toContain(3128);
    });
  });

  describe('when the proxy URL carries a login', () => {
    it('throws (the schema refuses it: the login would show in the pod spec)', async () => {
      await expect(render({ 'config.proxy.httpsProxy': 'http://u:p@proxy:3128' })).rejects.toThrow(
        "at '/config/proxy/httpsProxy'",
      );
    });

    it('reads the URLs from the Secret instead, httpsProxy required', async () => {
      const objects = await render({
        'config.proxy.existingSecret': 'egress-proxy',
        'config.proxy.httpsProxy': 'http://ignored:1',
      });
      const c = container(objects);
      expect(c.args.filter((a) => a.includes('proxy'))).toEqual([]);
      expect(c.env.filter((e) => e.name.endsWith('_PROXY'))).toEqual([
        {
          name: 'NOTARY_ADMISSION_HTTPS_PROXY',
          valueFrom: { secretKeyRef: { name: 'egress-proxy', key: 'httpsProxy' } },
        },
        {
          name: 'NOTARY_ADMISSION_HTTP_PROXY',
          valueFrom: { secretKeyRef: { name: 'egress-proxy', key: 'httpProxy', optional: true } },
        },
      ]);
      const settings = parseServeArgs(c.args.slice(1), {
        KUBERNETES_SERVICE_HOST: '10.0.0.1',
        NOTARY_ADMISSION_HTTPS_PROXY: 'http://u:p@proxy:3128',
      });
      expect(settings.proxy).toEqual({ httpsProxy: 'http://u:p@proxy:3128', noProxy: [] });
    });
  });
});
