import { performance } from 'node:perf_hooks';

export interface Row {
  name: string;
  runs: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
}

/** Runs `fn` `runs` times one after another (after one warm-up) and summarises wall time. */
export async function measure(
  name: string,
  runs: number,
  fn: () => Promise<unknown>,
): Promise<Row> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (q: number): number =>
    times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  return { name, runs, medianMs: at(0.5), p95Ms: at(0.95), minMs: times[0]! };
}

export function printTable(rows: Row[]): void {
  const ms = (v: number): string => v.toFixed(1);
  const lines = [
    '| measurement | runs | median ms | p95 ms | min ms |',
    '|---|---:|---:|---:|---:|',
    ...rows.map(
      (r) => `| ${r.name} | ${r.runs} | ${ms(r.medianMs)} | ${ms(r.p95Ms)} | ${ms(r.minMs)} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
