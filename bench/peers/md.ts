// Small helpers for the peers tables: order of the rounds, statistics, Markdown.
import { setTimeout as sleep } from 'node:timers/promises';
import { coreTime } from './proc.js';
import type { PeerName } from './servers.js';

/** Round 1 runs ours first, round 2 Ratify first: A, B, B, A. */
export const ORDER: readonly (readonly PeerName[])[] = [
  ['ours', 'ratify'],
  ['ratify', 'ours'],
];

/** BENCH_PEERS_QUICK=1: a smoke run (short slices, few images) that proves the tooling works. */
export const QUICK = process.env['BENCH_PEERS_QUICK'] === '1';

/** A number from the environment, else the full run's default, or the quick run's. */
export function env(name: string, full: number, quick = full): number {
  const v = process.env[name];
  const n = v === undefined || v === '' ? (QUICK ? quick : full) : Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: not a number ≥ 0: ${v}`);
  return n;
}

/** Nearest-rank percentile. */
export function pct(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** 3 significant figures at most, no exponent. */
export function num(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export const ratio = (ours: number, theirs: number): string => (ours / theirs).toFixed(2);

export function table(header: string[], rows: (string | number)[][]): string {
  const align = header.map((h) => (h.startsWith('<') ? '---' : '---:'));
  const head = header.map((h) => h.replace(/^</, ''));
  return [
    `| ${head.join(' | ')} |`,
    `| ${align.join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(String).join(' | ')} |`),
  ].join('\n');
}

const QUIET_WAIT_MS = env('BENCH_QUIET_WAIT_SECONDS', 10, 0) * 1000;

/**
 * Waits (up to BENCH_QUIET_WAIT_SECONDS, 10 here, 0 in a quick run) for 2 s in which both cores
 * are at least 80% idle; the tables say how busy the server's core was with others' work during each run.
 */
export async function waitQuiet(): Promise<void> {
  const until = performance.now() + QUIET_WAIT_MS;
  while (performance.now() < until) {
    const before = [coreTime(0), coreTime(1)];
    await sleep(2_000);
    const busy = [0, 1].map((c) => {
      const now = coreTime(c);
      return (now.busy - before[c]!.busy) / Math.max(1, now.total - before[c]!.total);
    });
    if (busy.every((b) => b < 0.2)) return;
  }
}

/** Calls `fn` for each server of each round, in the rounds' order. */
export async function eachRun(fn: (round: number, name: PeerName) => Promise<void>): Promise<void> {
  for (const [i, order] of ORDER.entries()) for (const name of order) await fn(i + 1, name);
}
