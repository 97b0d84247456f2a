import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EVENT_LOOP_LAG, monitorEventLoop } from './event-loop.js';

/** The gauge's value per quantile, read the way Prometheus scrapes it. */
async function lag(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric(EVENT_LOOP_LAG)?.get();
  const out: Record<string, number> = {};
  for (const v of metric?.values ?? []) out[String(v.labels['quantile'])] = v.value;
  return out;
}

function burn(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Synchronous work: nothing else runs on this thread meanwhile.
  }
}

describe('monitorEventLoop', () => {
  describe('when the loop is blocked by a synchronous burn of 200 ms', () => {
    it('returns a max lag of at least 0.15 s, then resets at the next scrape', async () => {
      const registry = new Registry();
      const monitor = monitorEventLoop({ registry });
      try {
        await sleep(50);
        burn(200);
        await sleep(50); // lets the delayed timer run and record the stall
        const first = await lag(registry);
        expect(Object.keys(first).sort()).toEqual(['max', 'p50', 'p99']);
        expect(first['max']).toBeGreaterThanOrEqual(0.15);
        expect(first['p99']).toBeGreaterThanOrEqual(0.15);
        await sleep(50);
        expect((await lag(registry))['max']).toBeLessThan(0.15);
      } finally {
        monitor.stop();
      }
    });
  });

  describe('when no sample was taken since the last scrape', () => {
    it('returns 0 for every quantile', async () => {
      const registry = new Registry();
      const monitor = monitorEventLoop({ registry, resolutionMs: 10_000 });
      try {
        expect(await lag(registry)).toEqual({ p50: 0, p99: 0, max: 0 });
      } finally {
        monitor.stop();
      }
    });
  });

  describe('when stopped', () => {
    it('removes the gauge from the registry', async () => {
      const registry = new Registry();
      monitorEventLoop({ registry }).stop();
      expect(registry.getSingleMetric(EVENT_LOOP_LAG)).toBeUndefined();
      expect(await registry.metrics()).not.toContain(EVENT_LOOP_LAG);
    });
  });
});
