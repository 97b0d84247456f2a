// T-12..T-15 (reliability.md §5 B) through the real service: the review's deadline bounds every
// registry wait whatever the registry does, a slow registry still verifies inside the budget, and
// a cancelled review never leaves a positive verdict behind.
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenLocal } from '../../harness/http.js';
import {
  makePki,
  notationSign,
  pushImage,
  startRegistry,
  type Pki,
  type PushedImage,
  type Registry,
} from '../../harness/index.js';
import {
  dribble,
  stall,
  startHostileRegistry,
  type HostileRegistry,
} from '../../support/hostile-registry.js';
import { podReview } from '../../support/reviews.js';
import { startTestService, type TestService } from '../../support/service.js';

const POLICY = 'prod';
const trustPolicy = {
  version: '1.0',
  trustPolicies: [
    {
      name: POLICY,
      registryScopes: ['*'],
      signatureVerification: { level: 'strict' },
      trustStores: ['ca:acme'],
      trustedIdentities: ['*'],
    },
  ],
};
const UNKNOWN_DIGEST = `sha256:${'7c'.repeat(32)}`;
const FIELD = 'spec.containers[0].image';

/** A plain-HTTP pass-through that holds every request `delayMs` before forwarding it (and counts). */
async function startDelayProxy(upstream: string, delayMs: number) {
  const target = new URL(upstream);
  const requests: { method: string; path: string }[] = [];
  const proxy = await listenLocal((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '' });
    const timer = setTimeout(() => {
      const headers = { ...req.headers, host: target.host };
      const forward = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    }, delayMs);
    res.on('close', () => clearTimeout(timer));
  });
  return { host: new URL(proxy.url).host, requests, stop: proxy.close };
}

/** Sum of the samples of `name` whose labels include every pair given. */
async function metric(ts: TestService, name: string, labels: Record<string, string> = {}) {
  const text = await (await fetch(`${ts.service.metricsUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m?.[1] !== name) continue;
    const have = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`)))
      total += Number(m[3]);
  }
  return total;
}

/** Polls `probe` until it returns `want` or `ms` pass; returns the last value seen. */
async function settle<T>(probe: () => T, want: T, ms = 1_000): Promise<T> {
  let value = probe();
  for (const end = Date.now() + ms; value !== want && Date.now() < end; value = probe())
    await sleep(25);
  return value;
}

const clauseHead = (image: string, digest: string) =>
  `${FIELD} "${image}" (${digest.slice(0, 19)}…): could not verify under policy "${POLICY}" — `;

describe('review deadlines (service)', () => {
  let pki: Pki;
  let registry: Registry;
  let hostile: HostileRegistry;
  let slow: Awaited<ReturnType<typeof startDelayProxy>>;
  let deny: TestService;
  let allow: TestService;
  let t15: PushedImage;

  beforeAll(async () => {
    [pki, registry, hostile] = await Promise.all([
      makePki({ key: 'ec-p256', levels: 2 }),
      startRegistry({ kind: 'olareg' }),
      startHostileRegistry(),
    ]);
    const sign = (image: PushedImage) =>
      notationSign(image.reference, registry, {
        key: pki.leaf.keyPath,
        certChain: pki.chainPath,
        referrersApi: true,
      });
    await sign(await pushImage(registry, 'slow/t13'));
    t15 = await pushImage(registry, 'slow/t15');
    await sign(t15);
    slow = await startDelayProxy(registry.url, 300);
    const common = {
      trustPolicy,
      trustStores: { ca: { acme: [pki.root.pem] } },
    };
    const insecure = ['--insecure-registry', hostile.host, '--insecure-registry', slow.host];
    // --no-mutating-webhook: T-13 times a tag's resolution at /validate (no /mutate pins it).
    deny = await startTestService({ ...common, flags: [...insecure, '--no-mutating-webhook'] });
    const config = path.join(deny.dir, 'allow-on-error.json');
    await writeFile(config, JSON.stringify({ policies: { [POLICY]: { onError: 'Allow' } } }));
    allow = await startTestService({ ...common, flags: [...insecure, '--config', config] });
  });
  afterAll(async () => {
    await Promise.allSettled([allow?.close(), deny?.close()]);
    await Promise.allSettled([slow?.stop(), hostile?.stop(), registry?.stop()]);
  });

  describe('when the registry accepts the request and never answers (T-12)', () => {
    const image = () => `${hostile.host}/stall/app@${UNKNOWN_DIGEST}`;
    beforeAll(() => hostile.route('*', /^\/v2\/stall\//, stall()));

    it('T-12 denies under onError Deny by 1.8 s of a 2 s timeout, before the API server gives up', async () => {
      const before = hostile.count('/v2/stall/');
      const outcome = await deny
        .client({ timeoutSeconds: 2 })
        .review(podReview({ images: [image()] }));
      expect(outcome.kind).toBe('denied');
      expect(outcome.latencyMs).toBeLessThan(1_800);
      const message = outcome.response?.status?.message ?? '';
      expect(message.startsWith(clauseHead(image(), UNKNOWN_DIGEST))).toBe(true);
      expect(message.endsWith(' [TIMEOUT]')).toBe(true);
      expect(hostile.count('/v2/stall/') - before).toBeGreaterThan(0);
      // The aborted request's socket is destroyed, and no pooled connection stays behind.
      expect(await settle(() => hostile.openSockets(), 0)).toBe(0);
    });

    it('T-12 admits with a warning under onError Allow, inside the same deadline', async () => {
      const outcome = await allow
        .client({ timeoutSeconds: 2 })
        .review(podReview({ images: [image()] }));
      expect(outcome.kind).toBe('admitted');
      expect(outcome.latencyMs).toBeLessThan(1_800);
      expect(outcome.warnings).toEqual([
        `${FIELD}: could not verify [TIMEOUT], allowed by onError (policy "${POLICY}")`,
      ]);
      expect(await settle(() => hostile.openSockets(), 0)).toBe(0);
    });
  });

  describe('when every registry round trip takes 300 ms (T-13)', () => {
    it('T-13 admits the signed tag and records a review duration under the budget', async () => {
      const image = `${slow.host}/slow/t13:v1`;
      const count = await metric(deny, 'notary_admission_review_duration_seconds_count');
      const sum = await metric(deny, 'notary_admission_review_duration_seconds_sum');
      const before = slow.requests.length;
      const outcome = await deny
        .client({ timeoutSeconds: 10 })
        .review(podReview({ images: [image] }));
      expect(outcome.kind, outcome.response?.status?.message).toBe('admitted');
      // Resolve the tag, list the referrers, fetch the signature manifest and the envelope.
      const trips = slow.requests.length - before;
      expect(trips).toBe(4);
      expect(await metric(deny, 'notary_admission_review_duration_seconds_count')).toBe(count + 1);
      const seconds = (await metric(deny, 'notary_admission_review_duration_seconds_sum')) - sum;
      expect(seconds).toBeGreaterThanOrEqual((trips * 300) / 1000 - 0.05);
      // The budget of a 10 s timeout is 10 s minus the 300 ms margin.
      expect(seconds).toBeLessThan(9.7);
      expect(
        await metric(deny, 'notary_admission_verification_duration_seconds_count', {
          result: 'verified',
        }),
      ).toBeGreaterThanOrEqual(1);
    });
  });

  describe('when the registry sends headers, then one byte every 500 ms (T-14)', () => {
    const image = () => `${hostile.host}/dribble/app@${UNKNOWN_DIGEST}`;
    beforeAll(() => hostile.route('*', /^\/v2\/dribble\//, dribble(500)));

    it('T-14 aborts at the total deadline, not at an idle timeout, as a registry timeout', async () => {
      const outcome = await deny
        .client({ timeoutSeconds: 2 })
        .review(podReview({ images: [image()] }));
      expect(outcome.kind).toBe('denied');
      // Bytes kept coming, so only the total deadline (2 s less the 300 ms margin) could end it.
      expect(outcome.latencyMs).toBeGreaterThanOrEqual(1_650);
      expect(outcome.latencyMs).toBeLessThan(1_800);
      const message = outcome.response?.status?.message ?? '';
      expect(message.startsWith(clauseHead(image(), UNKNOWN_DIGEST))).toBe(true);
      expect(message).toContain('registry timeout');
      expect(message.endsWith(' [TIMEOUT]')).toBe(true);
      expect(await settle(() => hostile.openSockets(), 0)).toBe(0);
    });
  });

  describe('when the API server goes away mid-verification (T-15)', () => {
    it('T-15 stores no positive verdict, and the next identical review verifies afresh', async () => {
      const image = `${slow.host}/slow/t15@${t15.digest}`;
      const stored = { event: 'stored', kind: 'verified' };
      const storedBefore = await metric(deny, 'notary_admission_cache_events_total', stored);
      const before = slow.requests.length;
      const cancel = new AbortController();
      const api = deny.client({ timeoutSeconds: 10 });
      const pending = api.review(podReview({ images: [image] }), { signal: cancel.signal });
      // The first of the three 300 ms round trips is under way.
      await sleep(450);
      cancel.abort();
      expect(await pending).toMatchObject({ kind: 'failed-closed', code: 'ABORTED' });
      expect(await settle(() => deny.service.webhook.inFlight(), 0)).toBe(0);
      // Long enough for an unaborted verification to have finished and been stored.
      await sleep(1_200);
      expect(slow.requests.length - before).toBeGreaterThan(0);
      expect(await metric(deny, 'notary_admission_cache_events_total', stored)).toBe(storedBefore);

      const again = slow.requests.length;
      const outcome = await api.review(podReview({ images: [image] }));
      expect(outcome.kind, outcome.response?.status?.message).toBe('admitted');
      expect(slow.requests.length - again).toBe(3);
      expect(outcome.response?.auditAnnotations?.['image-0']).toBe(
        `${FIELD} ${image}: verified ${t15.digest} policy=${POLICY}`,
      );
      expect(await metric(deny, 'notary_admission_cache_events_total', stored)).toBe(
        storedBefore + 1,
      );
    });
  });
});
