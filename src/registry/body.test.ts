import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeBody, readCapped } from './body.js';

const stream = (chunks: Buffer[]) => Readable.from(chunks);

describe('readCapped', () => {
  describe('when the body fits', () => {
    it('returns all bytes', async () => {
      const out = await readCapped(stream([Buffer.from('ab'), Buffer.from('cd')]), 4, {
        truncate: false,
        what: 'x',
      });
      expect(Buffer.from(out).toString()).toBe('abcd');
    });
  });

  describe('when the body passes the cap', () => {
    it('throws TOO_LARGE', async () => {
      await expect(
        readCapped(stream([Buffer.alloc(3), Buffer.alloc(3)]), 4, { truncate: false, what: 'x' }),
      ).rejects.toMatchObject({ code: 'TOO_LARGE' });
    });

    it('returns the first bytes of an error body', async () => {
      const out = await readCapped(stream([Buffer.from('abc'), Buffer.from('def')]), 4, {
        truncate: true,
        what: 'x',
      });
      expect(Buffer.from(out).toString()).toBe('abcd');
    });
  });
});

describe('decodeBody', () => {
  it('returns identity bodies unchanged and decodes gzip', () => {
    expect(decodeBody(undefined, Buffer.from('a'), { cap: 10, what: 'x' })).toEqual(
      Buffer.from('a'),
    );
    expect(
      Buffer.from(decodeBody('gzip', gzipSync('hello'), { cap: 10, what: 'x' })).toString(),
    ).toBe('hello');
  });

  it('T-28 throws TOO_LARGE when decoded bytes pass the cap', () => {
    expect(() =>
      decodeBody('gzip', gzipSync(Buffer.alloc(1024 * 1024)), { cap: 1024, what: 'x' }),
    ).toThrow(/limit/);
  });

  it.each([['compress'], ['gzip, gzip']])('throws PROTOCOL for Content-Encoding %s', (enc) => {
    expect(() => decodeBody(enc, Buffer.from('a'), { cap: 10, what: 'x' })).toThrow(
      /Content-Encoding/,
    );
  });

  it('throws PROTOCOL for a body that does not decode', () => {
    expect(() => decodeBody('gzip', Buffer.from('not gzip'), { cap: 10, what: 'x' })).toThrow(
      /does not decode/,
    );
  });
});
