// T-16 and T-21 (reliability.md §5 C) through the real service: a registry that is down denies
// at once unless the verdict is cached, and a herd of reviews for one digest costs the registry
// one verification, which no single caller's abort can cancel for the others.
import http from 'node:http';
import net from 'node:net';
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
import type { Outcome } from '../../support/api-server.js';
import { podReview } from '../../support/reviews.js';
import { startTestService, type TestService } from '../../support/service.js';

const POLICY = 'prod';
const FIELD = 'spec.containers[0].image';
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

/** A port nothing listens on (bound, then released): connecting to it is refused. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A plain-HTTP pass-through in front of a real registry that records every request's path and,
 * while shut, holds requests until `open()`: how the test keeps one verification in flight.
 */
async function startGateProxy(upstream: string) {
  const target = new URL(upstream);
  const paths: string[] = [];
  let held: (() => void)[] | undefined;
  const proxy = await listenLocal((req, res) => {
    paths.push(req.url ?? '');
    const forward = (): void => {
      const headers = { ...req.headers, host: target.host };
      const up = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    if (held) held.push(forward);
    else forward();
  });
  return {
    host: new URL(proxy.url).host,
    /** Requests whose path (without query) starts with `prefix`. */
    count: (prefix: string) => paths.filter((p) => p.split('?')[0]!.startsWith(prefix)).length,
    shut: () => void (held ??= []),
    open: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const forward of waiting) forward();
    },
    stop: proxy.close,
  };
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

/** Polls until `probe()` resolves to at least `want`, or 15 s pass; returns the last value. */
async function reach(probe: () => number | Promise<number>, want: number): Promise<number> {
  let value = await probe();
  for (const end = Date.now() + 15_000; value < want && Date.now() < end; value = await probe())
    await sleep(50);
  return value;
}

async function signed(registry: Registry, repository: string, pki: Pki): Promise<PushedImage> {
  const image = await pushImage(registry, repository);
  await notationSign(image.reference, registry, {
    key: pki.leaf.keyPath,
    certChain: pki.chainPath,
    referrersApi: true,
  });
  return image;
}

describe('registry faults (service)', () => {
  let pki: Pki;
  let registry: Registry;
  let doomed: Registry;
  let gate: Awaited<ReturnType<typeof startGateProxy>>;
  let port: number;
  let ts: TestService;

  beforeAll(async () => {
    [pki, registry, doomed, port] = await Promise.all([
      makePki({ key: 'ec-p256', levels: 2 }),
      startRegistry({ kind: 'olareg' }),
      startRegistry({ kind: 'olareg' }),
      deadPort(),
    ]);
    gate = await startGateProxy(registry.url);
    const flags = [registry.host, doomed.host, gate.host, `127.0.0.1:${port}`].flatMap((h) => [
      '--insecure-registry',
      h,
    ]);
    ts = await startTestService({
      trustPolicy,
      trustStores: { ca: { acme: [pki.root.pem] } },
      flags,
    });
  });
  afterAll(async () => {
    await ts?.close();
    await Promise.allSettled([gate?.stop(), registry?.stop(), doomed?.stop()]);
  });

  describe('when the registry is down and the cache is cold (T-16)', () => {
    it('T-16 denies at once as registry unavailable [NETWORK] and counts the failed request', async () => {
      const host = `127.0.0.1:${port}`;
      const digest = `sha256:${'5e'.repeat(32)}`;
      const image = `${host}/down/app@${digest}`;
      const errors = { host, status: 'error' };
      const before = await metric(ts, 'notary_admission_registry_requests_total', errors);
      const outcome = await ts.client().review(podReview({ images: [image] }));
      expect(outcome.kind).toBe('denied');
      // reliability.md asks for 100 ms; the bound here is generous so load cannot make it flaky.
      expect(outcome.latencyMs).toBeLessThan(1_000);
      const message = outcome.response?.status?.message ?? '';
      expect(message).toContain(
        `${FIELD} "${image}" (${digest.slice(0, 19)}…): could not verify under policy "${POLICY}" — registry unavailable: `,
      );
      expect(message).toContain('ECONNREFUSED');
      expect(message.endsWith(' [NETWORK]')).toBe(true);
      expect(await metric(ts, 'notary_admission_registry_requests_total', errors)).toBe(before + 1);
    });
  });

  describe('when the registry goes down after a verification (T-16)', () => {
    it('T-16 admits from the cache and the audit annotation says cache-hit', async () => {
      const pushed = await signed(doomed, 'warm/app', pki);
      const api = ts.client();
      const first = await api.review(podReview({ images: [pushed.reference] }));
      expect(first.kind, first.response?.status?.message).toBe('admitted');
      const verified = `${FIELD} ${pushed.reference}: verified ${pushed.digest} policy=${POLICY}`;
      expect(first.response?.auditAnnotations).toEqual({ 'image-0': verified });

      await doomed.stop();
      const outcome = await api.review(podReview({ images: [pushed.reference] }));
      expect(outcome.kind, outcome.response?.status?.message).toBe('admitted');
      expect(outcome.response?.auditAnnotations).toEqual({ 'image-0': `${verified} cache-hit` });
    });
  });

  describe('when 500 reviews name one uncached digest at once (T-21)', () => {
    const herd = async (repository: string, abortFirst: boolean) => {
      const pushed = await signed(registry, repository, pki);
      const image = `${gate.host}/${repository}@${pushed.digest}`;
      const api = ts.client({ timeoutSeconds: 30 });
      const coalesced = { event: 'coalesced' };
      const joined = await metric(ts, 'notary_admission_cache_events_total', coalesced);
      gate.shut();
      const cancel = new AbortController();
      const first = api.review(podReview({ images: [image] }), { signal: cancel.signal });
      const referrers = `/v2/${repository}/referrers/${pushed.digest}`;
      expect(await reach(() => gate.count(referrers), 1)).toBe(1);
      const rest = Array.from({ length: 499 }, () => api.review(podReview({ images: [image] })));
      const probe = () => metric(ts, 'notary_admission_cache_events_total', coalesced);
      expect(await reach(probe, joined + 499)).toBe(joined + 499);
      if (abortFirst) {
        cancel.abort();
        // The service has seen the first caller go before the registry answers anyone.
        expect(await reach(() => 500 - ts.service.webhook.inFlight(), 1)).toBe(1);
      }
      gate.open();
      const outcomes: Outcome[] = await Promise.all([first, ...rest]);
      return { pushed, repository, outcomes };
    };
    const manifestGets = (repository: string, digest: string) =>
      gate.count(`/v2/${repository}/manifests/${digest}`);

    it('T-21 makes at most one manifest and one referrers GET, and all 500 get the same decision', async () => {
      const { pushed, repository, outcomes } = await herd('herd/all', false);
      expect(outcomes.map((o) => o.kind)).toEqual(Array.from({ length: 500 }, () => 'admitted'));
      expect(gate.count(`/v2/${repository}/referrers/${pushed.digest}`)).toBe(1);
      expect(manifestGets(repository, pushed.digest)).toBeLessThanOrEqual(1);
      // The whole herd cost one verification: referrers, signature manifest, envelope.
      expect(gate.count(`/v2/${repository}/`)).toBe(3);
    });

    it('T-21 still answers the other 499 when the first caller goes away', async () => {
      const { pushed, repository, outcomes } = await herd('herd/abort', true);
      const [first, ...rest] = outcomes;
      expect(first).toMatchObject({ kind: 'failed-closed', code: 'ABORTED' });
      expect(rest.map((o) => o.kind)).toEqual(Array.from({ length: 499 }, () => 'admitted'));
      expect(gate.count(`/v2/${repository}/referrers/${pushed.digest}`)).toBe(1);
      expect(manifestGets(repository, pushed.digest)).toBeLessThanOrEqual(1);
      expect(gate.count(`/v2/${repository}/`)).toBe(3);
    });
  });
});
