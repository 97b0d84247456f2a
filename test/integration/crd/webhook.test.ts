// Issue 6's acceptance through the real service: `serve --policy-source kubernetes` against a
// real kube-apiserver, TrustPolicy / TrustStore objects applied with kubectl, images signed by the
// real notation CLI in an olareg registry, reviews sent as the API server sends them.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../../src/config/index.js';
import { startService, type Service } from '../../../src/main.js';
import { startControlPlane, type ControlPlane, type PushedImage } from '../../harness/index.js';
import { httpRequest } from '../../harness/http.js';
import { makeWorkdir } from '../../harness/workdir.js';
import {
  createApiServerClient,
  type ApiServerClient,
  type Outcome,
} from '../../support/api-server.js';
import { podReview } from '../../support/reviews.js';
import {
  failedClause,
  signerName,
  startSigningWorld,
  type SigningWorld,
} from '../webhook/fixtures.js';

const CRD_DIR = path.resolve('charts/notary-admission/crds');
const CRDS = ['trustpolicies.notary-admission.dev', 'truststores.notary-admission.dev'];
const TRUST_NS = 'na-webhook-trust';
const API_VERSION = 'notary-admission.dev/v1alpha1';
const DENIED = 'admission webhook "validate.notary-admission.dev" denied the request: ';
const FIELD = 'spec.containers[0].image';
const OTHER_SIGNER = 'x509.subject: C=US, ST=WA, O=Somebody Else';
const REPOS = ['signed', 'identity', 'cert', 'orphaned', 'team'] as const;
type Repo = (typeof REPOS)[number];

let cp: ControlPlane;
let world: SigningWorld;
let service: Service;
let api: ApiServerClient;
let ca: string;
const img = {} as Record<Repo, PushedImage>;

async function kubectl(args: string[], input?: string): Promise<string> {
  const result = await cp.kubectl(args, input === undefined ? {} : { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const apply = (...objects: unknown[]): Promise<string> =>
  kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));

async function installCrds(): Promise<void> {
  for (const crd of CRDS)
    if (!existsSync(path.join(CRD_DIR, `${crd}.yaml`)))
      throw new Error(`${CRD_DIR}/${crd}.yaml is missing`);
  await kubectl(['apply', '-f', CRD_DIR]);
  await kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=30s',
    ...CRDS.map((c) => `crd/${c}`),
  ]);
}

const store = (name: string, pems: string[]) => ({
  apiVersion: API_VERSION,
  kind: 'TrustStore',
  metadata: { name },
  spec: { type: 'ca', certificates: pems },
});

const policy = (
  name: string,
  scopes: string[],
  spec: { trustStores?: string[]; trustedIdentities?: string[]; namespaceSelector?: object } = {},
) => ({
  apiVersion: API_VERSION,
  kind: 'TrustPolicy',
  metadata: { name },
  spec: {
    registryScopes: scopes,
    signatureVerification: { level: 'strict' },
    trustStores: spec.trustStores ?? ['ca:trusted'],
    trustedIdentities: spec.trustedIdentities ?? ['*'],
    ...(spec.namespaceSelector && { namespaceSelector: spec.namespaceSelector }),
  },
});

const scope = (repo: Repo): string => `${world.registry.host}/crd/${repo}`;
const review = (repo: Repo, namespace = 'default'): Promise<Outcome> =>
  api.review(podReview({ images: [img[repo].reference], namespace }));

/** Reviews until `done(outcome)` (or the time is up); the last outcome and when it came. */
async function reviewUntil(
  repo: Repo,
  done: (o: Outcome) => boolean,
  options: { namespace?: string; ms?: number } = {},
): Promise<{ outcome: Outcome; at: number }> {
  const deadline = Date.now() + (options.ms ?? 10_000);
  for (;;) {
    const outcome = await review(repo, options.namespace);
    if (done(outcome) || Date.now() > deadline) return { outcome, at: Date.now() };
    await sleep(20);
  }
}

const admitted = (o: Outcome) => o.kind === 'admitted';
const denied = (o: Outcome) => o.kind === 'denied';

function expectDenied(outcome: Outcome, clause: string): void {
  expect(outcome.kind, outcome.message).toBe('denied');
  expect(outcome.message).toBe(DENIED + clause);
}

const readyz = async (): Promise<number> =>
  (
    await httpRequest(`${service.url}/readyz`, {
      ca,
      headers: { connection: 'close' },
      timeoutMs: 5_000,
    })
  ).status;

beforeAll(async () => {
  [cp, world] = await Promise.all([startControlPlane(), startSigningWorld({ kind: 'olareg' })]);
  const pushed = await Promise.all(REPOS.map((r) => world.push(`crd/${r}`)));
  REPOS.forEach((r, i) => (img[r] = pushed[i]!));
  for (const r of REPOS) await world.sign(img[r]);
  await kubectl(['create', 'namespace', TRUST_NS]);
  const dir = makeWorkdir('crd-webhook');
  const settings = parseServeArgs(
    [
      '--port=0',
      '--metrics-port=0',
      `--tls-dir=${path.join(dir, 'tls')}`,
      '--drain-delay=200ms',
      '--log-level=silent',
      '--allow-private-network=all',
      '--policy-source=kubernetes',
      `--kubeconfig=${cp.kubeconfigPath}`,
      `--trust-namespace=${TRUST_NS}`,
      ...world.serviceFlags,
    ],
    {},
  );
  // Started before the CRDs exist: the first test installs them.
  service = await startService(settings);
  ca = await readFile(service.caPath!, 'utf8');
  api = createApiServerClient({ url: service.url, ca, webhook: 'validating' });
});
afterAll(async () => {
  await api?.close();
  await service?.close();
  await Promise.allSettled([world?.stop(), cp?.stop()]);
});

describe('notary-admission serve --policy-source kubernetes', () => {
  it('T-45 is unready (and denies) until the CRDs are installed and listed, then ready', async () => {
    expect(await readyz()).toBe(503);
    expect(service.policies.current()).toBeUndefined();
    expect((await review('signed')).kind).toBe('denied');
    await installCrds();
    await service.policies.reload();
    expect(await readyz()).toBe(200);
  });

  describe('with a TrustStore and TrustPolicies applied', () => {
    beforeAll(async () => {
      await installCrds();
      await apply(
        store('trusted', [world.pki.root.pem]),
        store('cert-store', [world.pki.root.pem, world.stranger.root.pem]),
        policy('everything', ['*']),
        policy('signed', [scope('signed')]),
        policy('identity', [scope('identity')]),
        policy('cert', [scope('cert')], { trustStores: ['ca:cert-store'] }),
      );
      await service.policies.reload();
    });

    it('admits a signed image', async () => {
      const { outcome } = await reviewUntil('signed', admitted);
      expect(outcome.kind, outcome.message).toBe('admitted');
    });

    it('flips the verdict within 2 s of kubectl apply changing trustedIdentities', async () => {
      expect((await reviewUntil('identity', admitted)).outcome.kind).toBe('admitted');
      await apply(policy('identity', [scope('identity')], { trustedIdentities: [OTHER_SIGNER] }));
      const applied = Date.now();
      const { outcome, at } = await reviewUntil('identity', denied, { ms: 5_000 });
      expect(at - applied).toBeLessThan(2_000);
      expectDenied(
        outcome,
        failedClause({
          fieldPath: FIELD,
          image: img.identity.reference,
          digest: img.identity.digest,
          policy: 'identity',
          reason: `signer ${signerName(world.pki)} is not in trustedIdentities`,
          code: 'IDENTITY_UNTRUSTED',
        }),
      );
    });

    it('T-36 re-verifies an already cached digest and denies once its certificate leaves the TrustStore', async () => {
      expect((await reviewUntil('cert', admitted)).outcome.kind).toBe('admitted');
      // Cached now: the same review again is admitted.
      expect((await review('cert')).kind).toBe('admitted');
      await apply(store('cert-store', [world.stranger.root.pem]));
      const { outcome } = await reviewUntil('cert', denied, { ms: 5_000 });
      expectDenied(
        outcome,
        failedClause({
          fieldPath: FIELD,
          image: img.cert.reference,
          digest: img.cert.digest,
          policy: 'cert',
          reason: `signer ${signerName(world.pki)} does not chain to a certificate in ca:cert-store`,
          code: 'CERT_CHAIN_UNTRUSTED',
        }),
      );
    });

    it('denies [POLICY_NOT_READY] the images of a policy naming a missing store, despite `*`', async () => {
      // Governed by `everything` (`*`) first.
      expect((await reviewUntil('orphaned', admitted)).outcome.kind).toBe('admitted');
      await apply(policy('orphan', [scope('orphaned')], { trustStores: ['ca:nowhere'] }));
      const { outcome } = await reviewUntil('orphaned', denied, { ms: 5_000 });
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toMatch(
        new RegExp(
          `^${escape(DENIED)}${escape(FIELD)} "${escape(img.orphaned.reference)}" \\(digest unknown\\): ` +
            `TrustPolicy "orphan" applies to this image but is not Ready \\(TrustStoreNotFound: ` +
            `.*\\), so the image is denied until it is fixed \\[POLICY_NOT_READY\\]$`,
        ),
      );
      // Other images stay governed by `*`.
      expect((await review('signed')).kind).toBe('admitted');
    });

    it('applies a namespaceSelector policy in matching namespaces only', async () => {
      await apply(
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: 'team-a', labels: { team: 'a' } },
        },
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: 'team-b', labels: { team: 'b' } },
        },
        policy('team-a', [scope('team')], {
          trustedIdentities: [OTHER_SIGNER],
          namespaceSelector: { matchLabels: { team: 'a' } },
        }),
      );
      const inA = await reviewUntil('team', denied, { namespace: 'team-a' });
      expectDenied(
        inA.outcome,
        failedClause({
          fieldPath: FIELD,
          image: img.team.reference,
          digest: img.team.digest,
          policy: 'team-a',
          reason: `signer ${signerName(world.pki)} is not in trustedIdentities`,
          code: 'IDENTITY_UNTRUSTED',
        }),
      );
      // Elsewhere `everything` governs the same image and admits it.
      const inB = await review('team', 'team-b');
      expect(inB.kind, inB.message).toBe('admitted');
      expect((await review('team', 'default')).kind).toBe('admitted');
    });
  });
});

/** A string as a literal in a RegExp. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
