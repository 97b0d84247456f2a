// Issue 9 item 3 (T-40, T-41 under load): the serving certificate moves to a new CA (kubelet's
// atomic symlink swap of the Secret volume) while four API servers, trusting old + new CA, send
// 50 reviews/s and keep opening connections (a 50 ms idle timeout, so most reviews need a new
// handshake). Zero reviews may fail, the handshakes after the reload must present the new leaf,
// and nothing unverified is admitted.
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateSelfSigned,
  loadServingTls,
  type SelfSignedTls,
} from '../../src/webhook/tls/index.js';
import { createApiServerClient, type ApiServerClient } from '../support/api-server.js';
import { startTestService, type TestService } from '../support/service.js';
import { report, runAtRate, summarize } from './support/load.js';
import { startWorld, type ReliabilityWorld } from './support/world.js';

const RPS = 50;
const DURATION_MS = 6_000;
const SWAP_AT_MS = 2_000;

type Pair = SelfSignedTls & { ca: string; fingerprint: string };

let root: string;
let world: ReliabilityWorld;
let ts: TestService;
const pairs: Pair[] = [];
const apis: ApiServerClient[] = [];
let swap: (pair: SelfSignedTls) => Promise<void>;

/** A Secret volume as kubelet lays it out: tls.* → ..data/tls.* and ..data → ..<timestamp>. */
async function kubeletVolume(first: SelfSignedTls) {
  const dir = await mkdtemp(join(root, 'volume-'));
  let generation = 0;
  let current = '';
  const swapTo = async (pair: SelfSignedTls): Promise<void> => {
    const next = `..2026_11_22_00_00_00.00000000${++generation}`;
    await mkdir(join(dir, next));
    await copyFile(pair.certPath, join(dir, next, 'tls.crt'));
    await copyFile(pair.keyPath, join(dir, next, 'tls.key'));
    await symlink(next, join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data')); // the atomic step
    if (current) await rm(join(dir, current), { recursive: true });
    current = next;
  };
  await swapTo(first);
  await symlink('..data/tls.crt', join(dir, 'tls.crt'));
  await symlink('..data/tls.key', join(dir, 'tls.key'));
  return { certPath: join(dir, 'tls.crt'), keyPath: join(dir, 'tls.key'), swapTo };
}

/** The fingerprint of the leaf a fresh handshake is given, trusting `ca`. */
function servedLeaf(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rotation-'));
  for (const name of ['old', 'new']) {
    const generated = await generateSelfSigned({
      dir: join(root, name),
      dnsNames: ['localhost', '127.0.0.1'],
    });
    const served = await loadServingTls(generated);
    const ca = await readFile(generated.caPath, 'utf8');
    pairs.push({ ...generated, ca, fingerprint: served.leaf.fingerprint256 });
  }
  world = await startWorld({ signed: 20, strangers: 5, unsigned: 5, prefix: 'rotation' });
  const volume = await kubeletVolume(pairs[0]!);
  swap = volume.swapTo;
  ts = await startTestService({
    trustPolicy: world.trustPolicy,
    trustStores: world.trustStores,
    flags: [
      ...['--tls-cert', volume.certPath, '--tls-key', volume.keyPath],
      ...['--insecure-registry', world.registry.host],
    ],
  });
});
afterAll(async () => {
  await Promise.allSettled(apis.map((a) => a.close()));
  await ts?.close();
  await world?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('certificate rotation under load (service)', () => {
  it('T-40 T-41 moves the serving leaf to a new CA at 50 rps with zero failed reviews', async () => {
    const [old, next] = [pairs[0]!, pairs[1]!];
    const bundle = `${old.ca}${next.ca}`;
    for (let i = 0; i < 4; i++)
      apis.push(
        createApiServerClient({
          url: ts.url,
          ca: bundle,
          webhook: 'validating',
          idleTimeoutMs: 50,
        }),
      );
    const port = Number(new URL(ts.url).port);
    expect(await servedLeaf(port, bundle)).toBe(old.fingerprint);
    const images = [...world.signed, ...world.strangers, ...world.unsigned];
    const opened = () => apis.reduce((n, a) => n + a.counters.connectionsOpened, 0);
    let atSwap = 0;
    let reloadedAfterMs = NaN;
    const records = await runAtRate({
      clients: apis,
      rps: RPS,
      durationMs: DURATION_MS,
      shot: (k) => {
        const image = images[k % images.length]!;
        return { image: image.reference, truth: image.truth };
      },
      event: {
        atMs: SWAP_AT_MS,
        run: async () => {
          atSwap = opened();
          const swapped = performance.now();
          await swap(next);
          // The service polls the files every second: wait (without stopping the load) until a
          // fresh handshake is given the new leaf.
          void (async () => {
            while ((await servedLeaf(port, bundle)) !== next.fingerprint) await sleep(50);
            reloadedAfterMs = performance.now() - swapped;
          })();
        },
      },
    });
    const s = summarize(records);
    const handshakesAfterSwap = opened() - atSwap;
    report('rotation under load', {
      rps: RPS,
      durationMs: DURATION_MS,
      reviews: s.total,
      byTruth: s.byTruth,
      failed: s.failed,
      latencyMs: s.latencyMs,
      handshakes: opened(),
      handshakesAfterSwap,
      newLeafServedAfterMs: Math.round(reloadedAfterMs),
    });
    expect(s.total).toBe((DURATION_MS / 1000) * RPS);
    expect(s.failed).toBe(0);
    expect(s.unverifiedAdmitted).toBe(0);
    expect(s.byTruth.signed.denied).toBe(0);
    expect(reloadedAfterMs).toBeLessThan(3_000);
    expect(await servedLeaf(port, next.ca)).toBe(next.fingerprint);
    // The load kept handshaking after the switch (most reviews open a connection).
    expect(handshakesAfterSwap).toBeGreaterThan(50);
  });
});
