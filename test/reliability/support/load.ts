// Load through the H-API simulator, one single-image Pod review per request, where the test knows
// each image's truth (world.ts): the run's records say what was admitted, denied and failed, and
// prove nothing unverified was admitted. Open loop: request k is sent at start + k/rps whatever
// the answers (a late tick sends what is due), as API servers keep sending.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiServerClient, Outcome, OutcomeKind } from '../../support/api-server.js';
import { podReview } from '../../support/reviews.js';
import type { Truth } from './world.js';

export interface Shot {
  image: string;
  truth: Truth;
}

export interface ShotRecord extends Shot {
  kind: OutcomeKind;
  latencyMs: number;
  /** When it was sent, ms after the run started. */
  sentAt: number;
  /** The code in brackets at the end of a denial, or the failed call's code. */
  code: string | undefined;
  message: string | undefined;
}

export interface RateOptions {
  /** Requests go to these API servers in turn (each its own connection pool). */
  clients: ApiServerClient[];
  rps: number;
  durationMs: number;
  shot: (i: number) => Shot;
  timeoutSeconds?: number;
  /** Called once, `atMs` after the start (a fault, a kill, a signal). */
  event?: { atMs: number; run: () => unknown };
  /** Stop sending when this returns true (the API server dropped the endpoint). */
  stopSending?: () => boolean;
}

const denialCode = (o: Outcome): string | undefined =>
  o.kind === 'denied' ? /\[([A-Z_]+)\]$/.exec(o.response?.status?.message ?? '')?.[1] : o.code;

/** Sends `shot(k)` for k = 0.. at `rps` for `durationMs`; resolves with every record. */
export async function runAtRate(o: RateOptions): Promise<ShotRecord[]> {
  const start = performance.now();
  const pending: Promise<ShotRecord>[] = [];
  const total = Math.round((o.durationMs / 1000) * o.rps);
  let fired = o.event === undefined;
  const send = (k: number): Promise<ShotRecord> => {
    const shot = o.shot(k);
    const sentAt = performance.now() - start;
    const client = o.clients[k % o.clients.length]!;
    const call = o.timeoutSeconds === undefined ? {} : { timeoutSeconds: o.timeoutSeconds };
    return client.review(podReview({ images: [shot.image] }), call).then((out) => ({
      ...shot,
      kind: out.kind,
      latencyMs: out.latencyMs,
      sentAt,
      code: denialCode(out),
      message: out.response?.status?.message ?? out.error,
    }));
  };
  for (let k = 0; k < total && !(o.stopSending?.() ?? false);) {
    const now = performance.now() - start;
    if (!fired && now >= o.event!.atMs) {
      fired = true;
      await o.event!.run();
    }
    for (; k < total && (k * 1000) / o.rps <= now; k++) pending.push(send(k));
    await sleep(Math.max(1, Math.min(5, (k * 1000) / o.rps - now)));
  }
  return Promise.all(pending);
}

export interface Counts {
  admitted: number;
  denied: number;
  failed: number;
}

export interface Summary extends Counts {
  total: number;
  byTruth: Record<Truth, Counts>;
  /** Admitted reviews of images that are not signed by the trusted key: must be 0. */
  unverifiedAdmitted: number;
  /** Denial and failure codes with their counts. */
  codes: Record<string, number>;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
}

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const zero = (): Counts => ({ admitted: 0, denied: 0, failed: 0 });
const bucket = (kind: OutcomeKind): keyof Counts =>
  kind === 'admitted' ? 'admitted' : kind === 'denied' ? 'denied' : 'failed';

export function summarize(records: ShotRecord[]): Summary {
  const s: Summary = {
    total: records.length,
    ...zero(),
    byTruth: { signed: zero(), stranger: zero(), unsigned: zero() },
    unverifiedAdmitted: 0,
    codes: {},
    latencyMs: { p50: NaN, p95: NaN, p99: NaN, max: NaN },
  };
  for (const r of records) {
    const b = bucket(r.kind);
    s[b]++;
    s.byTruth[r.truth][b]++;
    if (r.kind === 'admitted' && r.truth !== 'signed') s.unverifiedAdmitted++;
    if (r.kind !== 'admitted') {
      const code = r.code ?? r.kind;
      s.codes[code] = (s.codes[code] ?? 0) + 1;
    }
  }
  const sorted = records.map((r) => r.latencyMs).sort((a, b) => a - b);
  s.latencyMs = {
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? NaN,
  };
  return s;
}

/** A one-line JSON figure for the log (what docs/reliability.md quotes). */
export function report(id: string, figures: unknown): void {
  process.stdout.write(`[reliability] ${id} ${JSON.stringify(figures)}\n`);
}
