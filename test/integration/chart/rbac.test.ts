// T-53 on the rendered chart: least-privilege RBAC. Secrets only in the release namespace,
// unless the pull-secret opt-in adds `get` (never list or watch) cluster-wide.
import { describe, expect, it } from 'vitest';
import { helmTemplate, parseManifests, type K8sObject } from './render.js';

const NS = 'na-system';
const NAME = 'na-notary-admission';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const render = async (values: Record<string, string> = {}): Promise<K8sObject[]> =>
  parseManifests(await helmTemplate({ release: 'na', namespace: NS, values }));

const rulesOf = (objects: K8sObject[], kind: string): Record<string, Rule[]> =>
  Object.fromEntries(
    objects.filter((o) => o.kind === kind).map((o) => [o.metadata.name, o['rules'] as Rule[]]),
  );

const allRules = (byName: Record<string, Rule[]>): Rule[] => Object.values(byName).flat();

/** Without Events and the background verifier: the admission webhook's own rights. */
const QUIET = { 'events.enabled': 'false', 'scan.enabled': 'false' };

describe('chart RBAC', () => {
  describe('when rendered with the default values', () => {
    it('T-53 ClusterRole reads our CRDs and Namespaces, patches our status, and no Secrets', async () => {
      const roles = rulesOf(await render(QUIET), 'ClusterRole');
      expect(roles).toEqual({
        [NAME]: [
          {
            apiGroups: ['notary-admission.dev'],
            resources: ['trustpolicies', 'truststores'],
            verbs: ['get', 'list', 'watch'],
          },
          {
            apiGroups: ['notary-admission.dev'],
            resources: ['trustpolicies/status', 'truststores/status'],
            verbs: ['patch'],
          },
          { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
        ],
      });
    });

    it('T-53 grants no wildcard and no write on webhook configurations', async () => {
      const objects = await render();
      const rules = [
        ...allRules(rulesOf(objects, 'ClusterRole')),
        ...allRules(rulesOf(objects, 'Role')),
      ];
      for (const rule of rules) {
        expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
        // The chart (Helm or cert-manager) writes the caBundle; the service never does.
        expect(rule.apiGroups).not.toContain('admissionregistration.k8s.io');
      }
    });

    it('T-53 Role in the release namespace covers Secrets and ConfigMaps, and no Leases', async () => {
      const objects = await render(QUIET);
      const roles = objects.filter((o) => o.kind === 'Role');
      expect(roles.map((r) => [r.metadata.name, r.metadata.namespace])).toEqual([[NAME, NS]]);
      // Without the scan no replica elects a leader, so none is given Leases.
      expect(roles[0]!['rules']).toEqual([
        { apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['get', 'list', 'watch'] },
      ]);
    });

    it('adds Events, the workload kinds, PolicyReports and the scan Lease (issue 16)', async () => {
      const objects = await render();
      const cluster = rulesOf(objects, 'ClusterRole')[NAME]!;
      expect(cluster.slice(3)).toEqual([
        { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
        {
          apiGroups: ['apps'],
          resources: ['deployments', 'statefulsets', 'daemonsets'],
          verbs: ['list', 'watch'],
        },
        { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['list', 'watch'] },
        {
          apiGroups: ['wgpolicyk8s.io'],
          resources: ['policyreports'],
          verbs: ['get', 'list', 'create', 'patch', 'delete'],
        },
      ]);
      const role = rulesOf(objects, 'Role')[NAME]!;
      expect(role.slice(1)).toEqual([
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          resourceNames: [`${NAME}-scan`],
          verbs: ['get', 'update'],
        },
      ]);
      // Workloads are listed and watched, never read one by one, changed or deleted.
      for (const rule of cluster.filter((r) =>
        r.apiGroups.some((g) => ['apps', 'batch'].includes(g)),
      ))
        expect(rule.verbs).toEqual(['list', 'watch']);
    });

    it('T-53 binds each role to the service account of the release namespace only', async () => {
      const objects = await render();
      const bindings = objects.filter((o) => /RoleBinding$/.test(o.kind));
      expect(bindings.map((b) => [b.kind, b['roleRef'], b['subjects']])).toEqual(
        ['ClusterRoleBinding', 'RoleBinding'].map((kind) => [
          kind,
          { apiGroup: 'rbac.authorization.k8s.io', kind: kind.replace('Binding', ''), name: NAME },
          [{ kind: 'ServiceAccount', name: NAME, namespace: NS }],
        ]),
      );
    });

    it('T-53 mounts the service account token only in the webhook pod', async () => {
      const objects = await render();
      const [account] = objects.filter((o) => o.kind === 'ServiceAccount');
      expect(account!['automountServiceAccountToken']).toBe(false);
    });
  });

  describe('when the pull-secret opt-in is on', () => {
    it('T-53 adds a ClusterRole with get only on Secrets and ServiceAccounts', async () => {
      const roles = rulesOf(await render({ 'config.pullSecrets': 'true' }), 'ClusterRole');
      expect(Object.keys(roles)).toEqual([NAME, `${NAME}-pull-secrets`]);
      expect(roles[`${NAME}-pull-secrets`]).toEqual([
        { apiGroups: [''], resources: ['secrets', 'serviceaccounts'], verbs: ['get'] },
      ]);
      expect(roles[NAME]!.flatMap((r) => r.resources)).not.toContain('secrets');
    });
  });

  describe('when rbac.create is false', () => {
    it('returns no roles or bindings', async () => {
      const kinds = (await render({ 'rbac.create': 'false' })).map((o) => o.kind);
      expect(kinds.filter((k) => /Role/.test(k))).toEqual([]);
    });
  });
});
