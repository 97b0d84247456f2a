// The load generator of the webhook suites: AdmissionReviews over N keep-alive HTTP/1.1
// connections (an undici Pool trusting the webhook's CA), as the API server sends them. Run it in
// its own process, pinned to another core than the server (`taskset -c 1 node --import tsx
// bench/load.ts options.json`, a file of LoadOptions): it prints one JSON LoadResult on stdout.
//
// Modes:
// - `max`: C requests always in flight for D seconds (closed loop): the throughput ceiling.
// - `rate`: R requests per second scheduled on a fixed timetable whatever the answers (open
//   loop); latency counts from the scheduled instant, so a stalled server is charged for the
//   requests it delayed (no coordinated omission).
// - `burst`: `count` requests all scheduled at once (open loop, latency from the burst's start).
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

/** A review body with its `request.uid` cut out: `${prefix}${uid}${suffix}`. */
export interface BodyTemplate {
  prefix: string;
  suffix: string;
}

export type LoadMode =
  | { kind: 'max'; concurrency: number; durationMs: number; warmupMs: number }
  | { kind: 'rate'; perSecond: number; durationMs: number; warmupMs: number }
  | { kind: 'burst'; count: number };

export interface LoadOptions {
  /** `https://127.0.0.1:PORT` */
  url: string;
  /** PEM of the CA the serving certificate chains to. */
  ca: string;
  /** e.g. `/validate?timeout=10s` */
  path: string;
  /** Request `i` uses `bodies[i % bodies.length]`. */
  bodies: BodyTemplate[];
  connections: number;
  mode: LoadMode;
  /** Whole-request timeout (the API server's); default 30 s. */
  timeoutMs?: number;
}

export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  /** Requests counted (after the warm-up). */
  requests: number;
  /** Answered 200 with `response.allowed === true` and the request's uid. */
  allowed: number;
  /** Answered, but not an allowed review for this uid (denied, shed, 4xx/5xx). */
  rejected: number;
  /** No answer: socket, TLS or timeout error. */
  errors: number;
  /** A few of the rejections and errors, for the report. */
  samples: string[];
  /** Wall time of the measured phase, from the first scheduled send to the last answer. */
  elapsedMs: number;
  /** Answers per second over the measured phase. */
  throughput: number;
  latencyMs: Latency;
  /** Fixed-rate runs: how late the generator itself sent, at worst (its own lag, not the server's). */
  maxSendLagMs: number;
}

/** Percentiles by the nearest-rank method over every sample (no binning error). */
export function latency(samples: Float64Array): Latency {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  const at = (q: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return n === 0
    ? { p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN }
    : { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[n - 1]!, mean: sum / n };
}

interface Recorder {
  latencies: number[];
  allowed: number;
  rejected: number;
  errors: number;
  samples: string[];
  lastDone: number;
}

const newRecorder = (): Recorder => ({
  latencies: [],
  allowed: 0,
  rejected: 0,
  errors: 0,
  samples: [],
  lastDone: 0,
});

function sample(rec: Recorder, text: string): void {
  if (rec.samples.length < 5) rec.samples.push(text.slice(0, 300));
}

interface Sender {
  /** Sends request `i`; resolves when answered or failed, recording into `rec`. */
  send(i: number, startedAt: number, rec: Recorder): Promise<void>;
  close(): Promise<void>;
}

function sender(o: LoadOptions): Sender {
  const pool = new Pool(o.url, {
    connections: o.connections,
    pipelining: 1,
    connect: { ca: o.ca },
    keepAliveTimeout: 120_000,
    keepAliveMaxTimeout: 120_000,
  });
  const headers = { 'content-type': 'application/json' };
  const timeout = o.timeoutMs ?? 30_000;
  const send = async (i: number, startedAt: number, rec: Recorder): Promise<void> => {
    const uid = randomUUID();
    const t = o.bodies[i % o.bodies.length]!;
    try {
      const res = await pool.request({
        path: o.path,
        method: 'POST',
        headers,
        body: `${t.prefix}${uid}${t.suffix}`,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      const text = await res.body.text();
      const done = performance.now();
      rec.latencies.push(done - startedAt);
      rec.lastDone = Math.max(rec.lastDone, done);
      const response = (JSON.parse(text) as { response?: { uid?: string; allowed?: boolean } })
        .response;
      if (res.statusCode === 200 && response?.allowed === true && response.uid === uid)
        rec.allowed++;
      else {
        rec.rejected++;
        sample(rec, `HTTP ${res.statusCode}: ${text}`);
      }
    } catch (err) {
      rec.errors++;
      rec.lastDone = Math.max(rec.lastDone, performance.now());
      sample(rec, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    }
  };
  return { send, close: () => pool.close() };
}

function result(rec: Recorder, start: number, maxSendLagMs = 0): LoadResult {
  const requests = rec.allowed + rec.rejected + rec.errors;
  const elapsedMs = rec.lastDone - start;
  return {
    requests,
    allowed: rec.allowed,
    rejected: rec.rejected,
    errors: rec.errors,
    samples: rec.samples,
    elapsedMs,
    throughput: (requests / elapsedMs) * 1000,
    latencyMs: latency(Float64Array.from(rec.latencies)),
    maxSendLagMs,
  };
}

/** Marks the measured phase: where the parent samples the server, and the generator its own CPU. */
export type Phase = 'start' | 'end';
type Mark = (phase: Phase) => void;

/** Closed loop: `concurrency` workers, each sending its next request when the last is answered. */
async function maxThroughput(s: Sender, mode: Extract<LoadMode, { kind: 'max' }>, mark: Mark) {
  let rec = newRecorder();
  let measuring = false;
  let start = performance.now();
  const end = start + mode.warmupMs + mode.durationMs;
  setTimeout(() => {
    rec = newRecorder();
    start = performance.now();
    measuring = true;
    mark('start');
  }, mode.warmupMs);
  setTimeout(() => mark('end'), mode.warmupMs + mode.durationMs);
  let i = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const r = rec;
      await s.send(i++, performance.now(), r);
    }
  };
  await Promise.all(Array.from({ length: mode.concurrency }, worker));
  if (!measuring) throw new Error('the warm-up outlasted the run');
  return result(rec, start);
}

/**
 * Open loop: request `k` is due at `start + k / perSecond` and sent then (or as soon after as
 * the generator's event loop allows), answered or not; latency counts from the due time.
 */
async function fixedRate(s: Sender, mode: Extract<LoadMode, { kind: 'rate' }>, mark: Mark) {
  const interval = 1000 / mode.perSecond;
  const warmup = Math.round(mode.warmupMs / interval);
  const total = warmup + Math.round(mode.durationMs / interval);
  const start = performance.now();
  const rec = newRecorder();
  const ignored = newRecorder();
  const inFlight: Promise<void>[] = [];
  let lag = 0;
  for (let k = 0; k < total;) {
    const now = performance.now();
    for (; k < total && start + k * interval <= now; k++) {
      const due = start + k * interval;
      if (k === warmup) mark('start');
      if (k >= warmup) lag = Math.max(lag, now - due);
      inFlight.push(s.send(k, due, k < warmup ? ignored : rec));
    }
    if (k < total) await sleep(Math.max(0, start + k * interval - performance.now()));
  }
  await Promise.all(inFlight);
  mark('end');
  return result(rec, start + warmup * interval, lag);
}

async function burst(s: Sender, count: number, mark: Mark): Promise<LoadResult> {
  const rec = newRecorder();
  mark('start');
  const start = performance.now();
  await Promise.all(Array.from({ length: count }, (_, i) => s.send(i, start, rec)));
  mark('end');
  return result(rec, start);
}

/**
 * Runs one load as `options` says and summarises it; `onPhase` is told when the measured phase
 * starts and ends.
 */
export async function runLoad(
  options: LoadOptions,
  onPhase: (phase: Phase) => void = () => {},
): Promise<LoadResult & { generatorCpu: number }> {
  const s = sender(options);
  let cpu = process.cpuUsage();
  let t0 = performance.now();
  let generatorCpu = NaN;
  const mark: Mark = (phase) => {
    if (phase === 'start') [cpu, t0] = [process.cpuUsage(), performance.now()];
    else {
      const used = process.cpuUsage(cpu);
      generatorCpu = (used.user + used.system) / 1000 / (performance.now() - t0);
    }
    onPhase(phase);
  };
  try {
    const mode = options.mode;
    const r =
      mode.kind === 'max'
        ? await maxThroughput(s, mode, mark)
        : mode.kind === 'rate'
          ? await fixedRate(s, mode, mark)
          : await burst(s, mode.count, mark);
    return { ...r, generatorCpu };
  } finally {
    await s.close();
  }
}

/**
 * Runs `runLoad` in a child process pinned to `cpu`; `optionsFile` is where its options go.
 * `onPhase` is called (and awaited before the result is returned) at each phase mark.
 */
export async function runLoadProcess(
  options: LoadOptions,
  run: { cpu: number; optionsFile: string; onPhase?: (phase: Phase) => Promise<unknown> },
): Promise<LoadResult & { generatorCpu: number }> {
  writeFileSync(run.optionsFile, JSON.stringify(options));
  const args = ['-c', String(run.cpu), process.execPath, '--import', 'tsx'];
  args.push(fileURLToPath(import.meta.url), run.optionsFile);
  const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const hooks: Promise<unknown>[] = [];
  let last = '';
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const phase = (JSON.parse(line) as { phase?: Phase }).phase;
    if (phase !== undefined && run.onPhase) hooks.push(run.onPhase(phase));
    else last = line;
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`load generator failed (exit ${code})`);
  await Promise.all(hooks);
  return JSON.parse(last) as LoadResult & { generatorCpu: number };
}

// As a child process: a file of options as the one argument; phase marks and then the result as
// JSON lines on stdout.
if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const options = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as LoadOptions;
  const result = await runLoad(options, (phase) => process.stdout.write(`{"phase":"${phase}"}\n`));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
