import { describe, expect, it } from 'vitest';
import { canonicalBytes, parseJson } from './canonical-json.js';
import { TufError } from './errors.js';

/** The code of the TufError `fn` throws (undefined when it throws nothing). */
function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof TufError) return error.code;
    throw error;
  }
  return undefined;
}

const parse = (text: string | Buffer, depth = 32): unknown =>
  parseJson(typeof text === 'string' ? Buffer.from(text) : text, depth, 'doc');

describe('canonicalBytes', () => {
  describe('when given what docker/go canonical/json encodes', () => {
    it('returns keys sorted by their UTF-8 bytes, without whitespace', () => {
      // U+E000 sorts after U+10000 in UTF-16 code units (0xE000 > 0xD800) but before it in UTF-8.
      const doc = { b: 1, a: [true, null, 'x'], '\u{10000}': 1, '\ue000': 2 };
      expect(canonicalBytes(doc).toString()).toBe(
        '{"a":[true,null,"x"],"b":1,"\ue000":2,"\u{10000}":1}',
      );
    });

    it('returns strings with only " and \\ escaped, control characters raw', () => {
      expect(canonicalBytes({ s: 'a"b\\c\n\t<>&é' }).toString()).toBe('{"s":"a\\"b\\\\c\n\t<>&é"}');
    });

    it('returns integral numbers as integers (1.0 and 1e3 included)', () => {
      expect(canonicalBytes(parse('{"a":1.0,"b":1e3,"c":-0}') as never).toString()).toBe(
        '{"a":1,"b":1000,"c":0}',
      );
    });
  });

  describe('when a number has no canonical form', () => {
    it.each(['1.5', '1e400', '9007199254740993'])('throws METADATA_MALFORMED for %s', (n) => {
      expect(codeOf(() => canonicalBytes(parse(`{"a":${n}}`) as never))).toBe('METADATA_MALFORMED');
    });
  });
});

describe('parseJson', () => {
  describe('when the bytes are not strict UTF-8 JSON', () => {
    it.each([
      ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
      ['a BOM', Buffer.from('\ufeff{}')],
      ['not JSON', Buffer.from('{"a":')],
    ])('throws METADATA_MALFORMED for %s', (_, bytes) => {
      expect(codeOf(() => parse(bytes))).toBe('METADATA_MALFORMED');
    });
  });

  describe('when the document nests deeper than the bound', () => {
    it('throws TOO_LARGE without recursing', () => {
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      expect(codeOf(() => parse(deep, 32))).toBe('TOO_LARGE');
    });
  });
});
