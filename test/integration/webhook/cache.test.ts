// T-36..T-39 (reliability.md §5 F) through the real service: the cache key covers everything
// the verdict depended on, a tag is resolved on every review, entries live exactly as long as
// their TTL on the service's clock, inconclusive results are never kept, and the cache is bounded.
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
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
import { REPO_ROOT } from '../../harness/tools.js';
import type { Outcome } from '../../support/api-server.js';
import { podReview } from '../../support/reviews.js';
import { startTestService, type TestService } from '../../support/service.js';

const POLICY = 'prod';
const FIELD = 'spec.containers[0].image';
const OTHER_SIGNER = 'x509.subject:C=US, ST=WA, O=Somebody Else';

const policyWith = (trustedIdentities: string[]) => ({
  version: '1.0',
  trustPolicies: [
    {
      name: POLICY,
      registryScopes: ['*'],
      signatureVerification: { level: 'strict' },
      trustStores: ['ca:acme'],
      trustedIdentities,
    },
  ],
});

type Fault = 'none' | 503 | 429 | 'stall';

/**
 * A plain-HTTP pass-through in front of a real registry that records every request and can be
 * told to fail them instead: 503, 429 (no Retry-After) or stall (accept and never answer).
 */
async function startFaultProxy(upstream: string) {
  const target = new URL(upstream);
  const requests: { method: string; path: string }[] = [];
  let fault: Fault = 'none';
  const proxy = await listenLocal((req, res) => {
    requests.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0]! });
    if (fault === 'stall') return;
    if (fault !== 'none') {
      const code = fault === 429 ? 'TOOMANYREQUESTS' : 'UNAVAILABLE';
      res.writeHead(fault, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code, message: 'injected by the test' }] }));
      return;
    }
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
  });
  return {
    host: new URL(proxy.url).host,
    requests,
    /** Requests since `mark` whose path starts with `prefix`. */
    since: (mark: number, prefix = '/v2/') =>
      requests.slice(mark).filter((r) => r.path.startsWith(prefix)).length,
    fail: (next: Fault) => void (fault = next),
    stop: proxy.close,
  };
}

/** The denial clause of one image, up to the reason (decision.ts). */
const clause = (image: string, digest: string, headline: string) =>
  `${FIELD} "${image}" (${digest.slice(0, 19)}…): ${headline} — `;
const untrusted = (image: string, digest: string) =>
  clause(image, digest, `signature not trusted by policy "${POLICY}"`);

function expectDenied(outcome: Outcome, head: string, code: string): void {
  const message = outcome.response?.status?.message ?? '';
  expect(outcome.kind, message).toBe('denied');
  expect(message.startsWith(head), message).toBe(true);
  expect(message.endsWith(` [${code}]`), message).toBe(true);
}

describe('verdict cache (service)', () => {
  let pki: Pki;
  let stranger: Pki;
  let registry: Registry;
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  let ts: TestService;
  /** The service's clock runs with real time, shifted by `offset` ms. */
  let offset = 0;
  const stores = () => ({ ca: { acme: [pki.root.pem] } });

  const signed = async (repository: string, tag?: string): Promise<PushedImage> => {
    const image = await pushImage(registry, repository, tag === undefined ? {} : { tag });
    await notationSign(image.reference, registry, {
      key: pki.leaf.keyPath,
      certChain: pki.chainPath,
      referrersApi: true,
    });
    return image;
  };
  const byDigest = (image: PushedImage) => `${proxy.host}/${image.repository}@${image.digest}`;
  const review = (image: string, timeoutSeconds = 10) =>
    ts.client({ timeoutSeconds }).review(podReview({ images: [image] }));
  const audit = (outcome: Outcome) => outcome.response?.auditAnnotations?.['image-0'];

  beforeAll(async () => {
    [pki, stranger, registry] = await Promise.all([
      makePki({ key: 'ec-p256', levels: 2 }),
      makePki({ key: 'ec-p256', levels: 2, name: 'Stranger' }),
      startRegistry({ kind: 'olareg' }),
    ]);
    proxy = await startFaultProxy(registry.url);
    ts = await startTestService({
      trustPolicy: policyWith(['*']),
      trustStores: stores(),
      // --no-mutating-webhook: T-37 sends tags to /validate, which then resolves them itself.
      flags: [
        '--insecure-registry',
        proxy.host,
        '--cache-ttl',
        '1m',
        '--cache-failure-ttl',
        '30s',
        '--no-mutating-webhook',
      ],
      overrides: { now: () => Date.now() + offset },
    });
  });
  afterAll(async () => {
    await ts?.close();
    await Promise.allSettled([proxy?.stop(), registry?.stop()]);
  });

  describe('when the trust store or the trusted identities change (T-36)', () => {
    it('T-36 re-verifies on the very next review and denies', async () => {
      const pushed = await signed('key/app');
      const image = byDigest(pushed);
      const verified = `${FIELD} ${image}: verified ${pushed.digest} policy=${POLICY}`;
      expect(audit(await review(image))).toBe(verified);
      let mark = proxy.requests.length;
      expect(audit(await review(image))).toBe(`${verified} cache-hit`);
      expect(proxy.since(mark)).toBe(0);

      // The certificate leaves the store (another root takes its place under the same name).
      await ts.writePolicy(policyWith(['*']), { ca: { acme: [stranger.root.pem] } });
      mark = proxy.requests.length;
      expectDenied(await review(image), untrusted(image, pushed.digest), 'CERT_CHAIN_UNTRUSTED');
      expect(proxy.since(mark)).toBe(3);

      // Back to the original policy: the verdict stored under that revision applies again.
      await ts.writePolicy(policyWith(['*']), stores());
      expect(audit(await review(image))).toBe(`${verified} cache-hit`);

      await ts.writePolicy(policyWith([OTHER_SIGNER]), stores());
      mark = proxy.requests.length;
      expectDenied(await review(image), untrusted(image, pushed.digest), 'IDENTITY_UNTRUSTED');
      expect(proxy.since(mark)).toBe(3);
      await ts.writePolicy(policyWith(['*']), stores());
    });
  });

  describe('when an image is named by tag only (T-37)', () => {
    it('T-37 resolves the tag on every review and denies once it moves to an unsigned digest', async () => {
      const pushed = await signed('tags/app', 'v1');
      const image = `${proxy.host}/tags/app:v1`;
      const tagPath = '/v2/tags/app/manifests/v1';
      const mark = proxy.requests.length;
      for (let i = 1; i <= 3; i++) {
        const outcome = await review(image);
        expect(outcome.kind, outcome.response?.status?.message).toBe('admitted');
        // The digest the tag names now is what is cached, never the tag.
        const hit = i > 1 ? ' cache-hit' : '';
        expect(audit(outcome)).toBe(
          `${FIELD} ${image}: verified ${pushed.digest} policy=${POLICY}${hit}`,
        );
        expect(proxy.since(mark, tagPath)).toBe(i);
      }
      expect(proxy.requests.slice(mark).filter((r) => r.path === tagPath)).toEqual(
        Array.from({ length: 3 }, () => ({ method: 'HEAD', path: tagPath })),
      );

      const moved = await pushImage(registry, 'tags/app', { tag: 'v1' });
      expect(moved.digest).not.toBe(pushed.digest);
      const outcome = await review(image);
      expectDenied(outcome, untrusted(image, moved.digest), 'SIGNATURE_NOT_FOUND');
      expect(proxy.since(mark, tagPath)).toBe(4);
    });
  });

  describe('when the service clock moves past the TTLs (T-38)', () => {
    it('T-38 keeps a verified entry for --cache-ttl 1m and verifies again after 61 s', async () => {
      const pushed = await signed('ttl/positive');
      const image = byDigest(pushed);
      const verified = `${FIELD} ${image}: verified ${pushed.digest} policy=${POLICY}`;
      expect(audit(await review(image))).toBe(verified);
      let mark = proxy.requests.length;
      offset += 59_000;
      expect(audit(await review(image))).toBe(`${verified} cache-hit`);
      expect(proxy.since(mark)).toBe(0);
      offset += 2_000;
      mark = proxy.requests.length;
      expect(audit(await review(image))).toBe(verified);
      expect(proxy.since(mark)).toBe(3);
    });

    it('T-38 keeps a definitive "no signature" for --cache-failure-ttl 30s, then checks again', async () => {
      const pushed = await pushImage(registry, 'ttl/unsigned');
      const image = byDigest(pushed);
      const head = untrusted(image, pushed.digest);
      let mark = proxy.requests.length;
      expectDenied(await review(image), head, 'SIGNATURE_NOT_FOUND');
      expect(proxy.since(mark)).toBe(1);
      mark = proxy.requests.length;
      offset += 29_000;
      expectDenied(await review(image), head, 'SIGNATURE_NOT_FOUND');
      expect(proxy.since(mark)).toBe(0);
      offset += 2_000;
      expectDenied(await review(image), head, 'SIGNATURE_NOT_FOUND');
      expect(proxy.since(mark)).toBe(1);
    });

    it('T-38 never caches a 503, a 429 or a timeout: each next review asks the registry', async () => {
      const pushed = await signed('ttl/faults');
      const image = byDigest(pushed);
      const head = clause(image, pushed.digest, `could not verify under policy "${POLICY}"`);
      const faults: [Fault, string, number][] = [
        [503, 'NETWORK', 10],
        [429, 'RATE_LIMITED', 10],
        ['stall', 'TIMEOUT', 1],
      ];
      for (const [fault, code, timeoutSeconds] of faults) {
        proxy.fail(fault);
        const mark = proxy.requests.length;
        expectDenied(await review(image, timeoutSeconds), head, code);
        expect(proxy.since(mark), `${fault}`).toBeGreaterThan(0);
      }
      proxy.fail('none');
      const mark = proxy.requests.length;
      const outcome = await review(image);
      expect(audit(outcome)).toBe(`${FIELD} ${image}: verified ${pushed.digest} policy=${POLICY}`);
      expect(proxy.since(mark)).toBe(3);
    });
  });

  describe('when 100,000 distinct digests pass through a cache of 10,000 (T-39)', () => {
    it('T-39 stays at its cap under --max-old-space-size=128 with a stable heap after GC', async () => {
      const child = spawn(
        process.execPath,
        [
          '--max-old-space-size=128',
          '--expose-gc',
          '--import',
          'tsx',
          path.join('test', 'integration', 'webhook', 'cache-bound.child.ts'),
        ],
        { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code, stderr).toBe(0);
      const report = JSON.parse(stdout) as {
        stats: { size: number; stored: number; evictions: { size: number } };
        checkpoints: { digests: number; size: number; heapUsed: number }[];
        newestSource: string;
        oldestSource: string;
        gcExposed: boolean;
        heapLimit: number;
      };
      expect(report.gcExposed).toBe(true);
      // 128 MiB old space plus the young generation.
      expect(report.heapLimit).toBeLessThanOrEqual(192 * 1024 * 1024);
      expect(report.stats).toMatchObject({ size: 10_000, stored: 100_000 });
      expect(report.stats.evictions.size).toBe(90_000);
      expect(report.checkpoints.map((c) => c.size)).toEqual([
        10_000, 10_000, 10_000, 10_000, 10_000,
      ]);
      expect([report.newestSource, report.oldestSource]).toEqual(['hit', 'missing']);
      const heaps = report.checkpoints.map((c) => c.heapUsed);
      // From the first full cache on, the heap after GC neither grows nor wanders.
      expect(Math.max(...heaps) - Math.min(...heaps)).toBeLessThan(4 * 1024 * 1024);
      expect(heaps.at(-1)!).toBeLessThan(heaps[0]! + 1024 * 1024);
    });
  });
});
