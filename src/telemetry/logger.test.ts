import { Writable } from 'node:stream';
import { stdTimeFunctions } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, isoTime, REDACTED, scrub, serializeError } from './logger.js';

/** A destination that keeps every line pino writes. */
function capture(): {
  stream: Writable;
  lines: () => Record<string, unknown>[];
  text: () => string;
} {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done): void {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const text = (): string => chunks.join('');
  const lines = (): Record<string, unknown>[] =>
    text()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines, text };
}

class CodedError extends Error {
  override readonly name = 'VerificationError';
  readonly code = 'CERT_REVOKED';
  readonly stage = 'revocation';
  /** Something an error may carry that must never reach a log line. */
  readonly request = { headers: { authorization: 'Bearer leaked-in-error' } };
}

describe('createLogger', () => {
  describe('when a line carries credentials at various depths', () => {
    it('replaces every one with [REDACTED] and keeps the rest', () => {
      const out = capture();
      const log = createLogger({ level: 'info', destination: out.stream });
      log.info(
        {
          req: { headers: { authorization: 'Bearer s3cr3t-1', cookie: 'sid=s3cr3t-2', host: 'a' } },
          upstream: { request: { headers: { Authorization: 'Basic s3cr3t-3' } } },
          password: 's3cr3t-4',
          registry: { credentials: { username: 'u', password: 's3cr3t-5' }, token: 's3cr3t-6' },
          config: { auths: { 'ghcr.io': { auth: 's3cr3t-7' } } },
          secret: { data: { '.dockerconfigjson': 's3cr3t-8' } },
          tls: { key: 's3cr3t-9', cert: 'PUBLIC-CERT' },
          signer: { privateKey: 's3cr3t-10' },
          list: [{ token: 's3cr3t-11' }],
          res: { headers: { 'set-cookie': 's3cr3t-12' } },
        },
        'request done',
      );
      expect(out.text()).not.toMatch(/s3cr3t/);
      const [line] = out.lines();
      expect(line?.['req']).toEqual({
        headers: { authorization: REDACTED, cookie: REDACTED, host: 'a' },
      });
      expect(line?.['config']).toEqual({ auths: { 'ghcr.io': { auth: REDACTED } } });
      expect(line?.['tls']).toEqual({ key: REDACTED, cert: 'PUBLIC-CERT' });
      expect(line?.['registry']).toEqual({ credentials: REDACTED, token: REDACTED });
      expect(line?.['msg']).toBe('request done');
    });
  });

  describe('when a child logger is used', () => {
    it('redacts its bindings and arguments as well', () => {
      const out = capture();
      const log = createLogger({ level: 'info', destination: out.stream });
      const child = log.child({ uid: 'u-1', token: 'child-s3cr3t', pull: { auth: 'pull-s3cr3t' } });
      child.info({ auth: 'arg-s3cr3t', deep: { x: { y: { password: 'deep-s3cr3t' } } } }, 'x');
      expect(out.text()).not.toMatch(/s3cr3t/);
      expect(out.lines()[0]).toMatchObject({
        uid: 'u-1',
        token: REDACTED,
        pull: { auth: REDACTED },
        auth: REDACTED,
        deep: { x: { y: { password: REDACTED } } },
      });
    });
  });

  describe('when an error is logged at info', () => {
    it('keeps name, message, code and stage and drops the stack and other fields', () => {
      const out = capture();
      const log = createLogger({ level: 'info', destination: out.stream });
      log.error({ err: new CodedError('certificate CN=leaf is revoked') }, 'verification failed');
      const [line] = out.lines();
      expect(line?.['err']).toEqual({
        name: 'VerificationError',
        message: 'certificate CN=leaf is revoked',
        code: 'CERT_REVOKED',
        stage: 'revocation',
      });
      expect(out.text()).not.toMatch(/leaked-in-error|at .*logger\.test/);
      expect(line?.['level']).toBe('error');
    });
  });

  describe('when an error is logged at debug', () => {
    it('adds the stack and the cause chain', () => {
      const out = capture();
      const log = createLogger({ level: 'debug', destination: out.stream });
      const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      log.error(new Error('registry unavailable', { cause }));
      const err = out.lines()[0]?.['err'] as Record<string, unknown>;
      expect(err['stack']).toMatch(/^Error: registry unavailable\n\s+at /);
      expect(err['cause']).toMatchObject({ message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' });
    });
  });

  describe('when it writes to standard output', () => {
    it('opens the shared batched stream (sonic-boom refuses a batch above its largest write)', () => {
      expect(() => createLogger({ level: 'silent' })).not.toThrow();
    });
  });

  describe('when the level is silent', () => {
    it('writes nothing', () => {
      const out = capture();
      const log = createLogger({ level: 'silent', destination: out.stream });
      log.error('boom');
      log.info({ a: 1 }, 'x');
      expect(out.text()).toBe('');
      expect(log.level).toBe('silent');
    });
  });

  describe('when base fields are given', () => {
    it('writes them on every line with an ISO time and the level name', () => {
      const out = capture();
      const log = createLogger({ level: 'info', destination: out.stream, base: { service: 'na' } });
      log.info('up');
      log.debug('hidden');
      const lines = out.lines();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ service: 'na', level: 'info', msg: 'up', pid: process.pid });
      expect(lines[0]?.['time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });
  });
});

describe('scrub', () => {
  describe('when secrets sit deeper than any wildcard path reaches', () => {
    it('censors them at any depth, in any letter case, and leaves the input unchanged', () => {
      const input = { a: { b: { c: { d: { e: { headers: { AUTHORIZATION: 'deep' } } } } } } };
      const out = scrub(input, false);
      expect(out).toEqual({
        a: { b: { c: { d: { e: { headers: { AUTHORIZATION: REDACTED } } } } } },
      });
      expect(input.a.b.c.d.e.headers.AUTHORIZATION).toBe('deep');
    });
  });

  describe('when nothing needs censoring', () => {
    it('returns the same object', () => {
      const input = { uid: 'u', list: [1, { image: 'x' }], at: new Date(0) };
      expect(scrub(input, false)).toBe(input);
    });
  });

  describe('when an Error sits inside an object', () => {
    it('serializes it without the stack or its other fields', () => {
      const out = scrub({ outcome: { error: new CodedError('revoked') } }, false);
      expect(out).toEqual({
        outcome: {
          error: {
            name: 'VerificationError',
            message: 'revoked',
            code: 'CERT_REVOKED',
            stage: 'revocation',
          },
        },
      });
    });
  });

  describe('when a secret-named property is inherited, not its own', () => {
    it('walks own properties only, as JSON does: the object is returned as it is', () => {
      const line = Object.create({ password: 'inherited' }) as Record<string, unknown>;
      line['image'] = 'r.io/app';
      line['auth'] = 'own';
      expect(JSON.stringify(scrub(line, false))).toBe(`{"image":"r.io/app","auth":"${REDACTED}"}`);
      const plain = Object.create({ password: 'inherited' }) as Record<string, unknown>;
      plain['image'] = 'r.io/app';
      expect(scrub(plain, false)).toBe(plain);
    });
  });

  describe('when an object refers to itself', () => {
    it('cuts it off at the depth limit', () => {
      const loop: Record<string, unknown> = { name: 'loop' };
      loop['self'] = loop;
      expect(JSON.stringify(scrub(loop, false))).toMatch(/"\[too deep\]"/);
    });
  });
});

describe('isoTime', () => {
  afterEach(() => void vi.useRealTimers());

  it("writes pino's isoTime field, formatted again once the millisecond changes", () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-07T23:59:59.998Z') });
    const first = isoTime();
    expect(first).toBe(stdTimeFunctions.isoTime());
    expect(first).toBe(',"time":"2026-12-07T23:59:59.998Z"');
    expect(isoTime()).toBe(first);
    vi.advanceTimersByTime(1);
    expect(isoTime()).toBe(',"time":"2026-12-07T23:59:59.999Z"');
    vi.advanceTimersByTime(1);
    expect(isoTime()).toBe(',"time":"2026-12-08T00:00:00.000Z"');
    vi.setSystemTime(Date.parse('2026-12-07T23:59:59.998Z'));
    expect(isoTime()).toBe(first);
  });
});

describe('serializeError', () => {
  describe('when causes nest deeply', () => {
    it('stops after three levels', () => {
      let e = new Error('e0');
      for (let i = 1; i <= 5; i++) e = new Error(`e${i}`, { cause: e });
      const text = JSON.stringify(serializeError(e, false));
      expect(text).toContain('"e2"');
      expect(text).not.toContain('"e1"');
    });
  });
});
