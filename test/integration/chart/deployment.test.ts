// T-52 on the rendered chart: pod hardening, availability, probes and the drain budget; and the
// container's command line, parsed by the service's own flag parser.
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDuration, parseServeArgs } from '../../../src/config/index.js';
import { helmTemplate, parseManifests, type K8sObject } from './render.js';

const NS = 'na-system';
const SELECTOR = {
  'app.kubernetes.io/name': 'notary-admission',
  'app.kubernetes.io/instance': 'na',
};

interface Probe {
  httpGet: { path: string; port: string; scheme: string };
}
interface Container {
  args: string[];
  env: { name: string; value: string }[];
  securityContext: Record<string, unknown>;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe: Probe;
  readinessProbe: Probe;
  startupProbe?: Probe;
}
interface PodSpec {
  securityContext: Record<string, unknown>;
  terminationGracePeriodSeconds: number;
  containers: Container[];
  topologySpreadConstraints?: { topologyKey: string; labelSelector: unknown }[];
  automountServiceAccountToken: boolean;
}

const render = async (values: Record<string, string> = {}): Promise<K8sObject[]> =>
  parseManifests(await helmTemplate({ release: 'na', namespace: NS, values }));

function deployment(objects: K8sObject[]): { replicas: number; pod: PodSpec } {
  const found = objects.filter((o) => o.kind === 'Deployment');
  expect(found).toHaveLength(1);
  const spec = found[0]!['spec'] as { replicas: number; template: { spec: PodSpec } };
  return { replicas: spec.replicas, pod: spec.template.spec };
}

const flag = (args: string[], name: string): string | undefined =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

describe('chart Deployment', () => {
  let objects: K8sObject[];
  let pod: PodSpec;
  let container: Container;
  beforeAll(async () => {
    objects = await render();
    pod = deployment(objects).pod;
    expect(pod.containers).toHaveLength(1);
    container = pod.containers[0]!;
  });

  describe('when rendered with the default values', () => {
    it('T-52 runs non-root, read-only, without capabilities, under RuntimeDefault seccomp', () => {
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        privileged: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
    });

    it('T-52 runs 2 replicas spread over nodes and zones, with a PodDisruptionBudget', () => {
      expect(deployment(objects).replicas).toBe(2);
      expect(pod.topologySpreadConstraints?.map((t) => t.topologyKey)).toEqual([
        'kubernetes.io/hostname',
        'topology.kubernetes.io/zone',
      ]);
      for (const t of pod.topologySpreadConstraints ?? [])
        expect(t.labelSelector).toEqual({ matchLabels: SELECTOR });
      const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
      expect(pdbs.map((p) => p['spec'])).toEqual([
        {
          minAvailable: 1,
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
          selector: { matchLabels: SELECTOR },
        },
      ]);
    });

    it('T-52 probes /livez and /readyz over HTTPS, with a startup probe on /readyz', () => {
      const probe = (path: string) => ({ httpGet: { path, port: 'https', scheme: 'HTTPS' } });
      expect(container.livenessProbe).toMatchObject(probe('/livez'));
      expect(container.readinessProbe).toMatchObject(probe('/readyz'));
      expect(container.startupProbe).toMatchObject(probe('/readyz'));
    });

    it('T-52 gives a pod more grace than the drain delay plus the webhook timeout', () => {
      const drainMs = parseDuration(flag(container.args, 'drain-delay') ?? '');
      expect(drainMs).toBe(5_000);
      expect(pod.terminationGracePeriodSeconds).toBe(30);
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(drainMs + 10_000);
    });

    it('T-52 sets requests, limits, a V8 heap of 75% of the memory limit and 4 MiB semi-spaces', () => {
      expect(container.resources).toEqual({
        requests: { cpu: '100m', memory: '256Mi' },
        limits: { cpu: '1', memory: '512Mi' },
      });
      expect(container.env).toContainEqual({
        name: 'NODE_OPTIONS',
        value: '--max-old-space-size=384 --max-semi-space-size=4',
      });
    });

    it('returns arguments that `serve` accepts: policies from the cluster, TLS it keeps in a Secret', () => {
      expect(container.args[0]).toBe('serve');
      const settings = parseServeArgs(container.args.slice(1), {
        KUBERNETES_SERVICE_HOST: '10.0.0.1',
      });
      expect(settings).toMatchObject({
        host: '0.0.0.0',
        port: 8443,
        metricsPort: 9090,
        selfManagedTls: { secretName: 'na-notary-admission-serving-tls' },
        policySource: 'kubernetes',
        trustNamespace: NS,
        pullSecrets: false,
        drainDelayMs: 5_000,
        noMatch: 'Deny',
        mutatingWebhook: true,
      });
      expect(container.args).not.toContain('--no-mutating-webhook');
    });
  });

  describe('when the mutating webhook is turned off', () => {
    it('returns --no-mutating-webhook, so /validate does not demand the digests nothing pins', async () => {
      const { pod: p } = deployment(await render({ 'webhook.mutating.enabled': 'false' }));
      const settings = parseServeArgs(p.containers[0]!.args.slice(1), {
        KUBERNETES_SERVICE_HOST: '10.0.0.1',
      });
      expect(settings.mutatingWebhook).toBe(false);
    });
  });

  describe('when the memory limit is 1Gi', () => {
    it('T-52 returns a heap of 768 MiB', async () => {
      const { pod: p } = deployment(await render({ 'resources.limits.memory': '1Gi' }));
      expect(p.containers[0]!.env).toContainEqual({
        name: 'NODE_OPTIONS',
        value: '--max-old-space-size=768 --max-semi-space-size=4',
      });
    });
  });

  describe('when semiSpaceMiB is null', () => {
    it("returns NODE_OPTIONS without --max-semi-space-size (Node's default)", async () => {
      const { pod: p } = deployment(await render({ semiSpaceMiB: 'null' }));
      expect(p.containers[0]!.env).toContainEqual({
        name: 'NODE_OPTIONS',
        value: '--max-old-space-size=384',
      });
    });
  });

  describe('when the grace period does not cover the drain delay and timeout', () => {
    it('T-52 throws and names both values', async () => {
      await expect(render({ terminationGracePeriodSeconds: '15' })).rejects.toThrow(
        'terminationGracePeriodSeconds (15) must exceed config.drainDelaySeconds + ' +
          'webhook.timeoutSeconds (15)',
      );
    });
  });

  describe('when one replica is asked for', () => {
    it('T-52 throws (the schema requires at least 2)', async () => {
      await expect(render({ replicaCount: '1' })).rejects.toThrow(
        "at '/replicaCount': minimum: got 1, want 2",
      );
    });
  });

  describe('when pull secrets and registry options are on', () => {
    it('returns arguments that `serve` accepts with them', async () => {
      const { pod: p } = deployment(
        await render({
          'config.pullSecrets': 'true',
          'config.insecureRegistries[0]': 'registry.local:5000',
          'config.allowPrivateNetworks[0]': '10.0.0.0/8',
          'registryCredentials.existingSecret': 'regcred',
          'config.extraArgs[0]': '--cache-ttl=2m',
        }),
      );
      const settings = parseServeArgs(p.containers[0]!.args.slice(1), {
        KUBERNETES_SERVICE_HOST: '10.0.0.1',
      });
      expect(settings).toMatchObject({
        pullSecrets: true,
        insecureRegistries: ['registry.local:5000'],
        registryCredentialsFile: '/etc/notary-admission/registry/config.json',
        cache: { positiveTtlMs: 120_000 },
      });
    });
  });
});
