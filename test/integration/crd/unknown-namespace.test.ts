// Issue 13, item 7, through the real service: a review in a namespace the Namespace informer has
// not seen yet learns its labels from the API server (one GET, cached) instead of falling back to
// the policies with an empty selector. The informer's lag is made certain, not raced: the service
// reaches a real kube-apiserver through a proxy that holds its Namespace watch open forever. One
// image signed by the real notation CLI on each harness registry: olareg and distribution.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../../src/config/index.js';
import { startService, type Service } from '../../../src/main.js';
import { startControlPlane, type ControlPlane, type PushedImage } from '../../harness/index.js';
import { makeWorkdir } from '../../harness/workdir.js';
import { createApiServerClient, type ApiServerClient } from '../../support/api-server.js';
import { startKubeProxy, type KubeProxy } from '../../support/kube-proxy.js';
import { podReview } from '../../support/reviews.js';
import {
  failedClause,
  signerName,
  startSigningWorld,
  type SigningWorld,
} from '../webhook/fixtures.js';

const CRD_DIR = path.resolve('charts/notary-admission/crds');
const TRUST_NS = 'na-late-trust';
const API_VERSION = 'notary-admission.dev/v1alpha1';
const DENIED = 'admission webhook "validate.notary-admission.dev" denied the request: ';
const FIELD = 'spec.containers[0].image';
const OTHER_SIGNER = 'x509.subject: C=US, ST=WA, O=Somebody Else';

let cp: ControlPlane;
const KINDS = ['olareg', 'distribution'] as const;
type Kind = (typeof KINDS)[number];
const worlds = {} as Record<Kind, SigningWorld>;
const images = {} as Record<Kind, PushedImage>;
let proxy: KubeProxy;
let service: Service;
let api: ApiServerClient;

async function kubectl(args: string[], input?: string): Promise<string> {
  const result = await cp.kubectl(args, input === undefined ? {} : { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const apply = (...items: unknown[]): Promise<string> =>
  kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));

const policy = (name: string, scopes: string[], extra: Record<string, unknown> = {}) => ({
  apiVersion: API_VERSION,
  kind: 'TrustPolicy',
  metadata: { name },
  spec: {
    registryScopes: scopes,
    signatureVerification: { level: 'strict' },
    trustStores: ['ca:trusted'],
    trustedIdentities: ['*'],
    ...extra,
  },
});

const namespace = (name: string, labels: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels },
});

/** GETs of one Namespace the service sent to the API server. */
const namespaceReads = (name: string): number =>
  proxy.requests.filter(
    (r) => r.method === 'GET' && r.path.startsWith(`/api/v1/namespaces/${name}`),
  ).length;

const review = (ns: string, kind: Kind = 'olareg') =>
  api.review(podReview({ images: [images[kind].reference], namespace: ns }));

beforeAll(async () => {
  const started = await Promise.all([
    startControlPlane(),
    ...KINDS.map((kind) => startSigningWorld({ kind })),
  ]);
  cp = started[0];
  KINDS.forEach((kind, i) => (worlds[kind] = started[i + 1] as SigningWorld));
  for (const kind of KINDS) {
    images[kind] = await worlds[kind].push('late/app');
    await worlds[kind].sign(images[kind]);
  }
  await kubectl(['apply', '-f', CRD_DIR]);
  await kubectl(['wait', '--for=condition=Established', '--timeout=30s', 'crd', '--all']);
  await kubectl(['create', 'namespace', TRUST_NS]);
  const scopes = KINDS.map((kind) => `${worlds[kind].registry.host}/late/app`);
  await apply(
    {
      apiVersion: API_VERSION,
      kind: 'TrustStore',
      metadata: { name: 'trusted' },
      spec: { type: 'ca', certificates: KINDS.map((kind) => worlds[kind].pki.root.pem) },
    },
    policy('everything', ['*']),
    // Only in namespaces labelled team=late, and it trusts somebody else: it denies the image.
    policy('late', scopes, {
      trustedIdentities: [OTHER_SIGNER],
      namespaceSelector: { matchLabels: { team: 'late' } },
    }),
  );
  const dir = makeWorkdir('late-namespace');
  // The Namespace watch never answers: namespaces created from now on stay unknown to the informer.
  proxy = await startKubeProxy({
    kubeconfigPath: cp.kubeconfigPath,
    dir,
    hold: (method, url) => method === 'GET' && /^\/api\/v1\/namespaces\?.*watch=(true|1)/.test(url),
  });
  service = await startService(
    parseServeArgs(
      [
        '--port=0',
        '--metrics-port=off',
        `--tls-dir=${path.join(dir, 'tls')}`,
        '--log-level=silent',
        '--allow-private-network=all',
        '--policy-source=kubernetes',
        `--kubeconfig=${proxy.kubeconfigPath}`,
        `--trust-namespace=${TRUST_NS}`,
        ...KINDS.flatMap((kind) => worlds[kind].serviceFlags),
      ],
      {},
    ),
  );
  while (service.policies.current() === undefined || proxy.held() === 0) await sleep(50);
  api = createApiServerClient({ url: service.url, ca: await caOf(service), webhook: 'validating' });
  await apply(namespace('team-late', { team: 'late' }), namespace('team-other', { team: 'other' }));
});
afterAll(async () => {
  await api?.close();
  await service?.close();
  await proxy?.stop();
  await Promise.allSettled([...Object.values(worlds).map((w) => w.stop()), cp?.stop()]);
});

async function caOf(s: Service): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(s.caPath!, 'utf8');
}

describe.each(KINDS)('a review in a namespace the informer has not seen yet, on %s', (kind) => {
  describe('when the namespace carries labels a policy selects', () => {
    it('lets that policy decide, never the policies with an empty selector', async () => {
      const outcome = await review('team-late', kind);
      expect(outcome.kind, outcome.message).toBe('denied');
      expect(outcome.message).toBe(
        DENIED +
          failedClause({
            fieldPath: FIELD,
            image: images[kind].reference,
            digest: images[kind].digest,
            policy: 'late',
            reason: `signer ${signerName(worlds[kind].pki)} is not in trustedIdentities`,
            code: 'IDENTITY_UNTRUSTED',
          }),
      );
    });

    it('reads the namespace once for several reviews (cached, coalesced)', async () => {
      await Promise.all([
        review('team-late', kind),
        review('team-late', kind),
        review('team-late', kind),
      ]);
      expect(namespaceReads('team-late')).toBe(1);
    });
  });

  describe('when its labels select no policy', () => {
    it('admits under the policy with an empty selector', async () => {
      const outcome = await review('team-other', kind);
      expect(outcome.kind, outcome.message).toBe('admitted');
    });
  });

  describe('when the namespace is known to the informer', () => {
    it('asks the API server nothing', async () => {
      expect((await review('default', kind)).kind).toBe('admitted');
      expect(namespaceReads('default')).toBe(0);
    });
  });

  describe('when the namespace cannot be read (it does not exist)', () => {
    it('denies every image as inconclusive [NAMESPACE_UNKNOWN]', async () => {
      const outcome = await review('ghost', kind);
      expect(outcome.kind, outcome.message).toBe('denied');
      expect(outcome.message).toBe(
        `${DENIED}${FIELD} "${images[kind].reference}" (digest unknown): the labels of namespace ` +
          '"ghost" are not known yet and could not be read (not found), so which trust policies ' +
          'apply there is unknown [NAMESPACE_UNKNOWN]',
      );
    });
  });
});
