// Self-test of H-API (test/support/api-server.ts) against tiny HTTPS webhooks that misbehave, and
// of the AdmissionReview builders against the server's own codec.
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAdmissionReview } from '../../../src/webhook/admission-review.js';
import { imagesToVerify } from '../../../src/webhook/images.js';
import { readBody } from '../../harness/http.js';
import { makeServingCert } from '../../harness/index.js';
import { createApiServerClient, type ApiServerClientOptions } from '../../support/api-server.js';
import {
  connectReview,
  deleteReview,
  ephemeralContainersReview,
  largePodReview,
  podReview,
  statusReview,
  workloadReview,
  type WorkloadKind,
} from '../../support/reviews.js';

const SVC = 'notary-admission.notary-system.svc';

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
  alpn: string | false | null;
}

type Reply = (res: ServerResponse, uid: string) => void;

const review = (response: Record<string, unknown>, apiVersion = 'admission.k8s.io/v1') =>
  JSON.stringify({ apiVersion, kind: 'AdmissionReview', response });
const json = (res: ServerResponse, body: string, status = 200): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
};
const patch = (ops: unknown): string => Buffer.from(JSON.stringify(ops)).toString('base64');
const PIN = [{ op: 'replace', path: '/spec/containers/0/image', value: 'app:1@sha256:ab' }];

/**
 * Half an answer, then the socket goes: FIN, or RST on the TCP socket under TLS (Node keeps it
 * as `_parent`; resetting the TLS socket itself throws). The pause lets the half answer out first.
 */
const cut =
  (reset: boolean): Reply =>
  (res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
    res.write('{"apiVersion":"admission.k8s.io/v1",', () => {
      const socket = res.socket as Socket & { _parent?: Socket };
      setTimeout(() => (reset ? socket._parent!.resetAndDestroy() : socket.destroy()), 20);
    });
  };

const REPLIES: Record<string, Reply> = {
  '/allow': (res, uid) => json(res, review({ uid, allowed: true, warnings: ['pinned to digest'] })),
  '/deny200': (res, uid) =>
    json(res, review({ uid, allowed: false, status: { code: 200, message: 'no signature' } })),
  '/deny403': (res, uid) =>
    json(res, review({ uid, allowed: false, status: { code: 403, reason: 'Forbidden' } })),
  '/deny-bare': (res, uid) => json(res, review({ uid, allowed: false })),
  '/uid': (res) => json(res, review({ uid: 'not-the-request-uid', allowed: true })),
  '/patch': (res, uid) =>
    json(res, review({ uid, allowed: true, patchType: 'JSONPatch', patch: patch(PIN) })),
  '/patch-object': (res, uid) =>
    json(res, review({ uid, allowed: true, patchType: 'JSONPatch', patch: patch({ op: 'x' }) })),
  '/500': (res) => json(res, 'internal trouble', 500),
  '/stall': () => undefined,
  '/stall-body': (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{');
  },
  '/eof': cut(false),
  '/reset': cut(true),
  '/v1beta1': (res, uid) => json(res, review({ uid, allowed: true }, 'admission.k8s.io/v1beta1')),
  '/no-response': (res) =>
    json(res, JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' })),
  '/not-json': (res) => json(res, 'ok'),
  // The keep-alive race as the client sees it: the connection goes as the request arrives.
  '/drop': (res) => res.socket!.destroy(),
};

async function handle(req: IncomingMessage, res: ServerResponse, seen: Seen[]): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://webhook');
  seen.push({
    path: req.url ?? '',
    headers: req.headers,
    alpn: (req.socket as TLSSocket).alpnProtocol,
  });
  const body = JSON.parse((await readBody(req)).toString('utf8')) as { request?: { uid?: string } };
  const reply = REPLIES[url.pathname] ?? ((r: ServerResponse) => json(r, 'not found', 404));
  reply(res, body.request?.uid ?? '');
}

/** An HTTPS webhook on 127.0.0.1:0 that offers h2 and http/1.1 and counts its TLS connections. */
async function startWebhook(tls: { cert: string; key: string }, keepAliveTimeout = 10_000) {
  const seen: Seen[] = [];
  let connections = 0;
  const server = https.createServer({ ...tls, ALPNProtocols: ['h2', 'http/1.1'] }, (req, res) => {
    handle(req, res, seen).catch(() => res.destroy());
  });
  server.keepAliveTimeout = keepAliveTimeout;
  server.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    seen,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let tls: { cert: string; key: string };
let ca: string;
let otherCa: string;
beforeAll(async () => {
  const [serving, other] = await Promise.all([makeServingCert([`DNS:${SVC}`]), makeServingCert()]);
  tls = {
    cert: readFileSync(serving.certPath, 'utf8'),
    key: readFileSync(serving.keyPath, 'utf8'),
  };
  ca = readFileSync(serving.caPath, 'utf8');
  otherCa = readFileSync(other.caPath, 'utf8');
});

describe('createApiServerClient', () => {
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  const clients: { close: () => Promise<void> }[] = [];
  const client = (options: Partial<ApiServerClientOptions> = {}) => {
    const c = createApiServerClient({
      url: webhook.url,
      ca,
      servername: SVC,
      webhook: 'validating',
      timeoutSeconds: 2,
      name: 'validate.notary-admission.dev',
      ...options,
    });
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    webhook = await startWebhook(tls);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await webhook?.close();
  });

  describe('when the webhook allows', () => {
    it('returns admitted with the warnings, over HTTP/1.1 with the API server headers', async () => {
      const api = client();
      const body = podReview();
      const outcome = await api.review(body, { path: '/allow' });
      expect(outcome).toMatchObject({
        kind: 'admitted',
        httpStatus: 200,
        warnings: ['pinned to digest'],
        response: { uid: body.request.uid, allowed: true },
      });
      expect(outcome.latencyMs).toBeGreaterThan(0);
      expect(outcome.status).toBeUndefined();
      const seen = webhook.seen.at(-1)!;
      expect(seen.path).toBe('/allow?timeout=2s');
      expect(seen.alpn).toBe('http/1.1');
      expect(seen.headers['content-type']).toBe('application/json');
      expect(seen.headers['accept']).toBe('application/json, */*');
      expect(seen.headers['user-agent']).toBe('kube-apiserver-admission');
      expect(seen.headers['host']).toBe(`${SVC}:${webhook.port}`);
      expect(api.counters).toMatchObject({ requests: 1, admitted: 1, failedClosed: 0 });
    });
  });

  describe('when the webhook denies', () => {
    it('returns denied with code 400 when status.code is 200, as ToStatusErr forces', async () => {
      const outcome = await client().review(podReview(), { path: '/deny200' });
      expect(outcome).toMatchObject({
        kind: 'denied',
        status: 400,
        message:
          'admission webhook "validate.notary-admission.dev" denied the request: no signature',
      });
    });

    it('returns denied with its own code and the reason when there is no message', async () => {
      const outcome = await client().review(podReview(), { path: '/deny403' });
      expect(outcome.kind).toBe('denied');
      expect(outcome.status).toBe(403);
      expect(outcome.message).toBe(
        'admission webhook "validate.notary-admission.dev" denied the request: Forbidden',
      );
    });

    it('returns denied "without explanation" when there is no status, whatever the failurePolicy', async () => {
      const outcome = await client({ failurePolicy: 'Ignore' }).review(podReview(), {
        path: '/deny-bare',
      });
      expect(outcome.kind).toBe('denied');
      expect(outcome.status).toBe(400);
      expect(outcome.message).toBe(
        'admission webhook "validate.notary-admission.dev" denied the request without explanation',
      );
    });
  });

  describe('when the response is invalid', () => {
    const cases: [string, string, string][] = [
      ['/uid', 'INVALID_RESPONSE', 'expected response.uid="U", got "not-the-request-uid"'],
      [
        '/patch',
        'INVALID_RESPONSE',
        'validating webhook may not return response.patch or response.patchType',
      ],
      [
        '/v1beta1',
        'INVALID_RESPONSE',
        'expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got "admission.k8s.io/v1beta1", Kind="AdmissionReview"',
      ],
      ['/no-response', 'INVALID_RESPONSE', 'webhook response was absent'],
      ['/not-json', 'UNDECODABLE', 'failed to call webhook: '],
      ['/500', 'HTTP_500', 'an error on the server ("internal trouble") has prevented the request'],
    ];
    it.each(cases)('returns failed-closed for %s with code %s', async (path, code, text) => {
      const body = podReview({ uid: 'U' });
      const outcome = await client().review(body, { path });
      expect(outcome.kind).toBe('failed-closed');
      expect(outcome.code).toBe(code);
      expect(outcome.status).toBe(500);
      expect(outcome.error).toContain('failed calling webhook "validate.notary-admission.dev": ');
      expect(outcome.error).toContain(text);
      expect(outcome.message).toBe(`Internal error occurred: ${outcome.error}`);
    });

    it('returns failed-open under failurePolicy Ignore', async () => {
      const api = client({ failurePolicy: 'Ignore' });
      const outcome = await api.review(podReview(), { path: '/500' });
      expect(outcome).toMatchObject({ kind: 'failed-open', code: 'HTTP_500', httpStatus: 500 });
      expect(outcome.status).toBeUndefined();
      expect(api.counters).toMatchObject({ requests: 1, failedOpen: 1, failedClosed: 0 });
    });
  });

  describe('when the webhook is mutating', () => {
    it('returns admitted with the decoded JSONPatch', async () => {
      const outcome = await client({ webhook: 'mutating' }).review(podReview(), { path: '/patch' });
      expect(outcome.kind).toBe('admitted');
      expect(outcome.patch).toEqual(PIN);
      expect(webhook.seen.at(-1)!.path).toBe('/patch?timeout=2s');
    });

    it('returns failed-closed for a patch that is not a JSON array, even under Ignore', async () => {
      const api = client({ webhook: 'mutating', failurePolicy: 'Ignore' });
      const outcome = await api.review(podReview(), { path: '/patch-object' });
      expect(outcome).toMatchObject({ kind: 'failed-closed', code: 'INVALID_PATCH', status: 500 });
    });
  });

  describe('when the call fails in transport', () => {
    it('returns failed-closed with TIMEOUT when the webhook stalls past timeoutSeconds', async () => {
      const outcome = await client().review(podReview(), { path: '/stall', timeoutSeconds: 1 });
      expect(outcome.kind).toBe('failed-closed');
      expect(outcome.code).toBe('TIMEOUT');
      expect(outcome.error).toBe(
        `failed calling webhook "validate.notary-admission.dev": failed to call webhook: Post "https://${SVC}:${webhook.port}/stall?timeout=1s": context deadline exceeded`,
      );
      expect(outcome.latencyMs).toBeGreaterThanOrEqual(990);
      expect(outcome.latencyMs).toBeLessThan(5000);
    });

    it('returns failed-closed with TIMEOUT when the body stalls after the headers', async () => {
      const outcome = await client().review(podReview(), {
        path: '/stall-body',
        timeoutSeconds: 1,
      });
      expect(outcome).toMatchObject({ kind: 'failed-closed', code: 'TIMEOUT' });
    });

    it('returns failed-closed with UND_ERR_SOCKET (EOF) when the socket closes mid-response', async () => {
      const outcome = await client().review(podReview(), { path: '/eof' });
      expect(outcome).toMatchObject({ kind: 'failed-closed', code: 'UND_ERR_SOCKET' });
    });

    it('returns failed-closed with ECONNRESET when the socket is reset mid-response', async () => {
      const outcome = await client().review(podReview(), { path: '/reset' });
      expect(outcome).toMatchObject({ kind: 'failed-closed', code: 'ECONNRESET' });
    });

    it('returns failed-open with ECONNRESET under Ignore', async () => {
      const outcome = await client({ failurePolicy: 'Ignore' }).review(podReview(), {
        path: '/reset',
      });
      expect(outcome).toMatchObject({ kind: 'failed-open', code: 'ECONNRESET' });
    });

    it('returns failed-closed with a TLS code when the certificate is not signed by the caBundle', async () => {
      const outcome = await client({ ca: otherCa }).review(podReview(), { path: '/allow' });
      expect(outcome.kind).toBe('failed-closed');
      expect(outcome.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    });

    it('returns failed-closed when the certificate does not name the service', async () => {
      const api = client({ servername: 'other.notary-system.svc' });
      const outcome = await api.review(podReview(), { path: '/allow' });
      expect(outcome).toMatchObject({
        kind: 'failed-closed',
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      });
    });

    it('returns failed-closed and never retries when the connection drops before an answer', async () => {
      const before = webhook.seen.length;
      const outcome = await client().review(podReview(), { path: '/drop' });
      expect(outcome).toMatchObject({ kind: 'failed-closed', code: 'UND_ERR_SOCKET' });
      expect(webhook.seen.length - before).toBe(1);
    });

    it('returns failed-closed with ECONNREFUSED when nothing listens (Service gone)', async () => {
      const gone = await startWebhook(tls);
      await gone.close();
      const outcome = await client({ url: gone.url }).review(podReview(), { path: '/allow' });
      expect(outcome).toMatchObject({ kind: 'failed-closed', code: 'ECONNREFUSED' });
    });

    it('returns failed-closed with ABORTED when the caller cancels', async () => {
      const controller = new AbortController();
      const pending = client().review(podReview(), { path: '/stall', signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      const outcome = await pending;
      expect(outcome).toMatchObject({ kind: 'failed-closed', code: 'ABORTED' });
      expect(outcome.error).toContain('context canceled');
    });
  });
});

describe('createApiServerClient keep-alive', () => {
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  beforeAll(async () => {
    // The server's idle timeout (and its `Keep-Alive: timeout=1` hint) is shorter than the client's.
    webhook = await startWebhook(tls, 1000);
  });
  afterAll(() => webhook?.close());

  it('reuses one connection while idle time stays under idleTimeoutMs, then opens a new one', async () => {
    const api = createApiServerClient({
      url: webhook.url,
      ca,
      webhook: 'validating',
      idleTimeoutMs: 300,
    });
    try {
      for (let i = 0; i < 2; i++)
        expect((await api.review(podReview(), { path: '/allow' })).kind).toBe('admitted');
      expect(api.counters.connectionsOpened).toBe(1);
      expect(webhook.connections()).toBe(1);
      await sleep(600);
      expect((await api.review(podReview(), { path: '/allow' })).kind).toBe('admitted');
      expect(api.counters.connectionsOpened).toBe(2);
      expect(api.counters.connectionsClosed).toBe(1);
      expect(webhook.connections()).toBe(2);
    } finally {
      await api.close();
    }
  });

  it("ignores the server's Keep-Alive hint, as Go's transport does", async () => {
    const before = webhook.connections();
    const api = createApiServerClient({
      url: webhook.url,
      ca,
      webhook: 'validating',
      idleTimeoutMs: 5000,
    });
    try {
      for (let i = 0; i < 3; i++) await api.review(podReview(), { path: '/allow' });
      expect(api.counters).toMatchObject({ requests: 3, admitted: 3, connectionsOpened: 1 });
      expect(webhook.connections() - before).toBe(1);
    } finally {
      await api.close();
    }
  });
});

describe('review builders', () => {
  describe('when a Pod is created', () => {
    it('returns a v1 AdmissionReview the codec parses, with every container list', () => {
      const body = podReview({ images: ['a:1', 'b:2'], initImages: ['i:1'], namespace: 'prod' });
      const request = parseAdmissionReview(body);
      expect(request).toMatchObject({ operation: 'CREATE', namespace: 'prod', dryRun: false });
      expect(body.request).toMatchObject({
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods' },
        requestKind: { group: '', version: 'v1', kind: 'Pod' },
        oldObject: null,
        options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
      });
      expect(imagesToVerify(request).images).toEqual([
        { fieldPath: 'spec.initContainers[0].image', image: 'i:1' },
        { fieldPath: 'spec.containers[0].image', image: 'a:1' },
        { fieldPath: 'spec.containers[1].image', image: 'b:2' },
      ]);
    });

    it('returns extra fields merged deep, `__proto__` as a plain key', () => {
      const extra = JSON.parse(
        '{"metadata":{"labels":{"constructor":"x"}},"__proto__":{"polluted":true},"futureField":1}',
      ) as Record<string, unknown>;
      const object = podReview({ extra }).request.object!;
      expect(object['metadata']).toMatchObject({ labels: { app: 'app', constructor: 'x' } });
      expect(JSON.stringify(object)).toContain('"__proto__":{"polluted":true}');
      expect(object['futureField']).toBe(1);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });
  });

  describe('when a Pod is updated', () => {
    it('returns the old Pod with the old images and UpdateOptions', () => {
      const body = podReview({
        operation: 'UPDATE',
        images: ['new:1'],
        oldImages: { containers: ['old:1'] },
      });
      expect(body.request.options).toEqual({ kind: 'UpdateOptions', apiVersion: 'meta.k8s.io/v1' });
      expect(imagesToVerify(parseAdmissionReview(body)).images).toEqual([
        { fieldPath: 'spec.containers[0].image', image: 'new:1' },
      ]);
    });

    it('returns ephemeral containers added through the subresource (kind Pod)', () => {
      const running = `debug@sha256:${'1'.repeat(64)}`;
      const body = ephemeralContainersReview({ images: ['debug:2'], existing: [running] });
      expect(body.request).toMatchObject({
        subResource: 'ephemeralcontainers',
        kind: { kind: 'Pod' },
      });
      expect(imagesToVerify(parseAdmissionReview(body)).images).toEqual([
        { fieldPath: 'spec.ephemeralContainers[1].image', image: 'debug:2' },
      ]);
    });

    it('returns the legacy EphemeralContainers object (v1.20 and older)', () => {
      const body = ephemeralContainersReview({ images: ['debug:2'], legacyKind: true });
      expect(body.request.kind).toEqual({ group: '', version: 'v1', kind: 'EphemeralContainers' });
      expect(body.request.object).toMatchObject({
        kind: 'EphemeralContainers',
        ephemeralContainers: [{ name: 'debugger-0', image: 'debug:2' }],
      });
      expect(body.request.oldObject).toMatchObject({ ephemeralContainers: [] });
    });

    it('returns a body of exactly targetBytes, object and oldObject alike', () => {
      for (const targetBytes of [3 * 1024 * 1024, 7 * 1024 * 1024 + 1]) {
        const body = largePodReview({ targetBytes });
        expect(Buffer.byteLength(JSON.stringify(body))).toBe(targetBytes);
        expect(JSON.stringify(body.request.oldObject).length).toBeGreaterThan(
          targetBytes / 2 - 4096,
        );
      }
    });
  });

  describe('when the object is a workload', () => {
    const kinds: [WorkloadKind, string, string, string][] = [
      ['Deployment', 'apps', 'deployments', 'spec.template.spec'],
      ['ReplicaSet', 'apps', 'replicasets', 'spec.template.spec'],
      ['StatefulSet', 'apps', 'statefulsets', 'spec.template.spec'],
      ['DaemonSet', 'apps', 'daemonsets', 'spec.template.spec'],
      ['Job', 'batch', 'jobs', 'spec.template.spec'],
      ['CronJob', 'batch', 'cronjobs', 'spec.jobTemplate.spec.template.spec'],
      ['ReplicationController', '', 'replicationcontrollers', 'spec.template.spec'],
      ['PodTemplate', '', 'podtemplates', 'template.spec'],
    ];
    it.each(kinds)('returns %s in %s/%s with its pod spec at %s', (kind, group, resource, at) => {
      const body = workloadReview(kind, { images: ['w:1'] });
      expect(body.request.kind).toEqual({ group, version: 'v1', kind });
      expect(body.request.resource).toEqual({ group, version: 'v1', resource });
      expect(body.request.object!['apiVersion']).toBe(group === '' ? 'v1' : `${group}/v1`);
      expect(imagesToVerify(parseAdmissionReview(body)).images).toEqual([
        { fieldPath: `${at}.containers[0].image`, image: 'w:1' },
      ]);
    });
  });

  describe('when the operation carries no new image', () => {
    it('returns DELETE, CONNECT and pods/status reviews with nothing to verify', () => {
      const del = deleteReview();
      expect(del.request).toMatchObject({ operation: 'DELETE', object: null });
      expect(del.request.options).toMatchObject({ kind: 'DeleteOptions' });
      const exec = connectReview();
      expect(exec.request).toMatchObject({
        operation: 'CONNECT',
        subResource: 'exec',
        options: null,
      });
      expect(exec.request.kind.kind).toBe('PodExecOptions');
      const status = statusReview();
      expect(status.request).toMatchObject({ operation: 'UPDATE', subResource: 'status' });
      for (const body of [del, exec, status])
        expect(imagesToVerify(parseAdmissionReview(body))).toEqual({ images: [], problems: [] });
    });
  });
});
