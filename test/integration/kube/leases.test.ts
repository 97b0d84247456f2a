// Issue 16, item 3's "one replica at a time": two replicas of the real service (in-process, each
// with its own API client and Lease identity) against a real kube-apiserver. Only the Lease
// holder scans; a holder that dies without a word is replaced within the Lease duration plus two
// retry periods; one that stops gracefully hands over within one retry period.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReport } from '../../../src/kube/index.js';
import type { Service } from '../../../src/main.js';
import { startControlPlane, type ControlPlane } from '../../harness/index.js';
import {
  cluster,
  eventually,
  installCrds,
  pod,
  startKubeService,
  type Cluster,
} from './cluster.js';

const TRUST_NS = 'na-leases-trust';
const NS = 'team-lease';
const LEASE_MS = 2_000;
/** The elector's default retry period: a fifth of the Lease duration. */
const RETRY_MS = LEASE_MS / 5;

let cp: ControlPlane;
let c: Cluster;
const replicas: Service[] = [];

const scanning = (): Service[] => replicas.filter((r) => r.visibility.scanner?.running);
const holder = async (): Promise<string> => {
  const lease = JSON.parse(
    await c.kubectl(['get', 'lease', '-n', TRUST_NS, 'notary-admission-scan', '-o', 'json']),
  ) as { spec: { holderIdentity?: string } };
  return lease.spec.holderIdentity ?? '';
};
const reportNames = async (): Promise<string[]> =>
  (await c.items(['policyreports.wgpolicyk8s.io', '-n', NS]))
    .flatMap((r) => readReport(r))
    .map((r) => r.name)
    .sort();

/** Waits until exactly one replica scans; returns it and when. */
async function oneScanning(ms: number): Promise<{ leader: Service; at: number }> {
  const leader = await eventually(
    'one replica scans',
    () => {
      const now = scanning();
      return now.length === 1 ? now[0] : undefined;
    },
    ms,
  );
  return { leader, at: Date.now() };
}

beforeAll(async () => {
  cp = await startControlPlane();
  c = cluster(cp);
  for (const ns of [TRUST_NS, NS]) await c.kubectl(['create', 'namespace', ns]);
  await installCrds(c);
  // No TrustPolicy governs it: a definitive result without any registry.
  await c.apply(pod(NS, 'first', 'registry.invalid/team/app:1'));
  for (let i = 0; i < 2; i++) {
    const { service } = await startKubeService({
      kubeconfig: cp.kubeconfigPath,
      trustNamespace: TRUST_NS,
      flags: ['--scan-interval=1h', `--scan-lease-duration=${LEASE_MS}ms`],
    });
    replicas.push(service);
  }
});
afterAll(async () => {
  await Promise.allSettled(replicas.map((r) => r.close()));
  await cp?.stop();
});

describe('the scan Lease with two replicas', () => {
  it('lets only the holder scan, and names it in the Lease', async () => {
    const { leader } = await oneScanning(5_000);
    for (let i = 0; i < 5; i++) {
      await sleep(RETRY_MS);
      expect(scanning()).toEqual([leader]);
    }
    expect(await holder()).toBe(leader.visibility.identity);
    await eventually('the holder wrote the report', async () =>
      (await reportNames()).includes('first') ? true : undefined,
    );
  });

  describe('when the holder dies without releasing the Lease', () => {
    it('hands scanning to the other replica within the Lease duration plus two retry periods', async () => {
      const [dead] = scanning();
      const other = replicas.find((r) => r !== dead)!;
      // A crash: no more renewals, no release.
      await dead!.visibility.elector!.stop({ release: false });
      await dead!.visibility.scanner!.stop();
      const killed = Date.now();
      const { leader, at } = await oneScanning(LEASE_MS * 3);
      expect(leader).toBe(other);
      expect(at - killed).toBeLessThan(LEASE_MS + 2 * RETRY_MS + 300);
      expect(await holder()).toBe(other.visibility.identity);
      // The new holder keeps the reports: a new workload shows up.
      await c.apply(pod(NS, 'second', 'registry.invalid/team/app:2'));
      await eventually('the new holder reports the new Pod', async () =>
        (await reportNames()).includes('second') ? true : undefined,
      );
      dead!.visibility.elector!.start();
    });
  });

  describe('when the holder stops gracefully', () => {
    it('releases the Lease, and the other replica takes it within one retry period', async () => {
      await sleep(RETRY_MS * 2);
      const [leaving] = scanning();
      const staying = replicas.find((r) => r !== leaving)!;
      const stopped = Date.now();
      await leaving!.close();
      const { leader, at } = await oneScanning(LEASE_MS * 3);
      expect(leader).toBe(staying);
      expect(at - stopped).toBeLessThan(RETRY_MS + 300);
    });
  });
});
