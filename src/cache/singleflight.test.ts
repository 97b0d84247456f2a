import { describe, expect, it } from 'vitest';
import { Flight, Singleflight } from './singleflight.js';

/** A run the test settles by hand. */
function manual<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const signals: AbortSignal[] = [];
  const run = (signal: AbortSignal) => {
    signals.push(signal);
    return new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
  };
  return { run, signals, resolve: (v: T) => resolve(v), reject: (e: Error) => reject(e) };
}

describe('Flight', () => {
  describe('when a caller has no signal', () => {
    it('keeps the computation alive after every other caller aborted', async () => {
      const { run, signals, resolve } = manual<number>();
      const flight = new Flight(run);
      const staying = flight.join();
      const leaving = new AbortController();
      const left = flight.join(leaving.signal);
      leaving.abort(new Error('gone'));
      await expect(left).rejects.toThrow('gone');
      expect(signals[0]!.aborted).toBe(false);
      resolve(7);
      await expect(staying).resolves.toBe(7);
    });
  });

  describe('when it was abandoned', () => {
    it('rejects a later join with the abandoning reason', async () => {
      const { run, reject } = manual<number>();
      let abandoned = 0;
      const flight = new Flight(run, () => (abandoned += 1));
      const caller = new AbortController();
      const joined = flight.join(caller.signal);
      const reason = new Error('deadline');
      caller.abort(reason);
      await expect(joined).rejects.toBe(reason);
      expect(abandoned).toBe(1);
      expect(flight.abandoned).toBe(true);
      await expect(flight.join()).rejects.toBe(reason);
      reject(reason); // settles with nobody waiting: must not be an unhandled rejection
      await expect(flight.settled).rejects.toBe(reason);
    });
  });
});

describe('Singleflight', () => {
  describe('when a key has a running flight', () => {
    it('joins it, and starts a new one once it settled', async () => {
      const flights = new Singleflight<number>();
      const first = manual<number>();
      const a = flights.do('k', first.run);
      const b = flights.do('k', first.run);
      expect([a.joined, b.joined, flights.size]).toEqual([false, true, 1]);
      first.resolve(1);
      await expect(Promise.all([a.result, b.result])).resolves.toEqual([1, 1]);
      const second = manual<number>();
      const c = flights.do('k', second.run);
      expect(c.joined).toBe(false);
      second.reject(new Error('x'));
      await expect(c.result).rejects.toThrow('x');
      expect(flights.size).toBe(0);
    });
  });

  describe('when every caller of a flight aborted', () => {
    it('starts a new flight for the next caller and keeps it when the old one settles', async () => {
      const flights = new Singleflight<number>();
      const old = manual<number>();
      const caller = new AbortController();
      const a = flights.do('k', old.run, caller.signal);
      caller.abort(new Error('gone'));
      await expect(a.result).rejects.toThrow('gone');
      const fresh = manual<number>();
      const b = flights.do('k', fresh.run);
      expect(b.joined).toBe(false);
      old.resolve(1);
      await new Promise((done) => setImmediate(done));
      expect(flights.do('k', fresh.run).joined).toBe(true);
      fresh.resolve(2);
      await expect(b.result).resolves.toBe(2);
    });
  });
});
