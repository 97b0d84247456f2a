// Issue 17's acceptance through a real kube-apiserver that calls the real service: a team's
// NamespaceTrustPolicy tightens its own namespace only; it cannot name another namespace's trust
// store, skip, allow on error or weaken by Audit; a TrustPolicyException admits with a warning
// and an Event until it expires, is refused at creation beyond the maximum or without the
// break-glass verb (the chart's ValidatingAdmissionPolicy), cannot be moved forward, and never
// reaches another namespace. Images signed by the real notation CLI in olareg.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../../src/config/index.js';
import { startService, type Service } from '../../../src/main.js';
import {
  makeServingCert,
  startControlPlane,
  type ControlPlane,
  type PushedImage,
} from '../../harness/index.js';
import { makeWorkdir } from '../../harness/workdir.js';
import { helmTemplate, parseManifests } from '../chart/render.js';
import {
  cluster,
  eventually,
  installCrds,
  trustPolicy,
  trustStore,
  type Cluster,
} from '../kube/cluster.js';
import { startSigningWorld, type SigningWorld } from '../webhook/fixtures.js';

const API = 'notary-admission.dev/v1alpha1';
const TRUST_NS = 'na-tenancy-trust';
const [A, B] = ['team-a', 'team-b'];
const CLUSTER_ONLY = 'admission webhook "validate.notary-admission.dev" denied the request';

let cp: ControlPlane;
let c: Cluster;
let world: SigningWorld;
let service: Service;
const img = {} as Record<'clusterOnly' | 'both' | 'unsigned' | 'audited', PushedImage>;
let sequence = 0;

const nsPolicy = (namespace: string, name: string, spec: Record<string, unknown>) => ({
  apiVersion: API,
  kind: 'NamespaceTrustPolicy',
  metadata: { namespace, name },
  spec: {
    registryScopes: [`${world.registry.host}/tenancy/*`],
    signatureVerification: { level: 'strict' },
    trustStores: [`ca:${namespace}/team`],
    trustedIdentities: ['*'],
    ...spec,
  },
});

/** Creates a Pod through the API server (which calls the webhook): what kubectl said. */
async function createPod(namespace: string, image: string, labels: Record<string, string> = {}) {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace, name: `p${++sequence}`, labels },
    spec: { containers: [{ name: 'app', image }] },
  };
  const r = await cp.kubectl(['create', '-f', '-'], { input: JSON.stringify(pod) });
  return { admitted: r.code === 0, stderr: r.stderr };
}

const exception = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: API,
  kind: 'TrustPolicyException',
  metadata: { namespace: A, name },
  spec: {
    images: [{ repository: `${world.registry.host}/tenancy/unsigned`, tag: img.unsigned.tag }],
    podSelector: { matchLabels: { app: 'web' } },
    reason: 'INC-17: vendor hotfix, unsigned',
    expiresAt: rfc3339(Date.now() + 3_600_000),
    ...spec,
  },
});
const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const create = (object: unknown, as?: string) =>
  cp.kubectl(['create', ...(as ? ['--as', as] : []), '-f', '-'], { input: JSON.stringify(object) });

const readyOf = async (kind: string, namespace: string, name: string) => {
  const out = await c.kubectl([
    'get',
    kind,
    '-n',
    namespace,
    name,
    '-o',
    'jsonpath={.status.conditions[?(@.type=="Ready")].reason}',
  ]);
  return out === '' ? undefined : out;
};

beforeAll(async () => {
  const serving = await makeServingCert();
  [cp, world] = await Promise.all([startControlPlane(), startSigningWorld({ kind: 'olareg' })]);
  c = cluster(cp);
  const names = ['clusterOnly', 'both', 'unsigned', 'audited'] as const;
  const pushed = await Promise.all(
    ['cluster-only', 'both', 'unsigned', 'audited'].map((r) => world.push(`tenancy/${r}`)),
  );
  names.forEach((n, i) => (img[n] = pushed[i]!));
  await world.sign(img.clusterOnly);
  await world.sign(img.both);
  await world.sign(img.both, { signer: world.stranger });
  for (const ns of [TRUST_NS, A, B]) await c.kubectl(['create', 'namespace', ns]);
  await installCrds(c);
  await c.kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=30s',
    ...['namespacetrustpolicies', 'namespacetruststores', 'trustpolicyexceptions'].map(
      (p) => `crd/${p}.notary-admission.dev`,
    ),
  ]);
  // The chart's exception guard and team roles, as helm renders them.
  const rendered = parseManifests(
    await helmTemplate({ release: 'na', namespace: TRUST_NS }),
  ).filter(
    (o) =>
      o.kind.startsWith('ValidatingAdmissionPolicy') ||
      (o.kind === 'ClusterRole' && /-(break-glass|namespace-policies)$/.test(o.metadata.name)),
  );
  await c.apply(...rendered);
  await c.apply(
    trustStore('trusted', [world.pki.root.pem]),
    trustPolicy('cluster', [`${world.registry.host}/tenancy/*`]),
    ...[A, B].map((namespace) => ({
      apiVersion: API,
      kind: 'NamespaceTrustStore',
      metadata: { namespace, name: 'team' },
      spec: { type: 'ca', certificates: [world.stranger.root.pem] },
    })),
    nsPolicy(A, 'team-signer', {}),
  );
  const dir = makeWorkdir('tenancy');
  service = await startService(
    parseServeArgs(
      [
        '--port=0',
        '--metrics-port=0',
        `--tls-cert=${serving.certPath}`,
        `--tls-key=${serving.keyPath}`,
        `--tls-dir=${dir}`,
        '--drain-delay=100ms',
        '--log-level=silent',
        '--allow-private-network=all',
        '--policy-source=kubernetes',
        `--kubeconfig=${cp.kubeconfigPath}`,
        `--trust-namespace=${TRUST_NS}`,
        '--scan-interval=off',
        '--no-mutating-webhook',
        ...world.serviceFlags,
      ],
      {},
    ),
  );
  await eventually('the policy source is ready', () => service.policies.current());
  const caBundle = (await readFile(serving.caPath)).toString('base64');
  await c.apply({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'na-tenancy' },
    webhooks: [
      {
        name: 'validate.notary-admission.dev',
        clientConfig: { url: `${service.url}/validate`, caBundle },
        rules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            operations: ['CREATE'],
            resources: ['pods'],
            scope: 'Namespaced',
          },
        ],
        namespaceSelector: {
          matchExpressions: [
            { key: 'kubernetes.io/metadata.name', operator: 'In', values: [A, B] },
          ],
        },
        failurePolicy: 'Fail',
        sideEffects: 'NoneOnDryRun',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 10,
      },
    ],
  });
  await eventually('team-a/team-signer is Ready', async () =>
    (await readyOf('namespacetrustpolicy', A, 'team-signer')) === 'Valid' ? true : undefined,
  );
});
afterAll(async () => {
  await service?.close();
  await Promise.allSettled([world?.stop(), cp?.stop()]);
});

describe('a NamespaceTrustPolicy through the API server', () => {
  it("denies in its namespace an image signed only by the cluster's signer, and not elsewhere", async () => {
    const denied = await eventually('the team policy applies', async () => {
      const r = await createPod(A, img.clusterOnly.reference);
      return r.admitted ? undefined : r;
    });
    expect(denied.stderr).toContain(CLUSTER_ONLY);
    expect(denied.stderr).toContain(
      'signature not trusted by namespace policy "team-a/team-signer"',
    );
    expect((await createPod(B, img.clusterOnly.reference)).admitted).toBe(true);
    expect((await createPod(A, img.both.reference)).admitted).toBe(true);
  });

  it("cannot name another namespace's trust store: Ready=False CrossNamespaceReference, its scope denied", async () => {
    await c.apply(
      nsPolicy(A, 'borrow', {
        registryScopes: [`${world.registry.host}/tenancy/both`],
        trustStores: [`ca:${B}/team`],
      }),
    );
    const reason = await eventually('the borrow policy status', () =>
      readyOf('namespacetrustpolicy', A, 'borrow'),
    );
    expect(reason).toBe('CrossNamespaceReference');
    // It would govern tenancy/both here (more closely than team-signer): denied, never handed on.
    const r = await createPod(A, img.both.reference);
    expect(r.admitted).toBe(false);
    expect(r.stderr).toContain(
      'NamespaceTrustPolicy "team-a/borrow" applies to this image but is not Ready',
    );
    await c.kubectl(['delete', 'namespacetrustpolicy', '-n', A, 'borrow']);
  });

  describe("when a team tries to weaken the cluster's policy", () => {
    it('is refused by the API server for level skip and onError Allow', async () => {
      const skip = await create(
        nsPolicy(A, 'skip', {
          signatureVerification: { level: 'skip' },
          trustStores: undefined,
          trustedIdentities: undefined,
        }),
      );
      expect(skip.code).not.toBe(0);
      expect(skip.stderr).toMatch(/Unsupported value: "skip"/);
      const allow = await create(nsPolicy(A, 'allow', { onError: 'Allow' }));
      expect(allow.code).not.toBe(0);
      expect(allow.stderr).toMatch(/Unsupported value: "Allow"/);
    });

    it('gains nothing with action Audit or the "*" scope: the cluster denial stands, other namespaces untouched', async () => {
      await c.apply(nsPolicy(B, 'lenient', { registryScopes: ['*'], action: 'Audit' }));
      await eventually('team-b/lenient is Ready', async () =>
        (await readyOf('namespacetrustpolicy', B, 'lenient')) === 'Valid' ? true : undefined,
      );
      // Unsigned: the cluster's policy denies it; the team's Audit cannot turn that around.
      const r = await createPod(B, img.audited.reference);
      expect(r.admitted).toBe(false);
      expect(r.stderr).toContain('signature not trusted by policy "cluster"');
      // Its "*" reaches team-b only: in team-a the cluster-signed image is judged as before.
      expect((await createPod(A, img.both.reference)).admitted).toBe(true);
    });
  });
});

describe('a TrustPolicyException through the API server', () => {
  it('is refused at creation when it runs longer than the maximum', async () => {
    const r = await create(
      exception('too-long', { expiresAt: rfc3339(Date.now() + 25 * 3_600_000) }),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('is more than 24h (the cluster maximum');
  });

  it('is refused at creation without the break-glass verb, even with create', async () => {
    await c.apply(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { namespace: A, name: 'create-only' },
        rules: [
          {
            apiGroups: ['notary-admission.dev'],
            resources: ['trustpolicyexceptions'],
            verbs: ['create'],
          },
        ],
      },
      ...[
        ['alice', 'Role', 'create-only'],
        ['bob', 'ClusterRole', 'na-notary-admission-break-glass'],
      ].map(([user, kind, role]) => ({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { namespace: A, name: user },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: role },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      })),
    );
    const alice = await create(exception('alice', {}), 'alice');
    expect(alice.code).not.toBe(0);
    expect(alice.stderr).toContain('needs the break-glass verb');
    const bob = await create(
      exception('bob', { podSelector: { matchLabels: { app: 'bob' } } }),
      'bob',
    );
    expect(bob.stderr).toBe('');
    expect(bob.code).toBe(0);
  });

  it('cannot have its expiry moved forward after creation', async () => {
    const fixed = exception('fixed', { podSelector: { matchLabels: { app: 'fixed' } } });
    expect((await create(fixed)).code).toBe(0);
    const r = await cp.kubectl([
      'patch',
      'trustpolicyexception',
      '-n',
      A,
      'fixed',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { expiresAt: rfc3339(Date.now() + 20 * 3_600_000) } }),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('immutable');
  });

  it('admits its image with a warning and an Event until it expires, then denies within 2 s', async () => {
    const expiresAt = Math.ceil((Date.now() + 6_000) / 1000) * 1000;
    expect((await create(exception('hotfix', { expiresAt: rfc3339(expiresAt) }))).code).toBe(0);
    const admitted = await eventually('the exception applies', async () => {
      const r = await createPod(A, img.unsigned.tagReference, { app: 'web' });
      return r.admitted ? r : undefined;
    });
    expect(admitted.stderr).toContain('admitted by TrustPolicyException team-a/hotfix');
    // The same image for a Pod the selector does not cover, or in another namespace: denied.
    expect((await createPod(A, img.unsigned.tagReference, { app: 'api' })).admitted).toBe(false);
    expect((await createPod(B, img.unsigned.tagReference, { app: 'web' })).admitted).toBe(false);
    const event = await eventually('the ImageExcepted Event', async () =>
      (await c.items(['events.v1.events.k8s.io', '-n', A])).find(
        (e) => e['reason'] === 'ImageExcepted',
      ),
    );
    expect(event['related']).toMatchObject({ kind: 'TrustPolicyException', name: 'hotfix' });
    expect(String(event['note'])).toContain('INC-17');
    const metrics = await (await fetch(`${service.metricsUrl!}/metrics`)).text();
    expect(metrics).toMatch(
      /^notary_admission_exception_admissions_total\{code="SIGNATURE_NOT_FOUND"\} [1-9]/m,
    );
    // Until its instant, then denied: never a cached admission past it.
    let last = Date.now();
    for (;;) {
      const r = await createPod(A, img.unsigned.tagReference, { app: 'web' });
      last = Date.now();
      if (!r.admitted) break;
      expect(last).toBeLessThan(expiresAt + 2_000);
      await sleep(100);
    }
    expect(last).toBeGreaterThanOrEqual(expiresAt - 1_000);
    expect(last - expiresAt).toBeLessThan(2_000);
    expect(
      await eventually('status Expired', async () =>
        (await readyOf('trustpolicyexception', A, 'hotfix')) === 'Expired' ? true : undefined,
      ),
    ).toBe(true);
  });
});
