// Issue 16, item 1, through the real service and a real kube-apiserver: Events for a denied
// Deployment, a warned Pod and an audited Pod; none for a dry run; 300 denials of one object
// within a minute stay within the per-object bound (counted at the wire, through a proxy).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_LIMITS } from '../../../src/kube/index.js';
import type { Service } from '../../../src/main.js';
import { startControlPlane, type ControlPlane, type PushedImage } from '../../harness/index.js';
import { makeWorkdir } from '../../harness/workdir.js';
import { createApiServerClient, type ApiServerClient } from '../../support/api-server.js';
import { startKubeProxy, type KubeProxy } from '../../support/kube-proxy.js';
import { podReview, workloadReview } from '../../support/reviews.js';
import { startSigningWorld, type SigningWorld } from '../webhook/fixtures.js';
import {
  cluster,
  eventually,
  installCrds,
  startKubeService,
  trustPolicy,
  trustStore,
  type Cluster,
} from './cluster.js';

const TRUST_NS = 'na-events-trust';
const NS = 'team-events';
const ACTIONS = ['Deny', 'Warn', 'Audit'] as const;

let cp: ControlPlane;
let c: Cluster;
let world: SigningWorld;
let proxy: KubeProxy;
let service: Service;
let api: ApiServerClient;
const unsigned = {} as Record<(typeof ACTIONS)[number], PushedImage>;

type Event = {
  metadata: { name: string; namespace: string };
  reason: string;
  type: string;
  action: string;
  note: string;
  reportingController: string;
  regarding: Record<string, string>;
  related?: Record<string, string>;
  series?: { count: number };
};

const events = async (): Promise<Event[]> =>
  (await c.items(['events.v1.events.k8s.io', '-n', NS])) as unknown as Event[];
const eventWrites = (): number =>
  proxy.requests.filter(
    (r) =>
      r.method !== 'GET' && r.path.startsWith(`/apis/events.k8s.io/v1/namespaces/${NS}/events`),
  ).length;

beforeAll(async () => {
  [cp, world] = await Promise.all([startControlPlane(), startSigningWorld({ kind: 'olareg' })]);
  c = cluster(cp);
  for (const action of ACTIONS)
    unsigned[action] = await world.push(`events/${action.toLowerCase()}`);
  await c.kubectl(['create', 'namespace', TRUST_NS]);
  await c.kubectl(['create', 'namespace', NS]);
  await installCrds(c);
  await c.apply(
    trustStore('trusted', [world.pki.root.pem]),
    ...ACTIONS.map((action) =>
      trustPolicy(
        `${action.toLowerCase()}-policy`,
        [`${world.registry.host}/events/${action.toLowerCase()}`],
        {
          action,
        },
      ),
    ),
  );
  proxy = await startKubeProxy({
    kubeconfigPath: cp.kubeconfigPath,
    dir: makeWorkdir('events-proxy'),
    hold: () => false,
  });
  let ca: string;
  ({ service, ca } = await startKubeService({
    kubeconfig: proxy.kubeconfigPath,
    trustNamespace: TRUST_NS,
    flags: ['--scan-interval=off', ...world.serviceFlags],
  }));
  await eventually('the policy source is ready', () => service.policies.current());
  api = createApiServerClient({ url: service.url, ca, webhook: 'validating' });
});
afterAll(async () => {
  await api?.close();
  await service?.close();
  await proxy?.stop();
  await Promise.allSettled([world?.stop(), cp?.stop()]);
});

describe('Events of admission outcomes', () => {
  it('writes an ImageDenied Event on the namespace of a denied Deployment, naming it', async () => {
    const review = workloadReview('Deployment', {
      namespace: NS,
      name: 'web',
      images: [unsigned.Deny.reference],
    });
    expect((await api.review(review)).kind).toBe('denied');
    const event = await eventually('the Deployment denial Event', async () =>
      (await events()).find(
        (e) => e.reason === 'ImageDenied' && e.note.startsWith('Deployment web denied'),
      ),
    );
    expect(event).toMatchObject({
      type: 'Warning',
      action: 'Deny',
      reportingController: 'notary-admission.dev/webhook',
      regarding: { kind: 'Namespace', name: NS },
      related: { kind: 'TrustPolicy', name: 'deny-policy' },
    });
    expect(event.note).toContain(unsigned.Deny.reference);
    expect(event.note).toMatch(/\[[A-Z_]+\] \(policy "deny-policy"\)$/);
  });

  it('writes an ImageWarned Event on a Pod admitted by action Warn', async () => {
    const review = podReview({ namespace: NS, name: 'warned', images: [unsigned.Warn.reference] });
    const outcome = await api.review(review);
    expect(outcome.kind).toBe('admitted');
    const event = await eventually('the warned Pod Event', async () =>
      (await events()).find((e) => e.reason === 'ImageWarned'),
    );
    const uid = (review.request.object as { metadata: { uid: string } }).metadata.uid;
    expect(event).toMatchObject({
      action: 'Warn',
      regarding: { apiVersion: 'v1', kind: 'Pod', name: 'warned', namespace: NS, uid },
      related: { name: 'warn-policy' },
    });
  });

  it('writes an ImageAudited Event on a Pod admitted by action Audit', async () => {
    const outcome = await api.review(
      podReview({ namespace: NS, name: 'audited', images: [unsigned.Audit.reference] }),
    );
    expect(outcome.kind).toBe('admitted');
    const event = await eventually('the audited Pod Event', async () =>
      (await events()).find((e) => e.reason === 'ImageAudited'),
    );
    expect(event).toMatchObject({ action: 'Audit', regarding: { kind: 'Pod', name: 'audited' } });
  });

  it('writes nothing for a dry-run request', async () => {
    const before = eventWrites();
    const review = podReview({
      namespace: NS,
      name: 'dry',
      images: [unsigned.Deny.reference],
      dryRun: true,
    });
    expect((await api.review(review)).kind).toBe('denied');
    await service.visibility.events!.idle();
    await new Promise((r) => setTimeout(r, 300));
    expect(eventWrites()).toBe(before);
    expect((await events()).some((e) => e.note.includes('Pod dry'))).toBe(false);
  });

  describe('when one object is denied 300 times within a minute', () => {
    it(`writes at most ${EVENT_LIMITS.perObject} times for it, one Event counting all 300`, async () => {
      const before = eventWrites();
      const started = Date.now();
      const review = () =>
        workloadReview('Deployment', {
          namespace: NS,
          name: 'looping',
          images: [unsigned.Deny.reference],
        });
      for (let i = 0; i < 30; i++)
        await Promise.all(Array.from({ length: 10 }, () => api.review(review())));
      expect(Date.now() - started).toBeLessThan(60_000);
      await service.visibility.events!.idle();
      // Shutdown writes the pending series count (within the same budget).
      await service.visibility.events!.close();
      const writes = eventWrites() - before;
      expect(writes).toBeGreaterThanOrEqual(1);
      expect(writes).toBeLessThanOrEqual(EVENT_LIMITS.perObject);
      const looping = (await events()).filter((e) => e.note.startsWith('Deployment looping'));
      expect(looping).toHaveLength(1);
      expect(looping[0]!.series?.count).toBe(300);
    });
  });
});
