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

/** Issue 17's ClusterRoles: the service's reads of the namespaced kinds, and two for teams. */
const TENANCY = [`${NAME}-tenancy`, `${NAME}-namespace-policies`, `${NAME}-break-glass`];
const withoutTenancy = <T>(byName: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(byName).filter(([name]) => !TENANCY.includes(name)));

/** Without Events, the background verifier and self-managed TLS: admission's own rights. */
const QUIET = { 'events.enabled': 'false', 'scan.enabled': 'false', 'tls.mode': 'cert-manager' };

describe('chart RBAC', () => {
  describe('when rendered with the default values', () => {
    it('T-53 ClusterRole reads our CRDs and Namespaces, patches our status, and no Secrets', async () => {
      const roles = withoutTenancy(rulesOf(await render(QUIET), 'ClusterRole'));
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

    it('T-53 grants no wildcard, and writes on webhook configurations only by name', async () => {
      const objects = await render();
      const rules = [
        ...allRules(rulesOf(objects, 'ClusterRole')),
        ...allRules(rulesOf(objects, 'Role')),
      ];
      for (const rule of rules) {
        expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
        // Self-managed TLS writes the caBundle of our two configurations, and no other.
        if (rule.apiGroups.includes('admissionregistration.k8s.io'))
          expect(rule).toMatchObject({ resourceNames: [NAME], verbs: ['get', 'patch'] });
      }
    });

    it('T-53 self-managed TLS: get and patch of our two configurations, patch of one Secret, one Lease', async () => {
      const objects = await render({ 'events.enabled': 'false', 'scan.enabled': 'false' });
      expect(rulesOf(objects, 'ClusterRole')[NAME]!.slice(3)).toEqual(
        ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'].map((resource) => ({
          apiGroups: ['admissionregistration.k8s.io'],
          resources: [resource],
          resourceNames: [NAME],
          verbs: ['get', 'patch'],
        })),
      );
      expect(rulesOf(objects, 'Role')[NAME]!.slice(1)).toEqual([
        {
          apiGroups: [''],
          resources: ['secrets'],
          resourceNames: [`${NAME}-serving-tls`],
          verbs: ['patch'],
        },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          resourceNames: [`${NAME}-tls`],
          verbs: ['get', 'update'],
        },
      ]);
      const mutatingOff = await render({ 'webhook.mutating.enabled': 'false' });
      const resources = rulesOf(mutatingOff, 'ClusterRole')[NAME]!.flatMap((r) => r.resources);
      expect(resources).not.toContain('mutatingwebhookconfigurations');
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
      const objects = await render({ 'tls.mode': 'cert-manager' });
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

    it('issue 17: the service reads the namespaced kinds and writes their status; teams get two roles to bind', async () => {
      const roles = rulesOf(await render(QUIET), 'ClusterRole');
      expect(roles[`${NAME}-tenancy`]).toEqual([
        {
          apiGroups: ['notary-admission.dev'],
          resources: ['namespacetrustpolicies', 'namespacetruststores', 'trustpolicyexceptions'],
          verbs: ['get', 'list', 'watch'],
        },
        {
          apiGroups: ['notary-admission.dev'],
          resources: [
            'namespacetrustpolicies/status',
            'namespacetruststores/status',
            'trustpolicyexceptions/status',
          ],
          verbs: ['patch'],
        },
      ]);
      // Breaking glass is its own verb: create alone (or edit on the group) is not enough.
      expect(roles[`${NAME}-break-glass`]![0]!.verbs).toContain('break-glass');
      expect(roles[`${NAME}-namespace-policies`]!.flatMap((r) => r.verbs)).not.toContain(
        'break-glass',
      );
      for (const rule of TENANCY.flatMap((n) => roles[n]!))
        expect(rule.resources).not.toContain('secrets');
    });

    it('T-53 binds each role to the service account of the release namespace only', async () => {
      const objects = await render();
      const bindings = objects.filter(
        (o) => /RoleBinding$/.test(o.kind) && o.metadata.name !== `${NAME}-tenancy`,
      );
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
      expect(Object.keys(withoutTenancy(roles))).toEqual([NAME, `${NAME}-pull-secrets`]);
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
