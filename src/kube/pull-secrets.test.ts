import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createPullSecretResolver,
  dockerConfigOf,
  type PullSecretResolver,
} from './pull-secrets.js';

// A fake API server (GET of Secrets and ServiceAccounts by path) and a real client-node behind
// the resolver, so status codes, timeouts and caching are seen as they happen.
type Json = Record<string, unknown>;

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const dockerConfigJson = (registry: string, user: string): Json => ({
  type: 'kubernetes.io/dockerconfigjson',
  data: {
    '.dockerconfigjson': b64(
      JSON.stringify({ auths: { [registry]: { auth: b64(`${user}:pw`) } } }),
    ),
  },
});
const doc = (registry: string, user: string): string =>
  JSON.stringify({ auths: { [registry]: { auth: b64(`${user}:pw`) } } });

interface Fake {
  server: Server;
  /** `/api/v1/namespaces/<ns>/<kind>/<name>` → object, or a status code. */
  objects: Map<string, Json | number | 'hang'>;
  requests: string[];
}

function startApiServer(): Fake {
  const objects = new Map<string, Json | number | 'hang'>();
  const requests: string[] = [];
  const server = createServer((req, res): void => {
    const path = (req.url ?? '').split('?')[0]!;
    requests.push(path);
    const found = objects.get(path) ?? 404;
    if (found === 'hang') return;
    res.setHeader('content-type', 'application/json');
    if (typeof found === 'number') {
      res.statusCode = found;
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', code: found }));
    } else res.end(JSON.stringify(found));
  });
  return { server, objects, requests };
}

const secretPath = (ns: string, name: string): string => `/api/v1/namespaces/${ns}/secrets/${name}`;
const saPath = (ns: string, name: string): string =>
  `/api/v1/namespaces/${ns}/serviceaccounts/${name}`;

describe('createPullSecretResolver', () => {
  let api: Fake;
  let kubeConfig: KubeConfig;
  let clock = 0;
  const resolver = (over: { readTimeoutMs?: number } = {}): PullSecretResolver =>
    createPullSecretResolver({ kubeConfig, now: () => clock, cacheTtlMs: 30_000, ...over });

  beforeEach(async () => {
    clock = 1_000_000;
    api = startApiServer();
    await new Promise<void>((r) => api.server.listen(0, '127.0.0.1', r));
    const { port } = api.server.address() as AddressInfo;
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'test-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    api.objects.set(saPath('team', 'default'), { metadata: { name: 'default' } });
  });

  afterEach(async () => {
    api.server.closeAllConnections();
    await new Promise((r) => api.server.close(r));
  });

  describe('when the Pod and its ServiceAccount name pull secrets', () => {
    it('returns the Pod’s documents first, then the ServiceAccount’s, each Secret once', async () => {
      api.objects.set(secretPath('team', 'own'), dockerConfigJson('r.io', 'pod'));
      api.objects.set(secretPath('team', 'shared'), dockerConfigJson('r.io', 'shared'));
      api.objects.set(saPath('team', 'builder'), {
        imagePullSecrets: [{ name: 'shared' }, { name: 'own' }],
      });
      const got = await resolver().credentialsFor({
        namespace: 'team',
        podSpec: { imagePullSecrets: [{ name: 'own' }], serviceAccountName: 'builder' },
      });
      expect(got).toEqual({
        dockerConfigs: [doc('r.io', 'pod'), doc('r.io', 'shared')],
        used: ['team/own', 'team/shared'],
        skipped: [],
      });
    });
  });

  describe('when no ServiceAccount is named', () => {
    it('returns the default ServiceAccount’s secrets', async () => {
      api.objects.set(saPath('team', 'default'), { imagePullSecrets: [{ name: 'sa' }] });
      api.objects.set(secretPath('team', 'sa'), dockerConfigJson('r.io', 'sa'));
      const got = await resolver().credentialsFor({ namespace: 'team', podSpec: {} });
      expect(got.used).toEqual(['team/sa']);
      expect(api.requests).toContain(saPath('team', 'default'));
    });
  });

  describe('when Secrets are missing, forbidden or not Docker configs', () => {
    it('returns the usable ones and skips the others with their reasons', async () => {
      api.objects.set(secretPath('team', 'good'), dockerConfigJson('r.io', 'pod'));
      api.objects.set(secretPath('team', 'locked'), 403);
      api.objects.set(secretPath('team', 'opaque'), { type: 'Opaque', data: { a: b64('x') } });
      api.objects.set(saPath('team', 'default'), 403);
      const got = await resolver().credentialsFor({
        namespace: 'team',
        podSpec: {
          imagePullSecrets: [
            { name: 'gone' },
            { name: 'locked' },
            { name: 'opaque' },
            { name: 'good' },
          ],
        },
      });
      expect(got.dockerConfigs).toEqual([doc('r.io', 'pod')]);
      const forbidden = 'forbidden: the webhook may not read it (see --pull-secrets)';
      expect(got.skipped).toEqual([
        { object: 'serviceaccount team/default', reason: forbidden },
        { object: 'secret team/gone', reason: 'not found' },
        { object: 'secret team/locked', reason: forbidden },
        {
          object: 'secret team/opaque',
          reason:
            'has type "Opaque", not kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg',
        },
      ]);
    });
  });

  describe('when the same Secret is asked for again', () => {
    it('returns it from the cache until the TTL passes, then reads it again', async () => {
      api.objects.set(secretPath('team', 'own'), dockerConfigJson('r.io', 'v1'));
      const r = resolver();
      const review = { namespace: 'team', podSpec: { imagePullSecrets: [{ name: 'own' }] } };
      await r.credentialsFor(review);
      api.objects.set(secretPath('team', 'own'), dockerConfigJson('r.io', 'v2'));
      clock += 29_000;
      expect((await r.credentialsFor(review)).dockerConfigs).toEqual([doc('r.io', 'v1')]);
      clock += 2_000;
      expect((await r.credentialsFor(review)).dockerConfigs).toEqual([doc('r.io', 'v2')]);
      expect(api.requests.filter((p) => p === secretPath('team', 'own'))).toHaveLength(2);
    });
  });

  describe('when a Secret was missing and is created', () => {
    it('returns it once the short negative TTL (5 s) has passed', async () => {
      const r = resolver();
      const review = { namespace: 'team', podSpec: { imagePullSecrets: [{ name: 'late' }] } };
      expect((await r.credentialsFor(review)).used).toEqual([]);
      api.objects.set(secretPath('team', 'late'), dockerConfigJson('r.io', 'late'));
      clock += 4_000;
      expect((await r.credentialsFor(review)).used).toEqual([]);
      clock += 1_500;
      expect((await r.credentialsFor(review)).used).toEqual(['team/late']);
    });
  });

  describe('when the API server does not answer', () => {
    it('returns nothing, skipping with a timeout reason, and asks again next time', async () => {
      api.objects.set(saPath('team', 'default'), 'hang');
      const r = resolver({ readTimeoutMs: 100 });
      const got = await r.credentialsFor({ namespace: 'team', podSpec: {} });
      expect(got.skipped).toEqual([
        { object: 'serviceaccount team/default', reason: 'the API server did not answer in time' },
      ]);
      await r.credentialsFor({ namespace: 'team', podSpec: {} });
      expect(api.requests.filter((p) => p === saPath('team', 'default'))).toHaveLength(2);
    });
  });

  describe('when the review’s signal aborts first', () => {
    it('returns at once with what could not be read skipped', async () => {
      api.objects.set(secretPath('team', 'slow'), 'hang');
      const controller = new AbortController();
      const pending = resolver().credentialsFor(
        { namespace: 'team', podSpec: { imagePullSecrets: [{ name: 'slow' }] } },
        controller.signal,
      );
      setTimeout(() => controller.abort(), 50);
      expect((await pending).skipped).toEqual([
        { object: 'secret team/slow', reason: 'the review deadline passed before it was read' },
      ]);
    });
  });

  describe('when a pod names more Secrets than the cap', () => {
    it('reads the first 32 and skips the rest', async () => {
      const many = Array.from({ length: 34 }, (_, i) => ({ name: `s${i}` }));
      const got = await resolver().credentialsFor({
        namespace: 'team',
        podSpec: { imagePullSecrets: many },
      });
      expect(got.skipped.filter((s) => s.reason.startsWith('more'))).toEqual([
        { object: 'secret team/s32', reason: 'more than 32 pull secrets' },
        { object: 'secret team/s33', reason: 'more than 32 pull secrets' },
      ]);
      expect(api.requests.filter((p) => p.includes('/secrets/'))).toHaveLength(32);
    });
  });
});

describe('dockerConfigOf', () => {
  describe('when the Secret is a legacy kubernetes.io/dockercfg', () => {
    it('returns it wrapped as a .dockerconfigjson document', () => {
      const auths = { 'r.io': { auth: b64('u:p') } };
      const got = dockerConfigOf({
        type: 'kubernetes.io/dockercfg',
        data: { '.dockercfg': b64(JSON.stringify(auths)) },
      });
      expect(got).toEqual({ ok: true, value: JSON.stringify({ auths }) });
    });
  });

  describe('when the content is broken', () => {
    it('returns a reason that never quotes the content', () => {
      const bad = dockerConfigOf({
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': b64('{"auths": hunter2') },
      });
      expect(bad).toEqual({
        ok: false,
        reason: 'its .dockerconfigjson is not valid JSON',
        kind: 'invalid',
      });
      expect(
        dockerConfigOf({
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': b64('[]') },
        }),
      ).toMatchObject({ ok: false, reason: 'its .dockerconfigjson has no "auths" object' });
      expect(dockerConfigOf({ type: 'kubernetes.io/dockerconfigjson', data: {} })).toMatchObject({
        ok: false,
        reason: 'has no .dockerconfigjson key',
      });
    });
  });
});
