// T-47 (reliability.md §5 G) replica loss: two `serve` processes behind a loopback round-robin
// TCP proxy (a Service's endpoints), four API servers sending 100 reviews/s between them; one
// replica is killed with SIGKILL. Only the reviews in flight to it may fail (at most one per
// connection it held), the survivor takes the load, and nothing unverified is admitted.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSelfSigned } from '../../src/webhook/tls/index.js';
import { makeWorkdir } from '../harness/workdir.js';
import { createApiServerClient, type ApiServerClient } from '../support/api-server.js';
import { startBalancer, type Balancer } from './support/balancer.js';
import { report, runAtRate, summarize } from './support/load.js';
import { startServeProcess, type ServeProcess } from './support/serve-process.js';
import { startWorld, type ReliabilityWorld } from './support/world.js';
import { readFile } from 'node:fs/promises';

const RPS = 100;
const DURATION_MS = 6_000;
const KILL_AT_MS = 2_000;
/** A connection's close reaches the API server within this; later sends must not fail. */
const SETTLE_MS = 500;

let world: ReliabilityWorld;
let replicas: ServeProcess[] = [];
let balancer: Balancer;
let ca: string;
const apis: ApiServerClient[] = [];

beforeAll(async () => {
  world = await startWorld({ signed: 30, strangers: 5, unsigned: 5, prefix: 'replicas' });
  const dir = makeWorkdir('t47');
  // One serving certificate for both replicas, as one Secret mounted by both pods.
  const pair = await generateSelfSigned({
    dir: path.join(dir, 'tls'),
    dnsNames: ['localhost', '127.0.0.1'],
  });
  ca = await readFile(pair.caPath, 'utf8');
  const policy = await world.writePolicyFiles(dir);
  const args = [
    ...['--port', '0', '--metrics-port', '0', '--log-level', 'warn'],
    ...['--tls-cert', pair.certPath, '--tls-key', pair.keyPath],
    ...['--allow-private-network', 'all', '--insecure-registry', world.registry.host],
    ...policy,
  ];
  replicas = await Promise.all([
    startServeProcess(args, { generatedTls: false }),
    startServeProcess(args, { generatedTls: false }),
  ]);
  balancer = await startBalancer(
    replicas.map((r) => ({ host: '127.0.0.1', port: Number(new URL(r.url).port) })),
  );
});
afterAll(async () => {
  for (const r of replicas) r.kill();
  await Promise.allSettled([...apis.map((a) => a.close()), balancer?.close(), world?.stop()]);
});

describe('T-47 replica loss behind a round-robin proxy', () => {
  it('T-47 SIGKILL of one of two replicas at 100 rps: only its in-flight reviews fail, the survivor takes the rest', async () => {
    for (let i = 0; i < 4; i++)
      apis.push(createApiServerClient({ url: balancer.url, ca, webhook: 'validating' }));
    const images = [...world.signed, ...world.strangers, ...world.unsigned];
    let atKill = { handed: [0, 0], open: 0 };
    let killedAt = 0;
    const records = await runAtRate({
      clients: apis,
      rps: RPS,
      durationMs: DURATION_MS,
      timeoutSeconds: 10,
      shot: (k) => {
        const image = images[k % images.length]!;
        return { image: image.reference, truth: image.truth };
      },
      event: {
        atMs: KILL_AT_MS,
        run: () => {
          const stats = balancer.stats();
          atKill = { handed: stats.map((s) => s.handed), open: stats[0]!.open };
          killedAt = performance.now();
          replicas[0]!.child.kill('SIGKILL');
        },
      },
    });
    const exit = await replicas[0]!.exited;
    const killMs = KILL_AT_MS; // sentAt is relative to the run's start, as atMs is
    const failed = records.filter((r) => r.kind === 'failed-closed' || r.kind === 'failed-open');
    const later = records.filter((r) => r.sentAt > killMs + SETTLE_MS);
    const s = summarize(records);
    const after = summarize(later);
    report('T-47 replica loss', {
      rps: RPS,
      durationMs: DURATION_MS,
      reviews: s.total,
      connectionsHandedBeforeKill: atKill.handed,
      connectionsOpenToKilled: atKill.open,
      failed: failed.map((r) => ({
        code: r.code,
        sentAtMs: Math.round(r.sentAt),
        failedAtMs: Math.round(r.sentAt + r.latencyMs),
      })),
      byTruth: s.byTruth,
      latencyMs: s.latencyMs,
      afterKill: { reviews: after.total, failed: after.failed, latencyMs: after.latencyMs },
      survivorConnections: balancer.stats()[1],
      killedSignal: exit.signal,
      killedAfterMs: Math.round(exit.at - killedAt),
      // What broke where, should anything fail outside the kill (for diagnosis).
      balancerErrors: balancer.errors().slice(0, 10),
      replicaStderr: replicas.map((r) => r.output().stderr.slice(0, 300)),
    });
    expect(exit.signal).toBe('SIGKILL');
    // Both replicas had connections (and so load) before the kill.
    expect(atKill.handed[0]).toBeGreaterThan(0);
    expect(atKill.handed[1]).toBeGreaterThan(0);
    // Only reviews in flight to the killed replica fail: at most one per connection it held,
    // each sent before its connection's close could reach the API server.
    expect(failed.length).toBeLessThanOrEqual(atKill.open);
    for (const r of failed) {
      expect(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']).toContain(r.code);
      expect(r.sentAt).toBeLessThan(killMs + SETTLE_MS);
      // …and still unanswered when the replica died (a failure before the kill is a bug).
      expect(r.sentAt + r.latencyMs).toBeGreaterThanOrEqual(killMs - 10);
    }
    expect(after.failed).toBe(0);
    expect(after.byTruth.signed.admitted).toBeGreaterThan(0);
    expect(after.latencyMs.p99).toBeLessThan(10_000);
    expect(s.unverifiedAdmitted).toBe(0);
    expect(s.byTruth.stranger.admitted + s.byTruth.unsigned.admitted).toBe(0);
  });
});
