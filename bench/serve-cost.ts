// What one `notary-admission serve` process costs (issue 20 items 3 and 5): `npm run bench --
// serve-cost`. Two builds of the CLI side by side, the working tree ("after") and a commit
// ("before", BENCH_SERVE_BEFORE, default c0906b8), each `node dist/cli.js serve` pinned to core
// 0 with the file policy source, HTTPS (TLS 1.3, keep-alive); the load generator, this process and
// the registry on core 1. Each run, for each build in A B / B A order:
// - start-up: spawn → port accepts, spawn → first review answered (one image by digest, cold:
//   registry fetch and first sight of the signer in the new process), as bench/peers/startup.ts;
// - a second start left alone 2 s: RSS at rest (empty cache); then, log level warn, a 3-image Pod
//   by digest, cache warm, closed loop at concurrency 1, 4, 16, 64: reviews/s and server CPU per
//   review (/proc); RSS after;
// - a third start at log level info (one line per review, to a file): the same at 16 and 64.
// Method and results: bench/README.md, "serve: CPU per warm review, memory, start-up (issue 20)".
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../test/harness/process.js';
import { podReview } from '../test/support/reviews.js';
import { buildCli } from './peers/build.js';
import { client, type Target } from './peers/client.js';
import { startLoadGenerator, type LoadGenerator } from './peers/loadgen.js';
import { env, median, num, table, waitQuiet } from './peers/md.js';
import { cpuMs, cpuWindow, rssBytes } from './peers/proc.js';
import { OTHER_CPU, SERVER_CPU, type Body } from './peers/servers.js';
import { setupBench, signedImages, type PeerBench } from './peers/setup.js';

const RUNS = env('BENCH_SERVE_RUNS', 3);
const SLICE_MS = env('BENCH_SERVE_SLICE_SECONDS', 3) * 1000;
const BEFORE = process.env['BENCH_SERVE_BEFORE'] ?? 'c0906b8';
/** `--cpu-prof` for the warn-level server: profiles land in <workdir>/prof-<build>. */
const PROFILE = process.env['BENCH_SERVE_PROFILE'] === '1';
/** Node flags for the after build's server only (e.g. `--max-semi-space-size=4`, the chart's). */
const AFTER_FLAGS = (process.env['BENCH_SERVE_AFTER_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
const WARN_C = [1, 4, 16, 64];
const INFO_C = [16, 64];
const MiB = 2 ** 20;

interface Server {
  pid: number;
  spawnedAt: number;
  listeningMs: number;
  /** The server's CPU time (user + system) when its port first accepted. */
  listeningCpuMs: number;
  target: Target;
  close(): Promise<void>;
}

type Build = { name: 'before' | 'after'; cli: string };

async function accepts(port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function start(b: PeerBench, build: Build, level: string, tag: string): Promise<Server> {
  const port = await freePort();
  const flags = [
    ...['serve', '--host', '127.0.0.1', '--port', String(port), '--metrics-port', '0'],
    ...['--tls-cert', b.tls.certPath, '--tls-key', b.tls.keyPath, '--log-level', level],
    ...['--trust-policy', b.policyPath, '--trust-store', b.storeDir],
    ...b.hosts.flatMap((h) => ['--insecure-registry', h]),
    ...['--allow-private-network', 'all', '--no-mutating-webhook', '--cache-ttl', '5m'],
  ];
  const prof =
    PROFILE && level === 'warn'
      ? ['--cpu-prof', '--cpu-prof-dir', path.join(b.dir, `prof-${build.name}`)]
      : [];
  const log = openSync(path.join(b.dir, `serve-${build.name}-${tag}.log`), 'a');
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(
    'taskset',
    [
      '-c',
      String(SERVER_CPU),
      process.execPath,
      ...(build.name === 'after' ? AFTER_FLAGS : []),
      ...prof,
      build.cli,
      ...flags,
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`${build.name} exited; see ${b.dir}`);
    await sleep(1);
  }
  const listeningMs = performance.now() - spawnedAt;
  const listeningCpuMs = cpuMs(child.pid ?? -1);
  const ca = readFileSync(b.tls.caPath, 'utf8');
  const target: Target = {
    url: `https://127.0.0.1:${port}`,
    path: '/validate?timeout=10s',
    ca,
    check: 'admission',
  };
  return {
    pid: child.pid ?? -1,
    spawnedAt,
    listeningMs,
    listeningCpuMs,
    target,
    close: async () => {
      // SIGINT twice: the service stops at once, and --cpu-prof writes its profile.
      child.kill('SIGINT');
      await sleep(50);
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function bodyOf(refs: string[]): Body {
  const marker = '__SERVE_UID__';
  const [prefix = '', suffix = ''] = JSON.stringify(podReview({ images: refs, uid: marker })).split(
    marker,
  );
  return { prefix, suffix };
}

async function sendOk(t: Target, refs: string[], n: number): Promise<number> {
  const c = client(t);
  try {
    let ms = 0;
    for (let i = 0; i < n; i++) {
      const a = await c.send(bodyOf(refs));
      if (!a.ok) throw new Error(`review not allowed: ${a.text.slice(0, 300)}`);
      ms = a.ms;
    }
    return ms;
  } finally {
    await c.close();
  }
}

/** One closed-loop slice: reviews/s, p99 and server µs of CPU per review. */
async function slice(gen: LoadGenerator, s: Server, refs: string[], c: number) {
  let window: (() => { cpuMs: number; othersShare: number }) | undefined;
  let used = { cpuMs: NaN, othersShare: NaN };
  const options = { ...s.target, body: bodyOf(refs), concurrency: c };
  const sum = await gen.run({ ...options, warmupMs: 1_000, durationMs: SLICE_MS }, (phase) => {
    if (phase === 'start') window = cpuWindow(s.pid, SERVER_CPU);
    else if (window) used = window();
  });
  if (sum.failed > 0) throw new Error(`${sum.failed} failed: ${sum.samples[0]}`);
  return {
    rps: sum.throughput,
    p99: sum.latencyMs.p99,
    cpuUs: (used.cpuMs * 1000) / sum.requests,
    others: used.othersShare,
  };
}

type Figures = Record<string, number>;

async function measureBuild(b: PeerBench, build: Build, run: number, refs: string[]) {
  const f: Figures = {};
  const [one] = refs;
  // Start-up and the first (cold) review.
  const s1 = await start(b, build, 'warn', `first-${run}`);
  try {
    await sendOk(s1.target, [one!], 1);
    f['first'] = performance.now() - s1.spawnedAt;
    f['firstCpu'] = cpuMs(s1.pid);
    f['listening'] = s1.listeningMs;
    f['listeningCpu'] = s1.listeningCpuMs;
  } finally {
    await s1.close();
  }
  const gen = startLoadGenerator(OTHER_CPU);
  try {
    const s2 = await start(b, build, 'warn', `warm-${run}`);
    try {
      await sleep(2_000);
      f['rssRest'] = rssBytes(s2.pid) / MiB;
      await sendOk(s2.target, refs, 20);
      for (const c of WARN_C) {
        await waitQuiet();
        const r = await slice(gen, s2, refs, c);
        Object.assign(f, { [`warn rps ${c}`]: r.rps, [`warn cpu ${c}`]: r.cpuUs });
        Object.assign(f, { [`warn p99 ${c}`]: r.p99, [`warn others ${c}`]: r.others });
      }
      f['rssAfter'] = rssBytes(s2.pid) / MiB;
    } finally {
      await s2.close();
    }
    const s3 = await start(b, build, 'info', `info-${run}`);
    try {
      await sendOk(s3.target, refs, 20);
      for (const c of INFO_C) {
        await waitQuiet();
        const r = await slice(gen, s3, refs, c);
        Object.assign(f, { [`info rps ${c}`]: r.rps, [`info cpu ${c}`]: r.cpuUs });
        f[`info others ${c}`] = r.others;
      }
      f['rssInfo'] = rssBytes(s3.pid) / MiB;
    } finally {
      await s3.close();
    }
  } finally {
    await gen.close();
  }
  return f;
}

const ROWS: [string, (f: Figures) => number][] = [
  ['spawn → port accepts, ms', (f) => f['listening']!],
  ['spawn → first review answered (1 image, cold), ms', (f) => f['first']!],
  ['server CPU time when the port accepts, ms', (f) => f['listeningCpu']!],
  ['server CPU time when the first review is answered, ms', (f) => f['firstCpu']!],
  ['RSS at rest, empty cache, MiB', (f) => f['rssRest']!],
  ...WARN_C.flatMap((c): [string, (f: Figures) => number][] => [
    [`warn, concurrency ${c}: reviews/s`, (f) => f[`warn rps ${c}`]!],
    [`warn, concurrency ${c}: server CPU µs/review`, (f) => f[`warn cpu ${c}`]!],
    [`warn, concurrency ${c}: p99 ms`, (f) => f[`warn p99 ${c}`]!],
  ]),
  ['RSS after the warn runs, MiB', (f) => f['rssAfter']!],
  ...INFO_C.flatMap((c): [string, (f: Figures) => number][] => [
    [`info, concurrency ${c}: reviews/s`, (f) => f[`info rps ${c}`]!],
    [`info, concurrency ${c}: server CPU µs/review`, (f) => f[`info cpu ${c}`]!],
    [`info, concurrency ${c}: reviews per core-second`, (f) => 1e6 / f[`info cpu ${c}`]!],
  ]),
  ['RSS after the info runs, MiB', (f) => f['rssInfo']!],
  [
    'others on core 0, max over the runs',
    (f) => 100 * Math.max(...Object.keys(f).flatMap((k) => (k.includes('others') ? f[k]! : []))),
  ],
];

async function serveCost(): Promise<string> {
  const builds: Build[] = [
    { name: 'before', cli: buildCli(BEFORE).cli },
    { name: 'after', cli: buildCli(undefined).cli },
  ];
  const b = await setupBench('olareg');
  try {
    const refs = (await signedImages(b, 'serve', 3)).map((i) => i.reference);
    const results: Record<Build['name'], Figures[]> = { before: [], after: [] };
    for (let run = 0; run < RUNS; run++) {
      const order = run % 2 === 0 ? builds : [...builds].reverse();
      for (const build of order) {
        process.stderr.write(`[serve-cost] run ${run + 1}: ${build.name}\n`);
        results[build.name].push(await measureBuild(b, build, run, refs));
      }
    }
    const cell = (fs: Figures[], f: (x: Figures) => number): string => {
      const v = fs.map(f);
      return `${num(median(v))} (${v.map(num).join(', ')})`;
    };
    const rows = ROWS.map(([label, f]) => [label, cell(results.before, f), cell(results.after, f)]);
    const head = `Before: ${BEFORE}; after: the working tree. Node ${process.version}; ${RUNS} runs, median (each run).`;
    return `${head}\n\n${table(['<figure', 'before', 'after'], rows)}\n`;
  } finally {
    await b.registry.stop();
  }
}

export const SERVE_COST_SUITES: Record<string, () => Promise<string>> = {
  'serve-cost': async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync('taskset', ['-p', '-c', String(OTHER_CPU), String(process.pid)], {
      stdio: 'ignore',
    });
    return serveCost();
  },
};
