// The long version of test/reliability/faults-under-load.test.ts (issue 9 item 3), run by
// `npm run soak -- faults`: a `serve` process under a steady load over many digests through a
// small cache, while the registry behind a fault proxy is healthy, down, slow, flapping and rate
// limited, each fault followed by a healthy phase long enough for the circuit's cool-down (10 s)
// and the Retry-After hold (30 s) to end in real time. Each phase reports admitted, denied and
// failed reviews; the run fails if any review failed at the API server or anything unverified
// was admitted.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeWorkdir } from '../test/harness/workdir.js';
import { createApiServerClient } from '../test/support/api-server.js';
import { startFaultProxy, type Fault } from '../test/reliability/support/fault-proxy.js';
import { runAtRate, summarize, type Summary } from '../test/reliability/support/load.js';
import { startServeProcess } from '../test/reliability/support/serve-process.js';
import type { ReliabilityWorld } from '../test/reliability/support/world.js';

export interface FaultPhase {
  name: string;
  fault: Fault;
  latencyMs?: number;
  ms: number;
}

/** Healthy phases after a fault last 35 s: past a 30 s Retry-After and the 10 s cool-down. */
export const LONG_PHASES: FaultPhase[] = [
  { name: 'healthy', fault: { kind: 'pass' }, ms: 15_000 },
  { name: 'down', fault: { kind: 'down' }, ms: 15_000 },
  { name: 'recovered after down', fault: { kind: 'pass' }, ms: 35_000 },
  { name: 'slow (3 s per request)', fault: { kind: 'pass' }, latencyMs: 3_000, ms: 15_000 },
  { name: 'recovered after slow', fault: { kind: 'pass' }, ms: 35_000 },
  { name: 'flapping 50% 503', fault: { kind: 'status', status: 503, rate: 0.5 }, ms: 15_000 },
  { name: 'recovered after flapping', fault: { kind: 'pass' }, ms: 35_000 },
  {
    name: '429 Retry-After: 30',
    fault: { kind: 'status', status: 429, headers: { 'retry-after': '30' } },
    ms: 15_000,
  },
  { name: 'recovered after 429', fault: { kind: 'pass' }, ms: 35_000 },
];

export interface FaultRunResult {
  phases: (Summary & { phase: string })[];
  acrossSwitch: Summary;
  ok: boolean;
}

/** Runs the phases at `rps` against a fresh `serve` process; reviews time out after 2 s. */
export async function runFaultPhases(
  world: ReliabilityWorld,
  options: { rps: number; phases?: FaultPhase[]; cacheEntries?: number },
): Promise<FaultRunResult> {
  const phases = options.phases ?? LONG_PHASES;
  const proxy = await startFaultProxy(world.registry.url, { seed: 9 });
  const dir = makeWorkdir('soak-faults');
  const serve = await startServeProcess([
    ...['--port', '0', '--metrics-port', '0', '--tls-dir', path.join(dir, 'tls')],
    ...['--log-level', 'warn', '--allow-private-network', 'all'],
    ...['--insecure-registry', proxy.host],
    ...['--cache-max-entries', String(options.cacheEntries ?? 40)],
    ...(await world.writePolicyFiles(dir)),
  ]);
  const apis = [0, 1].map(() =>
    createApiServerClient({ url: serve.url, ca: serve.ca, webhook: 'validating' }),
  );
  try {
    const images = [...world.signed, ...world.strangers, ...world.unsigned];
    const starts = phases.reduce<number[]>((at, p, i) => [...at, at[i]! + p.ms], [0]);
    const from = [0];
    const to: number[] = [];
    const started = performance.now();
    const switcher = (async () => {
      for (let i = 1; i < phases.length; i++) {
        await sleep(started + starts[i]! - performance.now());
        to.push(performance.now() - started);
        proxy.latency(phases[i]!.latencyMs ?? 0);
        await proxy.fault(phases[i]!.fault);
        await sleep(50);
        from.push(performance.now() - started);
      }
      to.push(Infinity);
    })();
    const run = await runAtRate({
      clients: apis,
      rps: options.rps,
      durationMs: starts.at(-1)!,
      timeoutSeconds: 2,
      shot: (k) => {
        const image = images[(k * 7) % images.length]!;
        return { image: world.via(proxy.host, image), truth: image.truth };
      },
    });
    await switcher;
    const phaseOf = (sent: number, done: number) =>
      from.findIndex((f, i) => f <= sent && done <= to[i]!);
    const labelled = run.map((r) => ({ ...r, phase: phaseOf(r.sentAt, r.sentAt + r.latencyMs) }));
    const all = summarize(labelled);
    return {
      phases: phases.map((p, i) => ({
        phase: p.name,
        ...summarize(labelled.filter((r) => r.phase === i)),
      })),
      acrossSwitch: summarize(labelled.filter((r) => r.phase < 0)),
      ok: all.failed === 0 && all.unverifiedAdmitted === 0,
    };
  } finally {
    await Promise.allSettled(apis.map((a) => a.close()));
    serve.kill();
    await proxy.stop();
  }
}
