// T-51 and T-57 on the rendered chart: the webhook configurations' scope and safety settings,
// and the pre-delete hooks that remove them before anything else on uninstall.
import { beforeAll, describe, expect, it } from 'vitest';
import { helmTemplate, parseManifests, type K8sObject } from './render.js';

const NS = 'na-system';
const NAME = 'na-notary-admission';

interface Webhook {
  name: string;
  clientConfig: { service?: { name: string; namespace: string; path: string; port: number } };
  rules: {
    apiGroups: string[];
    apiVersions: string[];
    operations: string[];
    resources: string[];
  }[];
  namespaceSelector: unknown;
  objectSelector?: unknown;
  [field: string]: unknown;
}

const render = async (values: Record<string, string> = {}): Promise<K8sObject[]> =>
  parseManifests(await helmTemplate({ release: 'na', namespace: NS, values }));

const isHook = (o: K8sObject): boolean => o.metadata.annotations?.['helm.sh/hook'] !== undefined;

function webhooksOf(objects: K8sObject[], kind: string): Webhook[] {
  const configs = objects.filter((o) => o.kind === kind && !isHook(o));
  expect(configs.map((c) => c.metadata.name)).toEqual([NAME]);
  return configs[0]!['webhooks'] as Webhook[];
}

/** Resource → operations, over all rules of a webhook. */
function operationsByResource(webhook: Webhook): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const rule of webhook.rules)
    for (const resource of rule.resources)
      out[`${rule.apiGroups.join(',') || 'core'}/${rule.apiVersions.join(',')}/${resource}`] =
        rule.operations;
  return out;
}

const EXPECTED_RULES = {
  'core/v1/pods': ['CREATE', 'UPDATE'],
  'core/v1/pods/ephemeralcontainers': ['UPDATE'],
  'core/v1/replicationcontrollers': ['CREATE', 'UPDATE'],
  'core/v1/podtemplates': ['CREATE', 'UPDATE'],
  'apps/v1/deployments': ['CREATE', 'UPDATE'],
  'apps/v1/replicasets': ['CREATE', 'UPDATE'],
  'apps/v1/statefulsets': ['CREATE', 'UPDATE'],
  'apps/v1/daemonsets': ['CREATE', 'UPDATE'],
  'batch/v1/jobs': ['CREATE', 'UPDATE'],
  'batch/v1/cronjobs': ['CREATE', 'UPDATE'],
};

const exemptBy = (names: string[]) => ({
  matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: names }],
});

describe('chart webhook configurations', () => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await render();
  });

  describe('when rendered with the default values', () => {
    it.each([
      ['ValidatingWebhookConfiguration', 'validate.notary-admission.dev', '/validate'],
      ['MutatingWebhookConfiguration', 'mutate.notary-admission.dev', '/mutate'],
    ])(
      'T-51 %s is fail-closed, scoped and exempts kube-system and its namespace',
      (kind, name, p) => {
        const webhooks = webhooksOf(objects, kind);
        expect(webhooks.map((w) => w.name)).toEqual([name]);
        const webhook = webhooks[0]!;
        expect(webhook.namespaceSelector).toEqual(exemptBy(['kube-system', NS]));
        expect(webhook.objectSelector).toBeUndefined();
        expect(operationsByResource(webhook)).toEqual(EXPECTED_RULES);
        // /validate writes Events, never for a dry run (docs/visibility.md); /mutate writes none.
        expect(webhook['sideEffects']).toBe(p === '/validate' ? 'NoneOnDryRun' : 'None');
        expect(webhook['admissionReviewVersions']).toEqual(['v1']);
        expect(webhook['matchPolicy']).toBe('Equivalent');
        expect(webhook['failurePolicy']).toBe('Fail');
        expect(webhook['timeoutSeconds']).toBe(10);
        expect(webhook.clientConfig.service).toEqual({
          name: NAME,
          namespace: NS,
          path: p,
          port: 443,
        });
      },
    );

    it('declares sideEffects None on both when events.enabled is false', async () => {
      const quiet = await render({ 'events.enabled': 'false' });
      for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'])
        expect(webhooksOf(quiet, kind)[0]!['sideEffects']).toBe('None');
    });

    it('T-51 mutating webhook is reinvoked after other mutations (IfNeeded)', () => {
      const [webhook] = webhooksOf(objects, 'MutatingWebhookConfiguration');
      expect(webhook!['reinvocationPolicy']).toBe('IfNeeded');
    });

    it('T-57 pre-delete hooks of the same names delete both configurations first', () => {
      const hooks = objects.filter(isHook);
      expect(hooks.map((h) => [h.kind, h.metadata.name])).toEqual([
        ['MutatingWebhookConfiguration', NAME],
        ['ValidatingWebhookConfiguration', NAME],
      ]);
      for (const hook of hooks) {
        expect(hook.metadata.annotations).toEqual({
          'helm.sh/hook': 'pre-delete',
          'helm.sh/hook-weight': '-100',
          'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
        });
        // Identical webhooks: `helm template | kubectl apply`, which applies hooks too, changes
        // nothing.
        expect(hook['webhooks']).toEqual(webhooksOf(objects, hook.kind));
      }
    });
  });

  describe('when more namespaces are exempt', () => {
    it('T-51 adds them after kube-system and the release namespace, once each', async () => {
      const values = {
        'webhook.exemptNamespaces[0]': 'istio-system',
        'webhook.exemptNamespaces[1]': NS,
      };
      const [webhook] = webhooksOf(await render(values), 'ValidatingWebhookConfiguration');
      expect(webhook!.namespaceSelector).toEqual(exemptBy(['kube-system', NS, 'istio-system']));
    });
  });

  describe('when timeoutSeconds is set', () => {
    it.each([1, 30])('T-51 renders %i', async (seconds) => {
      const objs = await render({ 'webhook.timeoutSeconds': String(seconds) });
      expect(webhooksOf(objs, 'ValidatingWebhookConfiguration')[0]!['timeoutSeconds']).toBe(
        seconds,
      );
    });

    it.each([0, 31])('T-51 throws for %i (outside 1..30)', async (seconds) => {
      await expect(render({ 'webhook.timeoutSeconds': String(seconds) })).rejects.toThrow(
        /\/webhook\/timeoutSeconds': (minimum|maximum)/,
      );
    });
  });

  describe('when the mutating webhook is turned off', () => {
    it('returns no MutatingWebhookConfiguration, live or hook', async () => {
      const objs = await render({ 'webhook.mutating.enabled': 'false' });
      expect(objs.filter((o) => o.kind === 'MutatingWebhookConfiguration')).toEqual([]);
      expect(webhooksOf(objs, 'ValidatingWebhookConfiguration')).toHaveLength(1);
    });
  });
});
