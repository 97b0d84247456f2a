// Issue 15 item 1 in the chart: config.registryMirrors becomes the ConfigMap the service reads as
// its config file (docs/adr/0006), which `serve`'s own parser accepts; a change rolls the pods;
// a mirror on a port of its own is let through the NetworkPolicy.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../../src/config/index.js';
import { helmTemplate, parseManifests, type K8sObject } from './render.js';

interface PodTemplate {
  metadata: { annotations?: Record<string, string> };
  spec: {
    containers: { args: string[]; volumeMounts: { name: string; mountPath: string }[] }[];
    volumes: { name: string; configMap?: { name: string } }[];
  };
}

const render = async (values: Record<string, string>): Promise<K8sObject[]> =>
  parseManifests(await helmTemplate({ release: 'na', namespace: 'na-system', values }));

const template = (objects: K8sObject[]): PodTemplate =>
  (objects.find((o) => o.kind === 'Deployment')!['spec'] as { template: PodTemplate }).template;

const MIRRORS = {
  'config.registryMirrors[0].prefix': 'docker.io',
  'config.registryMirrors[0].mirrors[0]': 'mirror.internal:5000',
  'config.registryMirrors[0].mirrors[1]': 'mirror2.internal',
  'config.registryMirrors[0].mirrorsOnly': 'true',
  'config.registryMirrors[1].prefix': 'ghcr.io/acme',
  'config.registryMirrors[1].mirrors[0]': 'copies.internal/acme',
};

describe('chart config.registryMirrors', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'chart-mirrors-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  describe('when mirrors are set', () => {
    it('renders a config file `serve` reads as the same mirror table, mounted and checksummed', async () => {
      const objects = await render(MIRRORS);
      const configMap = objects.find(
        (o) => o.kind === 'ConfigMap' && o.metadata.name === 'na-notary-admission-config',
      );
      const json = (configMap!['data'] as Record<string, string>)['config.json']!;
      const file = path.join(dir, 'config.json');
      await writeFile(file, json);
      const pod = template(objects);
      const args = pod.spec.containers[0]!.args;
      expect(args).toContain('--config=/etc/notary-admission/config/config.json');
      const settings = parseServeArgs(
        args.slice(1).map((a) => (a.startsWith('--config=') ? `--config=${file}` : a)),
        { KUBERNETES_SERVICE_HOST: '10.0.0.1' },
      );
      expect(settings.registryMirrors).toEqual([
        {
          prefix: 'docker.io',
          mirrors: ['mirror.internal:5000', 'mirror2.internal'],
          mirrorsOnly: true,
        },
        { prefix: 'ghcr.io/acme', mirrors: ['copies.internal/acme'], mirrorsOnly: false },
      ]);
      expect(pod.spec.volumes).toContainEqual({
        name: 'config',
        configMap: { name: 'na-notary-admission-config' },
      });
      expect(pod.metadata.annotations?.['checksum/config']).toMatch(/^[a-f0-9]{64}$/);
      const changed = template(
        await render({ ...MIRRORS, 'config.registryMirrors[0].mirrorsOnly': 'false' }),
      );
      expect(changed.metadata.annotations?.['checksum/config']).not.toBe(
        pod.metadata.annotations?.['checksum/config'],
      );
    });

    it('opens a mirror’s own port in the NetworkPolicy', async () => {
      const policy = (await render(MIRRORS)).find((o) => o.kind === 'NetworkPolicy')!;
      const ports = (
        policy['spec'] as { egress: { ports?: { port: number | string }[] }[] }
      ).egress.flatMap((rule) => (rule.ports ?? []).map((p) => Number(p.port)));
      expect(ports).toContain(5000);
    });
  });

  describe('when none is set', () => {
    it('renders no ConfigMap and no --config', async () => {
      const objects = await render({});
      expect(objects.filter((o) => o.metadata.name.endsWith('-config'))).toEqual([]);
      expect(template(objects).spec.containers[0]!.args.some((a) => a.startsWith('--config'))).toBe(
        false,
      );
    });
  });

  describe('when the values are wrong', () => {
    it('throws for two entries of one prefix, and for --config in extraArgs', async () => {
      await expect(
        render({
          ...MIRRORS,
          'config.registryMirrors[1].prefix': 'docker.io',
        }),
      ).rejects.toThrow(/two entries for docker\.io/);
      await expect(
        render({ ...MIRRORS, 'config.extraArgs[0]': '--config=/x.json' }),
      ).rejects.toThrow(/may not set --config/);
    });
  });
});
