// The closed-loop load generator of the peers bench, in its own process pinned to the other core
// (`taskset -c 1 node --import tsx bench/peers/loadgen.ts`, one JSON LoadOptions per line on
// stdin): C requests always in flight over C keep-alive TLS 1.3 connections for D ms after a
// warm-up. For each run it prints `{"phase":"start"}` and `{"phase":"end"}` around the measured
// window (where the parent reads the server's CPU time) and then one JSON LoadSummary.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { latency, type Latency } from '../load.js';
import { client, type Target } from './client.js';
import type { Body } from './servers.js';

export interface LoadOptions extends Target {
  body: Body;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface LoadSummary {
  requests: number;
  failed: number;
  /** A few failed answers, for the report. */
  samples: string[];
  throughput: number;
  latencyMs: Latency;
}

async function closedLoop(o: LoadOptions, mark: (phase: 'start' | 'end') => void) {
  const c = client(o, o.concurrency);
  const t0 = performance.now();
  const [from, to] = [t0 + o.warmupMs, t0 + o.warmupMs + o.durationMs];
  const times: number[] = [];
  const samples: string[] = [];
  let failed = 0;
  let started = false;
  let last = from;
  const worker = async (): Promise<void> => {
    while (performance.now() < to) {
      const sentAt = performance.now();
      if (!started && sentAt >= from) {
        started = true;
        mark('start');
      }
      const a = await c.send(o.body);
      if (sentAt < from) continue; // warm-up
      times.push(a.ms);
      last = Math.max(last, performance.now());
      if (!a.ok) {
        failed++;
        if (samples.length < 3) samples.push(a.text.slice(0, 300));
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  mark('end');
  await c.close();
  const elapsed = last - from;
  return {
    requests: times.length,
    failed,
    samples,
    throughput: (times.length / elapsed) * 1000,
    latencyMs: latency(Float64Array.from(times)),
  };
}

export interface LoadGenerator {
  /** One closed-loop run; `onPhase` is called at the marks, before the summary resolves. */
  run(options: LoadOptions, onPhase: (phase: 'start' | 'end') => void): Promise<LoadSummary>;
  close(): Promise<void>;
}

/**
 * Starts the generator process pinned to `cpu`, once: it takes one LoadOptions per line on stdin
 * and answers with the marks and one summary line each (no process start per run).
 */
export function startLoadGenerator(cpu: number): LoadGenerator {
  const args = ['-c', String(cpu), process.execPath, '--import', 'tsx'];
  const child = spawn('taskset', [...args, fileURLToPath(import.meta.url)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let current:
    { onPhase: (phase: 'start' | 'end') => void; done: (s: LoadSummary) => void } | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as { phase?: 'start' | 'end' } & Partial<LoadSummary>;
    if (message.phase) current?.onPhase(message.phase);
    else current?.done(message as LoadSummary);
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  return {
    run: (options, onPhase) =>
      new Promise<LoadSummary>((resolve, reject) => {
        current = { onPhase, done: resolve };
        void exited.then((code) => reject(new Error(`load generator exited (${code})`)));
        child.stdin.write(`${JSON.stringify(options)}\n`);
      }),
    close: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const mark = (phase: string): void => void process.stdout.write(`{"phase":"${phase}"}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const summary = await closedLoop(JSON.parse(line) as LoadOptions, mark);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  }
}
