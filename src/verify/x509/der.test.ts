// The strict DER reader: what it must refuse (the BER that OpenSSL and asn1js accept and Go's
// cryptobyte refuses), and properties over random trees and over mutated real certificates.
// FUZZ_RUNS sets the runs per property.
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeChain } from '../../../test/support/certs.js';
import {
  checkNested,
  children,
  DerError,
  encodingOf,
  oidText,
  readWhole,
  type Tlv,
} from './der.js';
import { readFields } from './fields.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 10_000);
const hex = (text: string): Uint8Array => Buffer.from(text.replace(/\s/g, ''), 'hex');

/** Reads `bytes` as one element checked throughout, as the certificate parse does. */
function strict(bytes: Uint8Array): Tlv {
  const tlv = readWhole(bytes);
  checkNested(bytes, tlv);
  return tlv;
}

/** The minimal definite length octets of DER (X.690 §10.1). */
function lengthOctets(n: number): number[] {
  if (n < 0x80) return [n];
  const octets: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) octets.unshift(v % 256);
  return [0x80 | octets.length, ...octets];
}

/** The element written again in DER from what the reader located: equal bytes, or not DER. */
function canonical(bytes: Uint8Array, tlv: Tlv): Buffer {
  const content =
    (tlv.tag & 0x20) !== 0
      ? Buffer.concat(children(bytes, tlv).map((c) => canonical(bytes, c)))
      : Buffer.from(bytes.subarray(tlv.body, tlv.end));
  return Buffer.concat([Buffer.of(tlv.tag, ...lengthOctets(content.length)), content]);
}

describe('readWhole and checkNested', () => {
  describe('when given strict DER', () => {
    it('returns the element and its children', () => {
      const bytes = hex('30 08 02 01 05 04 03 61 62 63');
      const tlv = strict(bytes);
      expect(tlv).toEqual({ tag: 0x30, start: 0, body: 2, end: 10 });
      expect(children(bytes, tlv).map((c) => c.tag)).toEqual([0x02, 0x04]);
    });

    it('returns a long-form length of 128 and more', () => {
      const bytes = Uint8Array.from([0x04, 0x81, 0x80, ...new Array<number>(128).fill(7)]);
      expect(strict(bytes).body).toBe(3);
    });
  });

  describe('when the bytes are BER but not DER', () => {
    it.each([
      ['an indefinite length', '30 80 02 01 05 00 00'],
      ['a long-form length under 128', '04 81 03 61 62 63'],
      ['a length with a leading zero octet', '04 82 00 03 61 62 63'],
      ['more than four length octets', '04 85 00 00 00 00 03 61 62 63'],
      ['a non-minimal length inside a constructed element', '30 06 04 81 03 61 62 63'],
      ['an indefinite length inside a constructed element', '30 06 30 80 05 00 00 00'],
    ])('throws for %s', (_, text) => {
      expect(() => strict(hex(text))).toThrow(DerError);
    });
  });

  describe('when the element does not fill the bytes exactly', () => {
    it.each([
      ['bytes after the element', '04 01 61 00'],
      ['a length past the end', '04 05 61 62'],
      ['a truncated header', '04'],
      ['a child longer than its parent', '30 03 04 05 61 62 63 64 65'],
      ['a child cut off by its parent', '30 04 04 03 61 62 63'],
      ['no bytes at all', ''],
    ])('throws for %s', (_, text) => {
      expect(() => strict(hex(text))).toThrow(DerError);
    });
  });

  describe('when the tag is outside what certificates use', () => {
    it('throws for the high-tag-number form', () => {
      expect(() => strict(hex('1f 22 01 00'))).toThrow(DerError);
    });

    it('throws for elements nested deeper than 32', () => {
      let bytes = hex('05 00');
      for (let i = 0; i < 40; i++) bytes = Uint8Array.from([0x30, bytes.length, ...bytes]);
      expect(() => strict(bytes)).toThrow('nested too deeply');
    });
  });
});

describe('oidText', () => {
  describe('when given any object identifier asn1js encodes', () => {
    it('returns the dotted text asn1js reads', () => {
      const arcs = fc.tuple(
        fc.constantFrom(0, 1, 2),
        fc.nat(39),
        fc.array(fc.nat({ max: 2 ** 32 }), { maxLength: 8 }),
      );
      fc.assert(
        fc.property(arcs, ([first, second, rest]) => {
          const text = [first, second, ...rest].join('.');
          const der = new Uint8Array(new asn1js.ObjectIdentifier({ value: text }).toBER());
          expect(oidText(der.subarray(2))).toBe(text);
        }),
        { numRuns: Math.max(1_000, RUNS / 10) },
      );
    });
  });

  describe('when the content is not minimal DER', () => {
    it.each([
      ['a sub-identifier padded with 0x80', '2a 80 01'],
      ['a truncated sub-identifier', '2a 86'],
      ['no content', ''],
    ])('throws for %s', (_, text) => {
      expect(() => oidText(hex(text))).toThrow(DerError);
    });
  });
});

describe('readFields', () => {
  let der: Uint8Array;
  beforeAll(async () => {
    der = (await makeChain({ key: 'ec-p256', levels: 2 })).leaf.der;
  });

  describe('when an element carries the wrong tag', () => {
    it.each([
      ['the certificate as a SET', 0],
      ['the serial number as an OCTET STRING', -1],
    ])('throws for %s', (_, which) => {
      const bytes = Uint8Array.from(der);
      const tbs = children(bytes, readWhole(bytes))[0]!;
      const fields = children(bytes, tbs);
      // -1: the serial (after the [0] version); otherwise the outer SEQUENCE.
      const at = which === 0 ? 0 : fields[1]!.start;
      bytes[at] = which === 0 ? 0x31 : 0x04;
      expect(() => readFields(bytes)).toThrow(DerError);
    });

    it.each([
      ['BMPString', 0x1e],
      ['OCTET STRING', 0x04],
      ['SEQUENCE', 0x30],
    ])('throws DerError for a validity time tagged as a %s', (_, tag) => {
      const bytes = Uint8Array.from(der);
      const tbs = children(bytes, readWhole(bytes))[0]!;
      const validity = children(bytes, tbs)[4]!; // [0] version, serial, signature, issuer
      bytes[children(bytes, validity)[0]!.start] = tag;
      expect(() => readFields(bytes)).toThrow(DerError);
    });

    it('returns the fields of the untouched certificate (the control)', () => {
      expect(readFields(der).rawSubject.length).toBeGreaterThan(0);
    });
  });

  describe('when the certificate is mutated at random', () => {
    it('accepts only bytes that are strict DER throughout, and throws only DerError', () => {
      const mutation = fc.record({
        at: fc.nat(),
        value: fc.nat(255),
        kind: fc.constantFrom('set', 'insert', 'delete'),
      });
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
          let bytes = Buffer.from(der);
          for (const { at, value, kind } of mutations) {
            const i = at % bytes.length;
            if (kind === 'set') bytes[i] = value;
            else if (kind === 'insert')
              bytes = Buffer.concat([bytes.subarray(0, i), Buffer.of(value), bytes.subarray(i)]);
            else bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
          }
          try {
            readFields(bytes);
          } catch (err) {
            if (!(err instanceof DerError)) throw err;
            return;
          }
          const tlv = strict(bytes);
          expect(canonical(bytes, tlv).equals(encodingOf(bytes, tlv))).toBe(true);
        }),
        { numRuns: RUNS },
      );
    }, 120_000);
  });
});

/** Random element trees written in DER, each with a path to one of its elements. */
type Tree = { tag: number; content: Uint8Array } | { tag: number; children: Tree[] };
const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      tag: fc.constantFrom(0x02, 0x04, 0x06, 0x0c, 0x80),
      content: fc.uint8Array({ maxLength: 300 }),
    }),
    fc.record({
      tag: fc.constantFrom(0x30, 0x31, 0xa0, 0xa3),
      children: fc.array(tie('node'), { maxLength: 4 }),
    }),
  ),
})).node;

function encode(node: Tree, bend?: (n: number) => number[]): Buffer {
  const content =
    'content' in node
      ? Buffer.from(node.content)
      : Buffer.concat(node.children.map((c) => encode(c, bend)));
  const length = bend?.(content.length) ?? lengthOctets(content.length);
  return Buffer.concat([Buffer.of(node.tag, ...length), content]);
}

describe('the reader over random trees', () => {
  describe('when every length is minimal', () => {
    it('returns the tree as written', () => {
      fc.assert(
        fc.property(tree, (t) => {
          const bytes = encode(t);
          expect(canonical(bytes, strict(bytes)).equals(bytes)).toBe(true);
        }),
        { numRuns: Math.max(1_000, RUNS / 10) },
      );
    });
  });

  describe('when every length is written in the long form with one more octet', () => {
    it('throws DerError', () => {
      const padded = (n: number) => {
        const minimal = lengthOctets(n);
        const octets = minimal.length === 1 ? [n] : minimal.slice(1);
        return [0x80 | (octets.length + 1), 0, ...octets];
      };
      fc.assert(
        fc.property(tree, (t) => {
          expect(() => strict(encode(t, padded))).toThrow(DerError);
        }),
        { numRuns: Math.max(1_000, RUNS / 10) },
      );
    });
  });
});
