// Issue 9 item 3 (T-44 under a mixed load): SIGTERM to `serve` while 100 reviews/s of signed,
// stranger-signed and unsigned images, half of them never seen before, arrive. The API server
// keeps sending for 2 s of the 3 s drain (the endpoint leaves the Service meanwhile); zero reviews
// may fail, nothing unverified may be admitted, and the process exits 0 after the drain.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkdir } from '../harness/workdir.js';
import { createApiServerClient, type ApiServerClient } from '../support/api-server.js';
import { report, runAtRate, summarize } from './support/load.js';
import { startServeProcess, type ServeProcess } from './support/serve-process.js';
import { startWorld, type ReliabilityWorld } from './support/world.js';

const RPS = 100;
const SIGNAL_AT_MS = 1_000;
const DRAIN_MS = 3_000;
/** By then the endpoint is gone from the Service and the API server sends no more reviews. */
const LOAD_STOP_MS = 2_000;

let world: ReliabilityWorld;
let serve: ServeProcess;
const apis: ApiServerClient[] = [];

beforeAll(async () => {
  world = await startWorld({ signed: 200, strangers: 20, unsigned: 20, prefix: 'sigterm' });
  const dir = makeWorkdir('sigterm');
  serve = await startServeProcess([
    ...['--port', '0', '--metrics-port', '0', '--tls-dir', path.join(dir, 'tls')],
    ...['--drain-delay', `${DRAIN_MS}ms`, '--log-level', 'warn'],
    ...['--allow-private-network', 'all', '--insecure-registry', world.registry.host],
    ...(await world.writePolicyFiles(dir)),
  ]);
});
afterAll(async () => {
  serve?.kill();
  await Promise.allSettled([...apis.map((a) => a.close()), world?.stop()]);
});

describe('SIGTERM under a mixed load (serve process)', () => {
  it('T-44 drains with zero failed reviews, admits nothing unverified, and exits 0', async () => {
    for (let i = 0; i < 4; i++)
      apis.push(createApiServerClient({ url: serve.url, ca: serve.ca, webhook: 'validating' }));
    const images = [...world.signed, ...world.strangers, ...world.unsigned];
    let signalled = Infinity;
    const started = performance.now();
    const records = await runAtRate({
      clients: apis,
      rps: RPS,
      durationMs: SIGNAL_AT_MS + LOAD_STOP_MS + 1_000,
      // Odd requests name an image for the first time (a verification), even ones repeat one.
      shot: (k) => {
        const image = images[k % 2 === 1 ? Math.min(k, images.length - 1) : k % 40]!;
        return { image: image.reference, truth: image.truth };
      },
      event: {
        atMs: SIGNAL_AT_MS,
        run: () => {
          signalled = performance.now();
          serve.child.kill('SIGTERM');
        },
      },
      stopSending: () => performance.now() - signalled >= LOAD_STOP_MS,
    });
    const exit = await serve.exited;
    const s = summarize(records);
    const duringDrain = records.filter((r) => r.sentAt >= signalled - started).length;
    report('SIGTERM under load', {
      rps: RPS,
      reviews: s.total,
      sentWhileDraining: duringDrain,
      byTruth: s.byTruth,
      codes: s.codes,
      latencyMs: s.latencyMs,
      exitCode: exit.code,
      exitedAfterSignalMs: Math.round(exit.at - signalled),
    });
    expect(s.failed).toBe(0);
    expect(s.unverifiedAdmitted).toBe(0);
    expect(s.byTruth.signed.denied).toBe(0);
    expect(duringDrain).toBeGreaterThanOrEqual((LOAD_STOP_MS / 1000) * RPS * 0.5);
    expect(exit.code).toBe(0);
    expect(exit.at - signalled).toBeGreaterThanOrEqual(DRAIN_MS - 50);
    expect(exit.at - signalled).toBeLessThan(DRAIN_MS + 3_000);
  });
});
