// T-17 and T-18 (reliability.md §5 C) through the real service: a 429 storm and a dead registry
// open the host's circuit (src/registry/breaker.ts) so the registry sees 0 calls during the
// cool-down, then one half-open probe; a flapping registry gets at most one in-budget retry per
// idempotent GET (src/registry/retry.ts). The registry is a real olareg with notation-signed
// images behind a fault-injecting proxy; the service clock is skewed to pass cool-downs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome } from '../support/api-server.js';
import { podReview } from '../support/reviews.js';
import { startTestService, type TestService } from '../support/service.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { report, runAtRate, summarize, type Shot } from './support/load.js';
import { POLICY, startWorld, type ReliabilityWorld, type WorldImage } from './support/world.js';

/** BREAKER_DEFAULTS of src/registry/breaker.ts, which `serve` uses. */
const THRESHOLD = 10;
const COOL_DOWN_MS = 10_000;
const FIELD = 'spec.containers[0].image';

let world: ReliabilityWorld;
let proxy: FaultProxy;
let ts: TestService;
let skew = 0;

beforeAll(async () => {
  world = await startWorld({ signed: 120, strangers: 10, unsigned: 20, prefix: 'breaker' });
  proxy = await startFaultProxy(world.registry.url, { seed: 17 });
  ts = await startTestService({
    trustPolicy: world.trustPolicy,
    trustStores: world.trustStores,
    flags: ['--insecure-registry', proxy.host],
    overrides: { now: () => Date.now() + skew },
  });
});
afterAll(async () => {
  await ts?.close();
  await Promise.allSettled([proxy?.stop(), world?.stop()]);
});

/** Signed images nobody has reviewed yet, in order. */
let nextSigned = 0;
const fresh = (): WorldImage => world.signed[nextSigned++]!;

const review = (image: WorldImage, timeoutSeconds = 5): Promise<Outcome> =>
  ts.client().review(podReview({ images: [world.via(proxy.host, image)] }), { timeoutSeconds });

const message = (o: Outcome): string => o.response?.status?.message ?? o.error ?? o.kind;

const clause = (image: WorldImage, reason: string, code: string): string =>
  `${FIELD} "${world.via(proxy.host, image)}" (${image.digest.slice(0, 19)}…): ` +
  `could not verify under policy "${POLICY}" — ${reason} [${code}]`;

describe('T-17 a 429 storm and a dead registry (service)', () => {
  it('T-17 answers a 429 with Retry-After: 30 at once, then makes 0 calls while it lasts', async () => {
    await proxy.fault({ kind: 'status', status: 429, headers: { 'retry-after': '30' } });
    const before = proxy.requests.length;
    const first = await review(fresh());
    expect(first.kind, message(first)).toBe('denied');
    // No sleep towards a 30 s Retry-After: the 5 s review is answered in well under a second.
    expect(first.latencyMs).toBeLessThan(1_000);
    expect(message(first)).toMatch(/is rate limiting .* \[RATE_LIMITED\]$/);
    const held = await Promise.all(Array.from({ length: 10 }, () => review(fresh())));
    for (const o of held) {
      expect(o.kind).toBe('denied');
      expect(message(o)).toContain(
        `${proxy.host} asked for a pause (Retry-After) that has not ended; not calling it [RATE_LIMITED]`,
      );
    }
    expect(proxy.requests.length - before).toBe(1);
    // Once the pause is over, the healthy registry is called again (and the count starts afresh).
    skew += 31_000;
    await proxy.fault({ kind: 'pass' });
    const after = await review(fresh());
    expect(after.kind, message(after)).toBe('admitted');
    report('T-17 retry-after', { firstMs: Math.round(first.latencyMs), callsFor11Reviews: 1 });
  });

  it(`T-17 opens the circuit after ${THRESHOLD} failed calls; 0 calls during the cool-down`, async () => {
    await proxy.fault({ kind: 'status', status: 503 });
    const before = proxy.requests.length;
    const tripping: Outcome[] = [];
    for (let i = 0; i < THRESHOLD; i++) tripping.push(await review(fresh()));
    for (const o of tripping) expect(message(o)).toMatch(/answered 503 .* \[NETWORK\]$/);
    // Each failed call is one GET and its one retry.
    expect(proxy.requests.length - before).toBe(2 * THRESHOLD);

    const opened = proxy.requests.length;
    const refused = await Promise.all(
      Array.from({ length: 20 }, () => fresh()).map((i) => review(i)),
    );
    await proxy.fault({ kind: 'pass' }); // healthy again, but the cool-down is not over
    refused.push(await review(fresh()));
    const reason =
      `registry unavailable: ${proxy.host} failed ${THRESHOLD} calls in a row; ` +
      `not calling it for SECONDS s more (circuit open)`;
    for (const o of refused) {
      expect(o.kind).toBe('denied');
      expect(message(o)).toMatch(/\(circuit open\) \[NETWORK\]$/);
      expect(o.latencyMs).toBeLessThan(1_000);
    }
    const last = world.signed[nextSigned - 1]!;
    // SECONDS: what is left of the 10 s cool-down, 10 or 9 on a slow machine.
    const [head, tail] = clause(last, reason, 'NETWORK').split('SECONDS') as [string, string];
    expect(message(refused.at(-1)!)).toMatch(/ (10|9) s more/);
    expect(message(refused.at(-1)!).startsWith(head)).toBe(true);
    expect(message(refused.at(-1)!).endsWith(tail)).toBe(true);
    expect(proxy.requests.length - opened).toBe(0);
    report('T-17 breaker', {
      callsToOpen: 2 * THRESHOLD,
      refusedReviews: refused.length,
      callsDuringCoolDown: 0,
      refusedMaxMs: Math.round(Math.max(...refused.map((o) => o.latencyMs))),
    });
  });

  it('T-17 lets one half-open probe through after the cool-down; its success closes the circuit', async () => {
    skew += COOL_DOWN_MS;
    proxy.latency(300); // keeps the probe under way while the others arrive
    const before = proxy.requests.length;
    const images = Array.from({ length: 5 }, fresh);
    const outcomes = await Promise.all(images.map((i) => review(i)));
    proxy.latency(0);
    const kinds = outcomes.map((o) => o.kind).sort();
    expect(kinds).toEqual(['admitted', 'denied', 'denied', 'denied', 'denied']);
    for (const o of outcomes.filter((x) => x.kind === 'denied'))
      expect(message(o)).toContain('not calling it until the probe under way succeeds');
    // The probe (referrers), then the rest of that one verification: manifest and envelope.
    expect(proxy.requests.length - before).toBe(3);
    const after = await review(fresh());
    expect(after.kind, message(after)).toBe('admitted');
  });

  it('T-17 opens again for a whole cool-down when the probe fails', async () => {
    await proxy.fault({ kind: 'status', status: 503 });
    for (let i = 0; i < THRESHOLD; i++) await review(fresh());
    skew += COOL_DOWN_MS;
    const before = proxy.requests.length;
    const probe = await review(fresh());
    expect(message(probe)).toMatch(/answered 503 .* \[NETWORK\]$/);
    expect(proxy.requests.length - before).toBe(2); // the probe and its one retry
    const refused = await review(fresh());
    expect(message(refused)).toMatch(
      /not calling it for (10|9) s more \(circuit open\) \[NETWORK\]$/,
    );
    expect(proxy.requests.length - before).toBe(2);
    await proxy.fault({ kind: 'pass' });
    skew += COOL_DOWN_MS;
    expect((await review(fresh())).kind).toBe('admitted');
  });
});

describe('T-17 a Retry-After that fits the verification budget but not the review (service)', () => {
  it('T-17 answers by the review deadline, denied [TIMEOUT], never sleeping past it', async () => {
    const own = await startFaultProxy(world.registry.url);
    const svc = await startTestService({
      trustPolicy: world.trustPolicy,
      trustStores: world.trustStores,
      flags: ['--insecure-registry', own.host],
    });
    try {
      await own.fault({ kind: 'status', status: 429, headers: { 'retry-after': '4' } });
      const image = world.via(own.host, world.signed.at(-1)!);
      const o = await svc.client().review(podReview({ images: [image] }), { timeoutSeconds: 2 });
      expect(o.kind, message(o)).toBe('denied');
      expect(message(o)).toMatch(/registry timeout: .* \[TIMEOUT\]$/);
      expect(o.latencyMs).toBeLessThan(2_000);
      report('T-17 retry-after within budget', { answeredMs: Math.round(o.latencyMs) });
    } finally {
      await svc.close();
      await own.stop();
    }
  });
});

describe('T-18 a registry failing half of its GETs (service)', () => {
  it('T-18 retries each failed GET at most once, within budget; p99 under the timeout; nothing unverified admitted', async () => {
    const flaky = await startFaultProxy(world.registry.url, { seed: 18 });
    const svc = await startTestService({
      trustPolicy: world.trustPolicy,
      trustStores: world.trustStores,
      flags: ['--insecure-registry', flaky.host],
    });
    try {
      await flaky.fault({ kind: 'status', status: 503, rate: 0.5 });
      // Interleaved, so every kind of image meets every phase of the run.
      const rest = [world.signed.slice(nextSigned), world.strangers, world.unsigned];
      const pool = Array.from({ length: Math.max(...rest.map((r) => r.length)) }, (_, i) =>
        rest.flatMap((r) => (i < r.length ? [r[i]!] : [])),
      ).flat();
      const shots: Shot[] = pool.map((i) => ({ image: world.via(flaky.host, i), truth: i.truth }));
      const records = await runAtRate({
        clients: [svc.client(), svc.client()],
        rps: 20,
        durationMs: (shots.length / 20) * 1000,
        shot: (k) => shots[k]!,
        timeoutSeconds: 10,
      });
      const s = summarize(records);
      expect(s.failed).toBe(0);
      expect(s.unverifiedAdmitted).toBe(0);
      expect(s.latencyMs.p99).toBeLessThan(10_000);
      expect(s.byTruth.signed.admitted).toBeGreaterThan(0);

      // Per path: [200], [503, 200] or [503, 503]; never a third request, never a retry of a 200.
      const byPath = new Map<string, number[]>();
      for (const r of flaky.requests) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r.status]);
      const shapes = new Set([...byPath.values()].map((v) => v.join(',')));
      for (const shape of shapes) expect(['200', '503,200', '503,503']).toContain(shape);
      const sequences = [...byPath.values()];
      const retried = sequences.filter((v) => v.length === 2).length;
      const rescued = sequences.filter((v) => v.join(',') === '503,200').length;
      expect(retried).toBeGreaterThan(0);
      expect(rescued).toBeGreaterThan(0);
      // A signed image is admitted exactly when its referrers, manifest and envelope all came back.
      for (const r of records.filter((x) => x.truth === 'signed')) {
        const digest = r.image.slice(r.image.indexOf('@') + 1);
        const referrers = [...byPath.entries()].find(([p]) => p.endsWith(`/referrers/${digest}`));
        if (r.kind === 'admitted') expect(referrers?.[1].at(-1)).toBe(200);
        else expect(r.code).toBe('NETWORK');
      }
      const circuitOpen = records.filter((r) => r.message?.includes('(circuit open)')).length;
      report('T-18 flapping 50%', {
        reviews: s.total,
        signedAdmitted: `${s.byTruth.signed.admitted}/${s.byTruth.signed.admitted + s.byTruth.signed.denied}`,
        successRate: +(
          s.byTruth.signed.admitted /
          (s.byTruth.signed.admitted + s.byTruth.signed.denied)
        ).toFixed(3),
        requests: flaky.requests.length,
        paths: byPath.size,
        retried,
        rescuedByRetry: rescued,
        deniedByOpenCircuit: circuitOpen,
        latencyMs: s.latencyMs,
        codes: s.codes,
        byTruth: s.byTruth,
      });
    } finally {
      await svc.close();
      await flaky.stop();
    }
  });
});
