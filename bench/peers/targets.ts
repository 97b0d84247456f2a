// The acceptance of issue 20 as one table: each figure the parts measured, ours and Ratify's per
// round, the ratio ours ÷ Ratify, the target and whether every round met it. The parts add their
// figures to a Figures list as they go; index.ts prints the table after the last part.
import { num, table } from './md.js';

/**
 * A target on one figure: ours ÷ Ratify at least `min` (higher is better: requests/s) or at most
 * `max` (lower is better: latency, CPU, requests), or ours alone at most `max` (memory, start-up).
 */
export type Rule =
  | { kind: 'ratio-min'; min: number }
  | { kind: 'ratio-max'; max: number }
  | { kind: 'abs-max'; max: number };

export interface Figure {
  name: string;
  unit: string;
  /** One value per round (or a single value), ours and Ratify's in the same rounds. */
  ours: number[];
  ratify: number[];
  rule: Rule;
}

export type Figures = Figure[];

export interface Judged {
  /** ours ÷ Ratify per round (NaN where Ratify has no value). */
  ratios: number[];
  target: string;
  /** Every round met the target; undefined when a value is missing (a part failed). */
  met: boolean | undefined;
}

const fixed = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '–');
/** Counts stay whole (3 requests), measurements get num's figures. */
const value = (v: number): string => (Number.isInteger(v) ? String(v) : num(v));

export function judge(f: Figure): Judged {
  const ratios = f.ours.map((o, i) => o / (f.ratify[i] ?? NaN));
  const r = f.rule;
  const target =
    r.kind === 'ratio-min'
      ? `ours ÷ Ratify ≥ ${r.min}`
      : r.kind === 'ratio-max'
        ? `ours ÷ Ratify ≤ ${r.max}`
        : `ours ≤ ${r.max} ${f.unit}`;
  const values = r.kind === 'abs-max' ? f.ours : ratios;
  if (values.length === 0 || values.some((v) => !Number.isFinite(v)))
    return { ratios, target, met: undefined };
  const ok = (v: number): boolean => (r.kind === 'ratio-min' ? v >= r.min : v <= r.max);
  return { ratios, target, met: values.every(ok) };
}

const joined = (v: number[], f: (x: number) => string): string =>
  v.length === 0 ? '–' : v.map(f).join(' / ');

/** The targets table: one row per figure, values per round joined with " / ". */
export function targetsTable(figures: Figures): string {
  const rows = figures.map((f) => {
    const j = judge(f);
    const met = j.met === undefined ? 'not measured' : j.met ? '**met**' : '**not met**';
    return [
      f.name,
      `${joined(f.ours, value)} ${f.unit}`.trim(),
      `${joined(f.ratify, value)} ${f.ratify.length ? f.unit : ''}`.trim(),
      joined(j.ratios, fixed),
      j.target,
      met,
    ];
  });
  return table(
    ['<figure', 'ours', 'Ratify', 'ours ÷ Ratify', '<target', '<verdict'],
    rows.map((r) => r.map((c) => (c === '' ? '–' : c))),
  );
}
