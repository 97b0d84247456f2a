import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLeaderElector,
  type LeaderElector,
  type LeaseApi,
  type LeaseRecord,
} from './leases.js';

/** One Lease in memory, with resourceVersion preconditions as the API server has them. */
function memoryLease() {
  let stored: { spec: LeaseRecord; resourceVersion: string } | undefined;
  let version = 0;
  const conflict = () => Object.assign(new Error('conflict'), { code: 409 });
  const api: LeaseApi = {
    read: () => Promise.resolve(stored && structuredClone(stored)),
    create: (spec) => {
      if (stored) return Promise.reject(conflict());
      stored = { spec: { ...spec }, resourceVersion: String(++version) };
      return Promise.resolve();
    },
    replace: (spec, resourceVersion) => {
      if (stored?.resourceVersion !== resourceVersion) return Promise.reject(conflict());
      stored = { spec: { ...spec }, resourceVersion: String(++version) };
      return Promise.resolve();
    },
  };
  return { api, holder: () => stored?.spec.holderIdentity };
}

const LEASE_MS = 1_000;
const electors: LeaderElector[] = [];

function elector(api: LeaseApi, identity: string) {
  const state = { leading: false, changes: 0 };
  const e = createLeaderElector({
    api,
    identity,
    leaseDurationMs: LEASE_MS,
    onStartedLeading: () => ((state.leading = true), state.changes++),
    onStoppedLeading: () => ((state.leading = false), state.changes++),
  });
  electors.push(e);
  return { e, state };
}

async function until(check: () => boolean, ms: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error('not in time');
    await sleep(20);
  }
  return Date.now() - started;
}

afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop()));
});

describe('createLeaderElector', () => {
  describe('when two replicas compete for one Lease', () => {
    it('lets exactly one lead, and writes its identity in the Lease', async () => {
      const lease = memoryLease();
      const a = elector(lease.api, 'a');
      const b = elector(lease.api, 'b');
      a.e.start();
      b.e.start();
      await until(() => a.state.leading || b.state.leading, 2_000);
      await sleep(LEASE_MS);
      expect([a.state.leading, b.state.leading].filter(Boolean)).toHaveLength(1);
      expect(lease.holder()).toBe(a.state.leading ? 'a' : 'b');
    });
  });

  describe('when the holder stops renewing (a crash)', () => {
    it('returns the Lease to the other replica after the Lease duration, not before', async () => {
      const lease = memoryLease();
      const a = elector(lease.api, 'a');
      a.e.start();
      await until(() => a.state.leading, 2_000);
      const b = elector(lease.api, 'b');
      b.e.start();
      await sleep(300);
      expect(b.state.leading).toBe(false);
      await a.e.stop({ release: false });
      const waited = await until(() => b.state.leading, 3 * LEASE_MS);
      expect(waited).toBeGreaterThanOrEqual(LEASE_MS - 300);
      expect(lease.holder()).toBe('b');
    });
  });

  describe('when the holder stops gracefully', () => {
    it('releases the Lease, and the other replica takes it within a retry period', async () => {
      const lease = memoryLease();
      const a = elector(lease.api, 'a');
      a.e.start();
      await until(() => a.state.leading, 2_000);
      const b = elector(lease.api, 'b');
      b.e.start();
      await sleep(300);
      await a.e.stop();
      expect(a.state.leading).toBe(false);
      const waited = await until(() => b.state.leading, LEASE_MS);
      expect(waited).toBeLessThan(LEASE_MS / 2);
    });
  });

  describe('when renewals fail for longer than the renew deadline', () => {
    it('stops leading', async () => {
      const lease = memoryLease();
      let broken = false;
      const api: LeaseApi = {
        ...lease.api,
        read: () => (broken ? Promise.reject(new Error('network')) : lease.api.read()),
      };
      const a = elector(api, 'a');
      a.e.start();
      await until(() => a.state.leading, 2_000);
      broken = true;
      await until(() => !a.state.leading, 2 * LEASE_MS);
      expect(a.state.changes).toBe(2);
    });
  });
});
