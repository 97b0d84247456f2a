// Issue 17's chart knobs: failurePolicy, objectSelector, namespace opt-in, matchConditions
// passthrough, the HorizontalPodAutoscaler (and the PodDisruptionBudget kept consistent with it),
// the exceptions' ValidatingAdmissionPolicy with the cluster maximum, and the team roles: each
// new value passes helm lint and a server-side dry run on a real kube-apiserver, and renders what
// it says.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../harness/controlplane.js';
import { run } from '../../harness/run.js';
import { requireTool } from '../../harness/tools.js';
import { CHART_DIR, helmTemplate, parseManifests, valueArgs, type K8sObject } from './render.js';

const NS = 'na-system';
const FIXTURE_CRDS = path.join(import.meta.dirname, 'fixture-crds.yaml');
const MATCH = {
  'webhook.matchConditions[0].name': 'not-break-glass-sa',
  'webhook.matchConditions[0].expression':
    "request.userInfo.username != 'system:serviceaccount:ops:glass'",
};

/** Each new value, as a user sets it. */
const VALUES: [string, Record<string, string>][] = [
  ['failurePolicy Ignore', { 'webhook.failurePolicy': 'Ignore' }],
  [
    'an objectSelector',
    {
      'webhook.objectSelector.matchExpressions[0].key': 'tier',
      'webhook.objectSelector.matchExpressions[0].operator': 'Exists',
    },
  ],
  ['namespace opt-in', { 'webhook.namespaceOptIn.enabled': 'true' }],
  ['matchConditions', MATCH],
  [
    'an autoscaler',
    { 'autoscaling.enabled': 'true', 'autoscaling.targetMemoryUtilizationPercentage': '80' },
  ],
  ['a shorter exception maximum', { 'exceptions.maxDuration': '90m' }],
];

const render = async (values: Record<string, string> = {}): Promise<K8sObject[]> =>
  parseManifests(await helmTemplate({ release: 'na', namespace: NS, values }));
const one = (objects: K8sObject[], kind: string, hook = false): K8sObject => {
  const found = objects.filter(
    (o) => o.kind === kind && (o.metadata.annotations?.['helm.sh/hook'] !== undefined) === hook,
  );
  expect(found).toHaveLength(1);
  return found[0]!;
};
const validating = (objects: K8sObject[]) =>
  (one(objects, 'ValidatingWebhookConfiguration')['webhooks'] as Record<string, unknown>[])[0]!;

describe('chart knobs of issue 17', () => {
  describe('when each new value is set', () => {
    it.each(VALUES)('helm lint --strict finds nothing for %s', async (_, values) => {
      const r = await run(requireTool('helm'), [
        'lint',
        '--strict',
        CHART_DIR,
        ...valueArgs({ values }),
      ]);
      expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
      expect(r.code).toBe(0);
    });

    it('renders the objectSelector, matchConditions, failurePolicy and opt-in given, in both webhooks', async () => {
      const objects = await render({
        ...MATCH,
        'webhook.failurePolicy': 'Ignore',
        'webhook.objectSelector.matchLabels.tier': 'apps',
        'webhook.namespaceOptIn.enabled': 'true',
      });
      for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
        const [webhook] = one(objects, kind)['webhooks'] as Record<string, unknown>[];
        expect(webhook).toMatchObject({
          failurePolicy: 'Ignore',
          objectSelector: { matchLabels: { tier: 'apps' } },
          matchConditions: [
            {
              name: 'not-break-glass-sa',
              expression: MATCH['webhook.matchConditions[0].expression'],
            },
          ],
          namespaceSelector: {
            matchExpressions: [
              {
                key: 'kubernetes.io/metadata.name',
                operator: 'NotIn',
                values: ['kube-system', NS],
              },
              { key: 'notary-admission.dev/verify', operator: 'In', values: ['true'] },
            ],
          },
        });
      }
    });

    it('keeps the defaults fail-closed: Fail, no objectSelector, opt-out', async () => {
      const webhook = validating(await render());
      expect(webhook['failurePolicy']).toBe('Fail');
      expect(webhook['objectSelector']).toBeUndefined();
      expect(
        (webhook['namespaceSelector'] as { matchExpressions: unknown[] }).matchExpressions,
      ).toHaveLength(1);
    });

    it('renders the autoscaler instead of replicas, with the PodDisruptionBudget below its floor', async () => {
      const objects = await render({
        'autoscaling.enabled': 'true',
        'autoscaling.minReplicas': '3',
      });
      const hpa = one(objects, 'HorizontalPodAutoscaler');
      expect(hpa['spec']).toMatchObject({ minReplicas: 3, maxReplicas: 5 });
      expect(
        (one(objects, 'Deployment')['spec'] as Record<string, unknown>)['replicas'],
      ).toBeUndefined();
      expect(one(objects, 'PodDisruptionBudget')['spec']).toMatchObject({ minAvailable: 1 });
      expect((await render()).some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
    });

    it('renders a percentage minAvailable that keeps a replica evictable at the floor', async () => {
      const objects = await render({
        'autoscaling.enabled': 'true',
        'podDisruptionBudget.minAvailable': '50%',
      });
      expect(one(objects, 'PodDisruptionBudget')['spec']).toMatchObject({ minAvailable: '50%' });
    });

    it.each([
      [
        { 'autoscaling.enabled': 'true', 'podDisruptionBudget.minAvailable': '2' },
        'must be below autoscaling.minReplicas',
      ],
      [
        { 'autoscaling.enabled': 'true', 'podDisruptionBudget.minAvailable': '67%' },
        'must be below autoscaling.minReplicas',
      ],
      [
        { 'autoscaling.enabled': 'true', 'autoscaling.minReplicas': '1' },
        "at '/autoscaling/minReplicas'",
      ],
      [{ 'webhook.failurePolicy': 'Open' }, "at '/webhook/failurePolicy'"],
      [{ 'exceptions.maxDuration': '1d' }, "at '/exceptions/maxDuration'"],
    ])('refuses %j', async (values, message) => {
      await expect(render(values)).rejects.toThrow(message);
    });

    it('renders the exceptions policy with the maximum, and the flag the service reads', async () => {
      const objects = await render({ 'exceptions.maxDuration': '90m' });
      const policy = one(objects, 'ValidatingAdmissionPolicy');
      expect(JSON.stringify(policy['spec'])).toContain("duration('90m')");
      expect(JSON.stringify(policy['spec'])).toContain("check('break-glass')");
      expect(one(objects, 'ValidatingAdmissionPolicyBinding')['spec']).toEqual({
        policyName: 'na-notary-admission-exceptions',
        validationActions: ['Deny'],
      });
      const args = JSON.stringify(one(objects, 'Deployment')['spec']);
      expect(args).toContain('--max-exception-duration=90m');
    });
  });

  describe('on a real kube-apiserver', () => {
    let cp: ControlPlane;
    beforeAll(async () => {
      cp = await startControlPlane();
      for (const file of [path.join(CHART_DIR, 'crds'), FIXTURE_CRDS])
        expect((await cp.kubectl(['apply', '--server-side', '-f', file])).code).toBe(0);
      expect((await cp.kubectl(['create', 'namespace', NS])).code).toBe(0);
      expect((await cp.kubectl(['wait', '--for=condition=Established', 'crd', '--all'])).code).toBe(
        0,
      );
    });
    afterAll(() => cp?.stop());

    it('warns in NOTES for failurePolicy Ignore and an objectSelector, and says opt-in (helm install --dry-run=server)', async () => {
      const install = (values: Record<string, string>) =>
        run(requireTool('helm'), [
          'install',
          'na',
          CHART_DIR,
          '--dry-run=server',
          '--namespace',
          NS,
          '--kubeconfig',
          cp.kubeconfigPath,
          ...valueArgs({ values }),
        ]);
      const loose = await install({
        'webhook.failurePolicy': 'Ignore',
        'webhook.objectSelector.matchLabels.tier': 'apps',
        'webhook.namespaceOptIn.enabled': 'true',
      });
      expect(loose.code).toBe(0);
      const notes = loose.stdout.slice(loose.stdout.indexOf('NOTES:'));
      expect(notes).toContain('FAIL-OPEN');
      expect(notes).toContain('WARNING: webhook.failurePolicy is Ignore');
      expect(notes).toContain('WARNING: webhook.objectSelector is set');
      expect(notes).toContain('Only namespaces labelled notary-admission.dev/verify=true');
      const strict = await install({});
      expect(strict.code).toBe(0);
      expect(strict.stdout).toContain('FAIL-CLOSED');
      expect(strict.stdout).not.toContain('WARNING: webhook.');
    });

    it.each(VALUES)(
      'accepts every object with %s (kubectl apply --dry-run=server)',
      async (_, values) => {
        const text = await helmTemplate({ release: 'na', namespace: NS, values });
        const r = await cp.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: text });
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout.split('\n').filter((l) => l.endsWith(' (server dry run)'))).toHaveLength(
          parseManifests(text).length,
        );
      },
    );
  });
});
