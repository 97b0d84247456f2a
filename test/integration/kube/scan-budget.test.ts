// Issue 16, item 3's registry budget, counted at the wire: the background verifier over eight
// workloads whose images sit behind a counting proxy in front of a real registry (olareg, images
// signed by the real notation CLI), with `registryRps` 4. The workloads and reports are in memory
// here (the budget is the registry's business); the verifications are the real pipeline's.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LruVerdictCache } from '../../../src/cache/index.js';
import { loadFileSnapshot, type Snapshot } from '../../../src/config/index.js';
import type { ReportStore, WorkloadSource } from '../../../src/kube/index.js';
import type { CachedVerdict } from '../../../src/pipeline/index.js';
import { RegistryClient } from '../../../src/registry/index.js';
import { Scanner } from '../../../src/scan/index.js';
import { makeWorkdir } from '../../harness/workdir.js';
import { startCountingProxy } from '../../support/counting-proxy.js';
import { startSigningWorld, type SigningWorld } from '../webhook/fixtures.js';

const RPS = 4;
const IMAGES = 8;

let world: SigningWorld;
let proxy: Awaited<ReturnType<typeof startCountingProxy>>;
let snapshot: Snapshot;
const references: string[] = [];

/** Most requests that arrived within any `ms` window. */
function busiest(times: readonly number[], ms: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= ms) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

beforeAll(async () => {
  world = await startSigningWorld({ kind: 'olareg' });
  proxy = await startCountingProxy(world.registry.url);
  const repositories: string[] = [];
  for (let i = 0; i < IMAGES; i++) {
    const image = await world.push(`budget/app${i}`);
    await world.sign(image);
    repositories.push(`${proxy.host}/budget/app${i}`);
    references.push(`${proxy.host}/budget/app${i}@${image.digest}`);
  }
  const dir = makeWorkdir('scan-budget');
  const store = path.join(dir, 'truststore', 'x509', 'ca', 'trusted');
  await mkdir(store, { recursive: true });
  await writeFile(path.join(store, 'root.crt'), world.pki.root.pem);
  const policy = {
    version: '1.0',
    trustPolicies: [
      {
        name: 'budget',
        registryScopes: repositories,
        signatureVerification: { level: 'strict' },
        trustStores: ['ca:trusted'],
        trustedIdentities: ['*'],
      },
    ],
  };
  await writeFile(path.join(dir, 'trustpolicy.json'), JSON.stringify(policy));
  snapshot = await loadFileSnapshot({
    trustPolicyPath: path.join(dir, 'trustpolicy.json'),
    trustStoreDir: path.join(dir, 'truststore'),
  });
});
afterAll(async () => {
  await proxy?.stop();
  await world?.stop();
});

describe('the background verifier with a registry budget', () => {
  it(`sends the registry ${RPS} requests per second at most, beyond one bucket and one verification`, async () => {
    const written = new Map<string, object>();
    const reports: ReportStore = {
      apply: (ns, body) => Promise.resolve(void written.set(ns, body)),
      remove: (ns) => Promise.resolve(void written.delete(ns)),
      list: () => Promise.resolve([]),
    };
    const workloads: WorkloadSource = {
      start: (onEvent) =>
        references.forEach((image, i) =>
          onEvent('add', 'Pod', {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: `app${i}`, namespace: 'budget', uid: `uid-${i}` },
            spec: { containers: [{ name: 'c', image }] },
          }),
        ),
      synced: () => true,
      stop: () => Promise.resolve(),
    };
    const registry = new RegistryClient({
      insecureRegistries: [proxy.host],
      allowPrivateNetworks: true,
    });
    const scanner = new Scanner({
      pipeline: { registry, cache: new LruVerdictCache<CachedVerdict>() },
      policies: { current: () => snapshot, onChange: () => () => undefined },
      workloads,
      reports,
      registryRps: RPS,
      intervalMs: 3_600_000,
      reportDelayMs: 10,
    });
    try {
      scanner.start();
      await scanner.settled();
    } finally {
      await scanner.stop();
      await registry.close();
    }
    const report = written.get('budget') as { summary: Record<string, number> };
    expect(report.summary).toMatchObject({ pass: IMAGES, fail: 0, error: 0 });
    const times = proxy.requests.map((r) => r.at).sort((a, b) => a - b);
    // A bucket's worth, a second's refill, and the requests of the one verification that took
    // the bucket into debt (a listing and one envelope: 4 at most); unbudgeted, all 24 at once.
    expect(busiest(times, 1_000)).toBeLessThanOrEqual(2 * RPS + 4);
    // And on the whole no faster than the rate (after the first burst).
    const seconds = (times.at(-1)! - times[0]!) / 1000;
    expect(seconds).toBeGreaterThanOrEqual((times.length - 2 * RPS) / RPS);
  });
});
