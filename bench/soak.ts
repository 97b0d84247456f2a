// `npm run soak`: the long versions of test/reliability (issue 9 items 2, 3 and 5), each against
// a `serve` child process on a real olareg with notation-signed images. `npm run soak -- t48 t22`
// runs the parts named (t48 t49 t22 t47 faults); SOAK_MINUTES sets the T-49 duration (default
// 20). Prints one JSON line per part and a table, and exits 1 if any part missed its target.
import path from 'node:path';
import { makeWorkdir } from '../test/harness/workdir.js';
import { createApiServerClient, type ApiServerClient } from '../test/support/api-server.js';
import { podReview } from '../test/support/reviews.js';
import { startBalancer } from '../test/reliability/support/balancer.js';
import { startFaultProxy } from '../test/reliability/support/fault-proxy.js';
import { runAtRate, summarize, type ShotRecord } from '../test/reliability/support/load.js';
import { startServeProcess, type ServeProcess } from '../test/reliability/support/serve-process.js';
import { startWorld, type ReliabilityWorld } from '../test/reliability/support/world.js';
import { runFaultPhases } from './faults.js';

type Part = (world: ReliabilityWorld) => Promise<{ figures: unknown; ok: boolean }>;

const MINUTES = Number(process.env['SOAK_MINUTES'] ?? 20);
const mib = (b: number) => +(b / 2 ** 20).toFixed(1);

async function serve(
  world: ReliabilityWorld,
  name: string,
  extra: string[] = [],
  registry?: string,
) {
  const dir = makeWorkdir(name);
  return startServeProcess(
    [
      ...['--port', '0', '--metrics-port', '0', '--tls-dir', path.join(dir, 'tls')],
      ...['--log-level', 'warn', '--allow-private-network', 'all'],
      ...['--insecure-registry', registry ?? world.registry.host],
      ...(await world.writePolicyFiles(dir)),
      ...extra,
    ],
    { nodeFlags: ['--max-old-space-size=384'] },
  );
}

const apisFor = (s: ServeProcess, n: number, url = s.url, ca = s.ca): ApiServerClient[] =>
  Array.from({ length: n }, () => createApiServerClient({ url, ca, webhook: 'validating' }));

/** T-48: 200 rps for 60 s on a warm cache; p99 < 50 ms, 0 errors. */
const t48: Part = async (world) => {
  const child = await serve(world, 'soak-t48');
  const apis = apisFor(child, 4);
  try {
    const warm = world.signed.slice(0, 20);
    const shot = (k: number) => ({ image: warm[k % 20]!.reference, truth: warm[k % 20]!.truth });
    await runAtRate({ clients: apis, rps: 50, durationMs: 2_000, shot });
    const s = summarize(await runAtRate({ clients: apis, rps: 200, durationMs: 60_000, shot }));
    return {
      figures: { rps: 200, seconds: 60, ...s },
      ok: s.admitted === s.total && s.latencyMs.p99 < 50,
    };
  } finally {
    await Promise.allSettled(apis.map((a) => a.close()));
    child.kill();
  }
};

/** T-49: 50 rps over rotating digests through a cache of 50 for SOAK_MINUTES; heap after GC ±10%. */
const t49: Part = async (world) => {
  const proxy = await startFaultProxy(world.registry.url);
  const child = await serve(world, 'soak-t49', ['--cache-max-entries', '50'], proxy.host);
  const apis = apisFor(child, 2);
  try {
    const images = [...world.signed.slice(0, 100), ...world.unsigned];
    const shot = (k: number) => {
      const image = images[(k * 7) % images.length]!;
      return { image: world.via(proxy.host, image), truth: image.truth };
    };
    await runAtRate({ clients: apis, rps: 50, durationMs: 60_000, shot });
    // The API servers' connections (the load's) and the registry pool's vary with the load;
    // every other descriptor must stay put.
    const api = () =>
      apis.reduce((n, a) => n + a.counters.connectionsOpened - a.counters.connectionsClosed, 0);
    const sample = async (at: number) => ({
      at,
      ...(await child.probe(true)),
      registry: proxy.sockets().open,
      api: api(),
    });
    const samples = [await sample(0)];
    const records: ShotRecord[] = [];
    for (let minute = 1; minute <= MINUTES; minute++) {
      records.push(...(await runAtRate({ clients: apis, rps: 50, durationMs: 60_000, shot })));
      samples.push(await sample(minute));
    }
    const s = summarize(records);
    const first = samples[0]!;
    const last = samples.at(-1)!;
    const drift = last.heapUsed / first.heapUsed - 1;
    const fixed = (p: (typeof samples)[number]) => p.fds - p.registry - p.api;
    return {
      figures: {
        minutes: MINUTES,
        reviews: s.total,
        byTruth: s.byTruth,
        latencyMs: s.latencyMs,
        heapDriftPct: +(drift * 100).toFixed(1),
        samples: samples.map((p) => ({
          minute: p.at,
          heapMiB: mib(p.heapUsed),
          rssMiB: mib(p.rss),
          fds: p.fds,
          sockets: p.sockets,
          registrySockets: p.registry,
          apiConnections: p.api,
          otherFds: fixed(p),
          timers: p.resources['Timeout'] ?? 0,
        })),
      },
      ok:
        s.failed === 0 &&
        s.unverifiedAdmitted === 0 &&
        Math.abs(drift) <= 0.1 &&
        Math.max(...samples.map(fixed)) - Math.min(...samples.map(fixed)) <= 4,
    };
  } finally {
    await Promise.allSettled(apis.map((a) => a.close()));
    child.kill();
    await proxy.stop();
  }
};

/** T-22 at drain scale: 3000 reviews over 300 digests at once, 50 ms registry; heap < 70%. */
const t22: Part = async (world) => {
  const proxy = await startFaultProxy(world.registry.url);
  proxy.latency(50);
  const child = await serve(world, 'soak-t22', [], proxy.host);
  const [api] = apisFor(child, 1);
  try {
    const images = [...world.signed, ...world.strangers, ...world.unsigned].slice(0, 300);
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      for (; sampling; await new Promise((r) => setTimeout(r, 20)))
        peak = Math.max(peak, (await child.probe(false)).heapUsed);
    })();
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: 3000 }, (_, k) => {
        const image = images[k % images.length]!;
        return api!
          .review(podReview({ images: [world.via(proxy.host, image)] }), { timeoutSeconds: 10 })
          .then((o) => ({ o, truth: image.truth }));
      }),
    );
    const wallMs = performance.now() - started;
    sampling = false;
    await sampler;
    const failed = outcomes.filter(({ o }) => o.kind.startsWith('failed')).length;
    const unverified = outcomes.filter(
      ({ o, truth }) => o.kind === 'admitted' && truth !== 'signed',
    );
    const latencies = outcomes.map(({ o }) => o.latencyMs).sort((a, b) => a - b);
    const limit = 384 * 2 ** 20;
    return {
      figures: {
        reviews: 3000,
        digests: images.length,
        wallMs: Math.round(wallMs),
        maxLatencyMs: Math.round(latencies.at(-1)!),
        failed,
        unverifiedAdmitted: unverified.length,
        peakSockets: proxy.sockets().peak,
        registryRequests: proxy.requests.length,
        peakHeapMiB: mib(peak),
        heapLimitMiB: 384,
      },
      ok:
        failed === 0 &&
        unverified.length === 0 &&
        proxy.sockets().peak <= 16 &&
        latencies.at(-1)! < 10_000 &&
        peak < 0.7 * limit,
    };
  } finally {
    await api?.close();
    child.kill();
    await proxy.stop();
  }
};

/** T-47 for longer: 200 rps for 60 s over two replicas, one killed at 20 s. */
const t47: Part = async (world) => {
  const a = await serve(world, 'soak-t47a');
  const b = await serve(world, 'soak-t47b');
  // Each replica has its own generated CA: the API servers trust both.
  const balancer = await startBalancer(
    [a, b].map((r) => ({ host: '127.0.0.1', port: Number(new URL(r.url).port) })),
  );
  const apis = Array.from({ length: 4 }, () =>
    createApiServerClient({ url: balancer.url, ca: a.ca + b.ca, webhook: 'validating' }),
  );
  try {
    const images = [...world.signed, ...world.strangers, ...world.unsigned];
    const records = await runAtRate({
      clients: apis,
      rps: 200,
      durationMs: 60_000,
      timeoutSeconds: 10,
      shot: (k) => ({
        image: images[k % images.length]!.reference,
        truth: images[k % images.length]!.truth,
      }),
      event: { atMs: 20_000, run: () => a.child.kill('SIGKILL') },
    });
    const s = summarize(records);
    const after = summarize(records.filter((r) => r.sentAt > 20_500));
    return {
      figures: {
        reviews: s.total,
        failed: s.failed,
        byTruth: s.byTruth,
        afterKill: after.latencyMs,
      },
      ok: after.failed === 0 && s.unverifiedAdmitted === 0 && after.latencyMs.p99 < 10_000,
    };
  } finally {
    await Promise.allSettled(apis.map((x) => x.close()));
    a.kill();
    b.kill();
    await balancer.close();
  }
};

const faults: Part = async (world) => {
  const r = await runFaultPhases(world, { rps: 50 });
  return {
    figures: r.phases.map((p) => ({
      phase: p.phase,
      reviews: p.total,
      admitted: p.admitted,
      denied: p.denied,
      failed: p.failed,
      unverifiedAdmitted: p.unverifiedAdmitted,
      codes: p.codes,
      p99Ms: Math.round(p.latencyMs.p99),
    })),
    ok: r.ok,
  };
};

const PARTS: Record<string, Part> = { t48, t22, t47, faults, t49 };

const wanted = process.argv.slice(2);
const world = await startWorld({ signed: 260, strangers: 20, unsigned: 20, prefix: 'soak' });
let allOk = true;
try {
  for (const [name, part] of Object.entries(PARTS)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    const started = Date.now();
    const { figures, ok } = await part(world);
    allOk &&= ok;
    const seconds = Math.round((Date.now() - started) / 1000);
    process.stdout.write(`${JSON.stringify({ part: name, ok, seconds, figures })}\n`);
  }
} finally {
  await world.stop();
}
process.stdout.write(
  allOk ? 'soak: every part met its target\n' : 'soak: a part missed its target\n',
);
process.exitCode = allOk ? 0 : 1;
