import { describe, expect, it } from 'vitest';
import { HostBreakers, type BreakerState } from './breaker.js';
import { RegistryError } from './errors.js';

const HOST = 'registry.example:5000';

function breakers(options: { failureThreshold?: number; maxHosts?: number } = {}) {
  let now = 1_000_000;
  const changes: [string, BreakerState][] = [];
  const b = new HostBreakers({
    failureThreshold: options.failureThreshold ?? 3,
    coolDownMs: 10_000,
    ...(options.maxHosts !== undefined && { maxHosts: options.maxHosts }),
    now: () => now,
    onStateChange: (host, state) => changes.push([host, state]),
  });
  const fail = (host = HOST, status = 503, retryAfterMs?: number) =>
    b.admit(host).done('failure', { status, ...(retryAfterMs !== undefined && { retryAfterMs }) });
  return { b, changes, fail, advance: (ms: number) => void (now += ms) };
}

/** The error `admit` throws, or undefined when it lets the call through. */
function refusal(b: HostBreakers, host = HOST): RegistryError | undefined {
  try {
    b.admit(host);
    return undefined;
  } catch (err) {
    return err as RegistryError;
  }
}

describe('HostBreakers', () => {
  describe('when failures are fewer than the threshold or not consecutive', () => {
    it('returns permits and stays closed', () => {
      const { b, changes, fail } = breakers();
      fail();
      fail();
      b.admit(HOST).done('success');
      fail();
      fail();
      expect(b.state(HOST)).toBe('closed');
      expect(refusal(b)).toBeUndefined();
      expect(changes).toEqual([]);
    });
  });

  describe('when a host fails the threshold times in a row', () => {
    it('throws NETWORK without a call until the cool-down ends', () => {
      const { b, changes, fail, advance } = breakers();
      fail();
      fail();
      fail(HOST, 502);
      expect(b.state(HOST)).toBe('open');
      expect(changes).toEqual([[HOST, 'open']]);
      const err = refusal(b);
      expect(err).toBeInstanceOf(RegistryError);
      expect(err).toMatchObject({ code: 'NETWORK', status: undefined });
      expect(err?.message).toBe(
        `registry unavailable: ${HOST} failed 3 calls in a row; not calling it for 10 s more (circuit open)`,
      );
      advance(9_999);
      expect(refusal(b)?.code).toBe('NETWORK');
      expect(b.state('other.example')).toBe('closed');
      expect(refusal(b, 'other.example')).toBeUndefined();
    });

    it('throws RATE_LIMITED with status 429 when the last failure was a 429', () => {
      const { b, fail } = breakers();
      fail(HOST, 429);
      fail(HOST, 429);
      fail(HOST, 429);
      expect(refusal(b)).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
      expect(refusal(b)?.message).toBe(
        `${HOST} is rate limiting: ${HOST} failed 3 calls in a row; not calling it for 10 s more (circuit open)`,
      );
    });

    it('stays open as long as a longer Retry-After asked, capped at 5 minutes', () => {
      const { b, fail, advance } = breakers();
      fail(HOST, 429);
      fail(HOST, 429);
      fail(HOST, 429, 30_000);
      advance(29_999);
      expect(b.state(HOST)).toBe('open');
      advance(1);
      expect(b.state(HOST)).toBe('half-open');
      const capped = breakers();
      for (let i = 0; i < 3; i++) capped.fail(HOST, 429, 3_600_000);
      capped.advance(300_000);
      expect(capped.b.state(HOST)).toBe('half-open');
    });
  });

  describe('when the cool-down has ended (half-open)', () => {
    it('returns one probe permit, throws for others meanwhile, and closes on its success', () => {
      const { b, changes, fail, advance } = breakers();
      for (let i = 0; i < 3; i++) fail();
      advance(10_000);
      const probe = b.admit(HOST);
      expect(b.state(HOST)).toBe('half-open');
      expect(refusal(b)?.message).toBe(
        `registry unavailable: ${HOST} failed 3 calls in a row; not calling it until the probe under way succeeds (circuit open)`,
      );
      probe.done('success');
      expect(b.state(HOST)).toBe('closed');
      expect(refusal(b)).toBeUndefined();
      expect(changes).toEqual([
        [HOST, 'open'],
        [HOST, 'half-open'],
        [HOST, 'closed'],
      ]);
    });

    it('opens again for a whole cool-down when the probe fails', () => {
      const { b, changes, fail, advance } = breakers();
      for (let i = 0; i < 3; i++) fail();
      advance(10_000);
      b.admit(HOST).done('failure', { status: 503 });
      expect(b.state(HOST)).toBe('open');
      advance(9_999);
      expect(refusal(b)?.message).toBe(
        `registry unavailable: ${HOST} failed 4 calls in a row; not calling it for 1 s more (circuit open)`,
      );
      advance(1);
      expect(refusal(b)).toBeUndefined();
      expect(changes.map(([, s]) => s)).toEqual(['open', 'half-open', 'open', 'half-open']);
    });

    it('lets the next call probe when the probe ends neutral (aborted, never sent)', () => {
      const { b, fail, advance } = breakers();
      for (let i = 0; i < 3; i++) fail();
      advance(10_000);
      b.admit(HOST).done('neutral');
      expect(b.state(HOST)).toBe('half-open');
      expect(refusal(b)).toBeUndefined();
    });
  });

  describe('when a permit reports twice', () => {
    it('returns after counting the first report only', () => {
      const { b } = breakers({ failureThreshold: 2 });
      const permit = b.admit(HOST);
      permit.done('failure', { status: 503 });
      permit.done('failure', { status: 503 });
      expect(b.state(HOST)).toBe('closed');
    });
  });

  describe('when more hosts fail than it remembers', () => {
    it('forgets the oldest closed host first and keeps open circuits', () => {
      const { b, fail } = breakers({ failureThreshold: 2, maxHosts: 2 });
      fail('a');
      fail('a'); // open
      fail('b'); // closed, one failure
      fail('c'); // evicts b, not the open a
      fail('b'); // b again from zero: evicts c
      expect(b.state('a')).toBe('open');
      expect(b.state('b')).toBe('closed');
      fail('b');
      expect(b.state('b')).toBe('open');
    });
  });
});
