import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

export interface EventLoopMonitorOptions {
  registry: Registry;
  /** Sampling period of the delay timer, in ms (default 10). */
  resolutionMs?: number;
}

export interface EventLoopMonitor {
  /** Stops sampling and removes the gauge from the registry. */
  stop(): void;
}

export const EVENT_LOOP_LAG = 'notary_admission_event_loop_lag_seconds';

/**
 * Event-loop delay since the previous scrape, as `notary_admission_event_loop_lag_seconds
 * {quantile="p50"|"p99"|"max"}`. Unlike a lag probed at scrape time, it shows a burn that ended
 * before the scrape (a slow synchronous verification stalls every review in flight).
 */
export function monitorEventLoop(options: EventLoopMonitorOptions): EventLoopMonitor {
  const resolutionMs = options.resolutionMs ?? 10;
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  new Gauge({
    name: EVENT_LOOP_LAG,
    help: 'Event-loop delay over the interval since the previous scrape, in seconds.',
    labelNames: ['quantile'] as const,
    registers: [options.registry],
    collect(): void {
      // Node records the interval between timer runs, resolution included: the lag is the excess.
      // No sample since the reset (count 0) reads as 0.
      const sampled = histogram.count > 0;
      const seconds = (ns: number): number =>
        sampled ? Math.max(0, ns / 1e9 - resolutionMs / 1000) : 0;
      this.set({ quantile: 'p50' }, seconds(histogram.percentile(50)));
      this.set({ quantile: 'p99' }, seconds(histogram.percentile(99)));
      this.set({ quantile: 'max' }, seconds(histogram.max));
      histogram.reset();
    },
  });
  return {
    stop(): void {
      histogram.disable();
      options.registry.removeSingleMetric(EVENT_LOOP_LAG);
    },
  };
}
