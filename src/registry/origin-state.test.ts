import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { OriginStates, REFERRERS_VERDICT_TTL_MS, referrersVerdicts } from './origin-state.js';

const clock = () => {
  const c = { t: 1_000_000, now: () => c.t };
  return c;
};

const origins = (n: number) => Array.from({ length: n }, (_, i) => `https://r${i}.example`);

describe('OriginStates', () => {
  describe('when more origins are used than the cap', () => {
    it('returns at most the cap, forgetting the least recently used first', () => {
      const c = clock();
      const states = new OriginStates({ maxOrigins: 3, now: c.now });
      const [a, b, d, e] = origins(4) as [string, string, string, string];
      states.get(a).challenge = { scheme: 'basic', params: {} };
      states.get(b);
      states.get(d);
      states.find(a); // a is now the most recently used: b goes first
      states.get(e);
      expect(states.size).toBe(3);
      expect(states.find(b)).toBeUndefined();
      expect(states.find(a)?.challenge).toEqual({ scheme: 'basic', params: {} });
      for (const o of origins(100)) states.get(o);
      expect(states.size).toBe(3);
    });
  });

  describe('when an origin has been idle longer than idleMs', () => {
    it('returns undefined for it and a fresh state from get', () => {
      const c = clock();
      const states = new OriginStates({ idleMs: 60_000, now: c.now });
      const [a, b] = origins(2) as [string, string];
      states.get(a).holdUntil = c.t + 10 * 60_000;
      states.get(b);
      c.t += 30_000;
      states.find(b); // used within its idle time: kept
      c.t += 30_000;
      expect(states.find(a)).toBeUndefined();
      expect(states.size).toBe(1);
      expect(states.get(a).holdUntil).toBe(0);
      expect(states.find(b)).toBeDefined();
    });
  });

  describe('when an origin with a pool is forgotten', () => {
    let server: Server | undefined;
    afterEach(
      () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
    );

    it('closes the pool and lets the request under way on it complete', async () => {
      let release!: () => void;
      let arrive!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      server = createServer((_req, res) => {
        arrive();
        void held.then(() => res.end('done'));
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const states = new OriginStates({ maxOrigins: 1, now: Date.now });
      const pool = new Pool(origin);
      states.get(origin).pools.set('allowed', pool);
      const answer = pool.request({ path: '/', method: 'GET' });
      await arrived;
      states.get('https://other.example'); // over the cap: the origin is forgotten
      expect(states.find(origin)).toBeUndefined();
      expect(pool.closed).toBe(true);
      release();
      const res = await answer;
      expect(await res.body.text()).toBe('done');
      await expect(pool.request({ path: '/', method: 'GET' })).rejects.toThrow(/closed/i);
    });
  });
});

describe('referrersVerdicts', () => {
  describe('when a registry was found without the referrers API', () => {
    it('returns true until the verdict expires, then false (probe again)', () => {
      const c = clock();
      const states = new OriginStates({ now: c.now });
      const verdicts = referrersVerdicts(states, (r) => `https://${r}`);
      expect(verdicts.has('old.example')).toBe(false);
      verdicts.add('old.example');
      c.t += REFERRERS_VERDICT_TTL_MS - 1;
      expect(verdicts.has('old.example')).toBe(true);
      verdicts.add('old.example'); // believed still: not extended
      c.t += 1;
      expect(verdicts.has('old.example')).toBe(false);
    });
  });

  describe('when the origin is forgotten', () => {
    it('returns false (the API is probed again)', () => {
      const c = clock();
      const states = new OriginStates({ maxOrigins: 1, now: c.now });
      const verdicts = referrersVerdicts(states, (r) => `https://${r}`);
      verdicts.add('old.example');
      states.get('https://other.example');
      expect(verdicts.has('old.example')).toBe(false);
    });
  });
});

describe('referrersVerdicts.of and claim', () => {
  describe('when the registry was found without the API and the verdict expired', () => {
    it('returns unknown, none, then expired; one call at a time may claim the probe', () => {
      const c = clock();
      const states = new OriginStates({ now: c.now });
      const verdicts = referrersVerdicts(states, (r) => `https://${r}`);
      expect(verdicts.of('old.example')).toBe('unknown');
      verdicts.add('old.example');
      expect(verdicts.of('old.example')).toBe('none');
      c.t += REFERRERS_VERDICT_TTL_MS;
      expect(verdicts.of('old.example')).toBe('expired');
      expect(verdicts.claim('old.example')).toBe(true);
      expect(verdicts.claim('old.example')).toBe(false);
      verdicts.release('old.example');
      expect(verdicts.claim('old.example')).toBe(true);
    });
  });

  describe('when a probe finds the API', () => {
    it('returns unknown: the API alone from then on', () => {
      const c = clock();
      const states = new OriginStates({ now: c.now });
      const verdicts = referrersVerdicts(states, (r) => `https://${r}`);
      verdicts.add('r.example');
      c.t += REFERRERS_VERDICT_TTL_MS;
      verdicts.sawApi('r.example');
      expect(verdicts.of('r.example')).toBe('unknown');
    });
  });
});
