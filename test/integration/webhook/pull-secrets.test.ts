// Issue 6, item 4: a pod's private image is verified with the credentials of its own
// imagePullSecrets (or its ServiceAccount's), and denied with a clear code without them. The real
// kube-apiserver holds the Secrets and calls the webhook (a ValidatingWebhookConfiguration with a
// URL); the service reads them with an RBAC-limited identity, as the chart grants it.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/telemetry/index.js';
import { startControlPlane, type ControlPlane, type PushedImage } from '../../harness/index.js';
import { makeWorkdir } from '../../harness/workdir.js';
import {
  startPlainSameOriginRealm,
  type SameOriginFront,
} from '../../support/same-origin-realm.js';
import { startTestService, type TestService } from '../../support/service.js';
import { startSigningWorld, statement, type SigningWorld } from './fixtures.js';

const WEBHOOK = 'validate.notary-admission.dev';
const DENIED = `admission webhook "${WEBHOOK}" denied the request: `;

let cp: ControlPlane;
/** A kubeconfig for the service: a ServiceAccount token with get on secrets and serviceaccounts. */
let serviceKubeconfig: string;

async function kubectlOk(args: string[], input?: string): Promise<string> {
  const r = await cp.kubectl(args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** What the chart grants with pull secrets on: get, cluster-wide, nothing else. */
async function serviceIdentity(): Promise<string> {
  await kubectlOk(['create', 'namespace', 'notary-system']);
  await kubectlOk(['create', 'serviceaccount', 'notary-admission', '-n', 'notary-system']);
  await kubectlOk([
    'create',
    'clusterrole',
    'notary-admission-pull-secrets',
    '--verb=get',
    '--resource=secrets,serviceaccounts',
  ]);
  await kubectlOk([
    'create',
    'clusterrolebinding',
    'notary-admission-pull-secrets',
    '--clusterrole=notary-admission-pull-secrets',
    '--serviceaccount=notary-system:notary-admission',
  ]);
  const token = (
    await kubectlOk(['create', 'token', 'notary-admission', '-n', 'notary-system'])
  ).trim();
  const file = path.join(makeWorkdir('pull-secrets-kubeconfig'), 'kubeconfig');
  await writeFile(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: cp.url, 'certificate-authority': cp.caPath } }],
      users: [{ name: 'webhook', user: { token } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'webhook' } }],
      'current-context': 'c',
    }),
  );
  return file;
}

beforeAll(async () => {
  cp = await startControlPlane();
  serviceKubeconfig = await serviceIdentity();
});

afterAll(() => cp?.stop());

/** Every line the service logs (debug and up). */
function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, stream };
}

describe.each([
  { kind: 'distribution', auth: 'basic' },
  { kind: 'olareg', auth: 'bearer' },
] as const)('--pull-secrets against a $auth-auth $kind registry', ({ kind, auth }) => {
  const ns = `team-${auth}`;
  let world: SigningWorld;
  let image: PushedImage;
  /** `host:port` the pods and Secrets name: the registry, or its same-origin front (bearer). */
  let host: string;
  let front: SameOriginFront | undefined;
  let svc: TestService;
  let password: string;
  const logs = capture();
  /** Every message the API server returned to kubectl. */
  const answers: string[] = [];

  /** Creates the pod with a server-side dry run: the API server calls the webhook. */
  async function createPod(o: { secrets?: string[]; serviceAccount?: string }) {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { generateName: 'app-', namespace: ns },
      spec: {
        containers: [{ name: 'app', image: `${host}/${image.repository}:${image.tag}` }],
        ...(o.secrets && { imagePullSecrets: o.secrets.map((name) => ({ name })) }),
        ...(o.serviceAccount !== undefined && { serviceAccountName: o.serviceAccount }),
      },
    };
    const r = await cp.kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], {
      input: JSON.stringify(pod),
    });
    answers.push(r.stderr);
    return { admitted: r.code === 0, stderr: r.stderr.trim() };
  }

  /** The service's log line of the last review it answered. */
  const lastReview = (): unknown =>
    JSON.parse(logs.lines.filter((l) => l.includes('"msg":"admission review"')).at(-1) ?? '{}');

  /** Admitted by the API server, and by the webhook after verifying the signature. */
  async function expectVerified(o: Parameters<typeof createPod>[0]): Promise<void> {
    expect(await createPod(o)).toEqual({ admitted: true, stderr: '' });
    expect(lastReview()).toMatchObject({
      namespace: ns,
      allowed: true,
      images: [{ verdict: 'verified', policy: 'private', digest: image.digest }],
    });
  }

  const dockerSecret = (name: string, user: string, pw: string): Promise<string> =>
    kubectlOk([
      'create',
      'secret',
      'docker-registry',
      name,
      '-n',
      ns,
      `--docker-server=${host}`,
      `--docker-username=${user}`,
      `--docker-password=${pw}`,
    ]);

  /** The registry's answer without (usable) credentials, as the denial quotes it. */
  const unauthorized = (reason: string): string =>
    `${DENIED}spec.containers[0].image "${host}/private/app:${image.tag}" (digest unknown): ` +
    'could not ' +
    `verify under policy "private" — ${reason} [UNAUTHORIZED]`;

  beforeAll(async () => {
    world = await startSigningWorld({ kind, auth });
    const user = world.registry.credentials!;
    password = user.password;
    image = await world.push('private/app');
    await world.sign(image);
    const token = world.registry.tokenServer;
    front = token && (await startPlainSameOriginRealm(world.registry.url, token.realm));
    host = front?.host ?? world.registry.host;
    // The service has no credentials of its own: only the pods' pull secrets.
    svc = await startTestService({
      trustPolicy: { version: '1.0', trustPolicies: [statement('private', ['*'])] },
      trustStores: world.serviceStores,
      // Only a ValidatingWebhookConfiguration is registered: nothing pins tags before /validate.
      flags: [
        '--insecure-registry',
        host,
        '--pull-secrets',
        '--kubeconfig',
        serviceKubeconfig,
        '--no-mutating-webhook',
      ],
      overrides: { logger: createLogger({ level: 'debug', destination: logs.stream }) },
    });
    await kubectlOk(['create', 'namespace', ns]);
    // No controller-manager here: the ServiceAccounts a cluster would create, made by hand.
    await kubectlOk(['create', 'serviceaccount', 'default', '-n', ns]);
    await kubectlOk(['create', 'serviceaccount', 'builder', '-n', ns]);
    await dockerSecret('regcred', user.username, password);
    await dockerSecret('wrongcred', user.username, `${password}-wrong`);
    await dockerSecret('sacred', user.username, password);
    const sacred = JSON.stringify({ imagePullSecrets: [{ name: 'sacred' }] });
    await kubectlOk(['patch', 'serviceaccount', 'builder', '-n', ns, '--type=merge', '-p', sacred]);
    await kubectlOk(['apply', '-f', '-'], JSON.stringify(webhookConfiguration(ns, svc)));
    // The API server picks the configuration up asynchronously: wait until it calls us.
    let active = false;
    for (let i = 0; i < 50 && !active; i++) {
      active = (await createPod({})).stderr.includes(WEBHOOK);
      if (!active) await new Promise((r) => setTimeout(r, 200));
    }
    if (!active) throw new Error('the API server never called the webhook');
  });

  afterAll(async () => {
    await svc?.close();
    await front?.stop();
    await world?.stop();
  });

  it('admits the pod whose imagePullSecrets hold the right credentials', async () => {
    await expectVerified({ secrets: ['regcred'] });
  });

  it('denies the same pod without them with [UNAUTHORIZED] and a clear message', async () => {
    const { admitted, stderr } = await createPod({});
    expect(admitted).toBe(false);
    const reason =
      auth === 'basic'
        ? `${host} requires credentials and none are configured for it`
        : `${host} refused the credentials for private/app`;
    expect(stderr).toBe(
      `Error from server (Forbidden): error when creating "STDIN": ${unauthorized(reason)}`,
    );
  });

  it("admits with credentials from the ServiceAccount's imagePullSecrets", async () => {
    await expectVerified({ serviceAccount: 'builder' });
  });

  it('denies with a wrong password with [UNAUTHORIZED]', async () => {
    const { admitted, stderr } = await createPod({ secrets: ['wrongcred'] });
    expect(admitted).toBe(false);
    const reason =
      auth === 'basic'
        ? `${host} refused the credentials for private/app`
        : `token server ${host} refused the configured credentials for repository:private/app:pull`;
    expect(stderr).toBe(
      `Error from server (Forbidden): error when creating "STDIN": ${unauthorized(reason)}`,
    );
  });

  it('admits with the pod’s secret even when a named Secret is missing, and logs that one', async () => {
    await expectVerified({ secrets: ['nosuch', 'regcred'] });
    const skipped = logs.lines.filter((l) => l.includes('image pull secrets left out'));
    expect(skipped.some((l) => l.includes(`"secret ${ns}/nosuch"`))).toBe(true);
  });

  it('T-56 never logs or answers the password or an Authorization header value', () => {
    const basic = Buffer.from(`${world.registry.credentials!.username}:${password}`).toString(
      'base64',
    );
    const text = [...logs.lines, ...answers].join('');
    expect(logs.lines.length).toBeGreaterThan(5);
    for (const secret of [password, basic, 'Basic ', 'Bearer ', 'authorization'])
      expect(text.toLowerCase()).not.toContain(secret.toLowerCase());
  });
});

function webhookConfiguration(ns: string, svc: TestService): unknown {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: `notary-admission-${ns}` },
    webhooks: [
      {
        name: WEBHOOK,
        clientConfig: {
          url: `${svc.url}/validate`,
          caBundle: Buffer.from(svc.ca).toString('base64'),
        },
        rules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            operations: ['CREATE'],
            resources: ['pods'],
            scope: 'Namespaced',
          },
        ],
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 10,
      },
    ],
  };
}
