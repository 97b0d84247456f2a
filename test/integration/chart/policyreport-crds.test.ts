// Issue 16 on the chart: the Policy Working Group's PolicyReport CRDs (templates/
// policyreport-crds.yaml) are rendered only with policyReports.installCrds (and the scan) on, and
// on a real kube-apiserver `helm install` (whose `lookup` sees the cluster, unlike `helm template`)
// leaves CRDs another tool installed alone, creates them where there are none, keeps rendering
// them on upgrade and keeps them on uninstall.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadAll } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../harness/controlplane.js';
import type { RunResult } from '../../harness/run.js';
import { CHART_DIR, clusterHelm, helmTemplate, parseManifests, type K8sObject } from './render.js';

const NS = 'na-system';
const RELEASE = 'na';
const CRDS = ['clusterpolicyreports.wgpolicyk8s.io', 'policyreports.wgpolicyk8s.io'];
const UPSTREAM = path.join(CHART_DIR, 'files/policyreport-crds.yaml');
/** What Kyverno's own Helm release puts on the CRDs it installs. */
const KYVERNO = {
  labels: { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/part-of': 'kyverno' },
  annotations: {
    'meta.helm.sh/release-name': 'kyverno',
    'meta.helm.sh/release-namespace': 'kyverno',
  },
};

interface Metadata {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The names of the PolicyReport CRDs among `objects`, sorted. */
const reportCrds = (objects: K8sObject[]): string[] =>
  objects
    .filter(
      (o) => o.kind === 'CustomResourceDefinition' && o.metadata.name.endsWith('.wgpolicyk8s.io'),
    )
    .map((o) => o.metadata.name)
    .sort();

describe('PolicyReport CRDs of the chart', () => {
  describe('when rendered with helm template (no cluster: lookup finds none)', () => {
    it('renders both, kept on uninstall, with the default values', async () => {
      const objects = parseManifests(await helmTemplate({ release: RELEASE, namespace: NS }));
      expect(reportCrds(objects)).toEqual(CRDS);
      const crd = objects.find((o) => o.metadata.name === CRDS[1])!;
      expect(crd.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    });

    it.each([
      ['policyReports.installCrds=false', { 'policyReports.installCrds': 'false' }],
      ['scan.enabled=false', { 'scan.enabled': 'false' }],
    ])('renders none with %s', async (_, values) => {
      const objects = parseManifests(
        await helmTemplate({ release: RELEASE, namespace: NS, values }),
      );
      expect(objects.some((o) => o.kind === 'Deployment')).toBe(true);
      expect(reportCrds(objects)).toEqual([]);
    });
  });

  describe('on a real kube-apiserver', () => {
    let cp: ControlPlane;
    let helm: (args: string[]) => Promise<RunResult>;

    const manifestCrds = async (): Promise<string[]> => {
      const got = await helm(['get', 'manifest', RELEASE, '-n', NS]);
      expect(got.code).toBe(0);
      return reportCrds(parseManifests(got.stdout));
    };
    /** The CRDs' metadata as the API server holds them (undefined: there is none). */
    const liveCrds = async (): Promise<Metadata[] | undefined> => {
      const got = await cp.kubectl(['get', 'crd', ...CRDS, '-o', 'json', '--ignore-not-found']);
      expect(got.stderr).toBe('');
      if (got.stdout.trim() === '') return undefined;
      const items = (JSON.parse(got.stdout) as { items: { metadata: Metadata }[] }).items;
      return items.length === 0 ? undefined : items.map((i) => i.metadata);
    };
    const install = async (): Promise<void> => {
      const installed = await helm(['install', RELEASE, CHART_DIR, '-n', NS, '--wait=false']);
      expect(installed.stderr).toBe('');
      expect(installed.stdout).toContain('STATUS: deployed');
    };
    const uninstall = async (): Promise<void> => {
      expect((await helm(['uninstall', RELEASE, '-n', NS])).code).toBe(0);
    };

    beforeAll(async () => {
      cp = await startControlPlane();
      helm = clusterHelm(cp);
      expect((await cp.kubectl(['create', 'namespace', NS])).code).toBe(0);
    });

    afterAll(async () => {
      await cp?.stop();
    });

    describe('when another tool installed the CRDs', () => {
      beforeAll(async () => {
        const foreign = loadAll(readFileSync(UPSTREAM, 'utf8'))
          .filter((d): d is { metadata: Metadata } => typeof d === 'object' && d !== null)
          .map((d) => ({
            ...d,
            metadata: {
              ...d.metadata,
              labels: KYVERNO.labels,
              annotations: { ...d.metadata.annotations, ...KYVERNO.annotations },
            },
          }));
        const created = await cp.kubectl(['create', '-f', '-'], {
          input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: foreign }),
        });
        expect(created.stderr).toBe('');
        const crds = CRDS.map((n) => `crd/${n}`);
        expect((await cp.kubectl(['wait', '--for=condition=Established', ...crds])).code).toBe(0);
      });

      // The next case needs a cluster without them, and without this release's webhooks.
      afterAll(async () => {
        const [removed, deleted] = [
          await helm(['uninstall', RELEASE, '-n', NS]),
          await cp.kubectl(['delete', 'crd', ...CRDS]),
        ];
        expect([removed.code, deleted.code]).toEqual([0, 0]);
      });

      it('installs without rendering or taking them (helm install)', async () => {
        await install();
        expect(await manifestCrds()).toEqual([]);
        for (const crd of (await liveCrds())!) {
          expect(crd.labels).toEqual(KYVERNO.labels);
          expect(crd.annotations).toMatchObject(KYVERNO.annotations);
          expect(crd.annotations).not.toHaveProperty('helm.sh/resource-policy');
        }
      });
    });

    describe('when the cluster has none', () => {
      it('creates them with helm install, owned by the release', async () => {
        expect(await liveCrds()).toBeUndefined();
        await install();
        expect(await manifestCrds()).toEqual(CRDS);
        const crds = CRDS.map((n) => `crd/${n}`);
        expect((await cp.kubectl(['wait', '--for=condition=Established', ...crds])).code).toBe(0);
        const live = (await liveCrds())!;
        expect(live.map((c) => c.name).sort()).toEqual(CRDS);
        for (const crd of live) {
          expect(crd.labels).toMatchObject({
            'app.kubernetes.io/managed-by': 'Helm',
            'app.kubernetes.io/instance': RELEASE,
          });
          expect(crd.annotations).toMatchObject({
            'meta.helm.sh/release-name': RELEASE,
            'meta.helm.sh/release-namespace': NS,
            'helm.sh/resource-policy': 'keep',
          });
        }
      });

      it('keeps rendering them on helm upgrade (the release owns them)', async () => {
        const upgraded = await helm(['upgrade', RELEASE, CHART_DIR, '-n', NS, '--wait=false']);
        expect(upgraded.stderr).toBe('');
        expect(await manifestCrds()).toEqual(CRDS);
      });

      it('keeps them on helm uninstall', async () => {
        await uninstall();
        expect((await liveCrds())?.map((c) => c.name).sort()).toEqual(CRDS);
      });
    });
  });
});
