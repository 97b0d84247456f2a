// T-22 (reliability.md §5 C) node-drain burst: 300 reviews over 60 distinct digests arrive at
// once while every registry round trip takes 50 ms. `serve` runs as a child process under
// --max-old-space-size (what a pod with a memory limit runs), in front of a real olareg with
// notation-signed images behind a latency proxy that counts the sockets the service opens.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkdir } from '../harness/workdir.js';
import { createApiServerClient } from '../support/api-server.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { report, summarize, type Shot, type ShotRecord } from './support/load.js';
import { startServeProcess, type ServeProcess } from './support/serve-process.js';
import { startWorld, type ReliabilityWorld } from './support/world.js';
import { podReview } from '../support/reviews.js';

/**
 * Half the chart's 384 MiB: the idle service already holds ~55 MiB after GC under tsx (its
 * libraries, @kubernetes/client-node among them, plus tsx's transform caches), so 128 MiB would
 * measure the loader rather than the burst. The burst's own growth is reported separately.
 */
const HEAP_MB = 192;
/** src/registry/options.ts: perRegistryConcurrency default. */
const SOCKET_CAP = 16;
const REVIEWS = 300;
const LATENCY_MS = 50;

let world: ReliabilityWorld;
let proxy: FaultProxy;
let serve: ServeProcess;

beforeAll(async () => {
  world = await startWorld({ signed: 48, strangers: 6, unsigned: 6, prefix: 'burst' });
  proxy = await startFaultProxy(world.registry.url);
  proxy.latency(LATENCY_MS);
  const dir = makeWorkdir('t22');
  serve = await startServeProcess(
    [
      ...['--port', '0', '--metrics-port', '0', '--tls-dir', path.join(dir, 'tls')],
      ...['--log-level', 'warn', '--allow-private-network', 'all'],
      ...['--insecure-registry', proxy.host],
      ...(await world.writePolicyFiles(dir)),
    ],
    { nodeFlags: [`--max-old-space-size=${HEAP_MB}`] },
  );
});
afterAll(async () => {
  serve?.kill();
  await Promise.allSettled([proxy?.stop(), world?.stop()]);
});

describe('T-22 node-drain burst (serve process)', () => {
  it(`T-22 ${REVIEWS} reviews over 60 digests at once, 50 ms registry: ≤ ${SOCKET_CAP} sockets, all within 10 s, heap < 70% of ${HEAP_MB} MiB`, async () => {
    const images = [...world.signed, ...world.strangers, ...world.unsigned];
    const shots: Shot[] = Array.from({ length: REVIEWS }, (_, k) => {
      const image = images[k % images.length]!;
      return { image: world.via(proxy.host, image), truth: image.truth };
    });
    const api = createApiServerClient({ url: serve.url, ca: serve.ca, webhook: 'validating' });
    const idle = await serve.probe(true);
    proxy.resetPeaks();
    let peakHeap = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peakHeap = Math.max(peakHeap, (await serve.probe(false)).heapUsed);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const started = performance.now();
    const records: ShotRecord[] = await Promise.all(
      shots.map(async (shot) => {
        const o = await api.review(podReview({ images: [shot.image] }), { timeoutSeconds: 10 });
        const code = /\[([A-Z_]+)\]$/.exec(o.response?.status?.message ?? '')?.[1] ?? o.code;
        return { ...shot, kind: o.kind, latencyMs: o.latencyMs, sentAt: 0, code, message: '' };
      }),
    );
    const wallMs = performance.now() - started;
    sampling = false;
    await sampler;
    const after = await serve.probe(true);
    await api.close();

    const s = summarize(records);
    const limit = HEAP_MB * 1024 * 1024;
    report('T-22 burst', {
      reviews: REVIEWS,
      digests: images.length,
      wallMs: Math.round(wallMs),
      latencyMs: s.latencyMs,
      byTruth: s.byTruth,
      codes: s.codes,
      registryRequests: proxy.requests.length,
      peakSockets: proxy.sockets().peak,
      peakInFlight: proxy.inFlight().peak,
      heapMiB: {
        idleAfterGc: +(idle.heapUsed / 2 ** 20).toFixed(1),
        peak: +(peakHeap / 2 ** 20).toFixed(1),
        afterGc: +(after.heapUsed / 2 ** 20).toFixed(1),
        limit: HEAP_MB,
        peakShare: +(peakHeap / limit).toFixed(3),
        burstGrowth: +((peakHeap - idle.heapUsed) / 2 ** 20).toFixed(1),
      },
    });
    expect(s.failed).toBe(0);
    expect(s.unverifiedAdmitted).toBe(0);
    expect(s.byTruth.signed).toEqual({ admitted: 240, denied: 0, failed: 0 });
    expect(s.byTruth.stranger.denied + s.byTruth.unsigned.denied).toBe(60);
    expect(s.latencyMs.max).toBeLessThan(10_000);
    expect(proxy.sockets().peak).toBeLessThanOrEqual(SOCKET_CAP);
    expect(proxy.inFlight().peak).toBeLessThanOrEqual(SOCKET_CAP);
    // Singleflight: each digest verified once (referrers; + manifest and envelope when signed).
    expect(proxy.requests.length).toBe(48 * 3 + 6 * 3 + 6);
    expect(peakHeap).toBeLessThan(0.7 * limit);
  });
});
