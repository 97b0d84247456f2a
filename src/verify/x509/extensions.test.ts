import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readBasicConstraints, readExtendedKeyUsage, readKeyUsage } from './extensions.js';
import type { RawExtension } from './fields.js';
import * as x509 from './peculiar.js';

const raw = (ext: x509.Extension): RawExtension => ({
  oid: ext.type,
  critical: ext.critical,
  value: new Uint8Array(ext.value),
});
const oid = fc
  .array(fc.nat({ max: 1 << 20 }), { minLength: 1, maxLength: 6 })
  .map((arcs) => ['1', '3', ...arcs].join('.'));

describe('readKeyUsage', () => {
  describe('when given each of the 512 combinations of the nine usages', () => {
    it('returns the flags @peculiar/x509 read', () => {
      for (let flags = 0; flags < 512; flags++) {
        const der = new x509.KeyUsagesExtension(flags, flags % 2 === 0).rawData;
        const theirs = new x509.KeyUsagesExtension(der);
        expect(readKeyUsage(raw(theirs))).toEqual({
          critical: theirs.critical,
          usages: theirs.usages,
        });
      }
    });
  });

  describe('when the BIT STRING is malformed', () => {
    it.each([
      ['no unused-bits octet', '0300'],
      ['more than 7 unused bits', '03020880'],
      ['unused bits without any octet', '030101'],
      ['an unused bit that is set (DER: zero)', '03020781'],
      ['unused bits that are set in a second octet', '0303078001'],
    ])('throws for %s', (_, hex) => {
      const value = Buffer.from(hex, 'hex');
      expect(() => readKeyUsage({ oid: '2.5.29.15', critical: true, value })).toThrow();
    });
  });
});

describe('readBasicConstraints', () => {
  describe('when cA and pathLenConstraint vary', () => {
    // From 4 octets on, @peculiar/x509 gives the length as a decimal string, which compares
    // with the number of CAs below as the number does.
    it('returns what @peculiar/x509 read', () => {
      fc.assert(
        fc.property(fc.boolean(), fc.option(fc.nat(), { nil: undefined }), (ca, path) => {
          const theirs = new x509.BasicConstraintsExtension(
            new x509.BasicConstraintsExtension(ca, path, true).rawData,
          );
          expect(readBasicConstraints(raw(theirs))).toEqual({
            critical: true,
            ca: theirs.ca,
            pathLength: theirs.pathLength === undefined ? undefined : Number(theirs.pathLength),
          });
        }),
      );
    });
  });

  describe('when the SEQUENCE holds something else', () => {
    it.each([
      ['an INTEGER before the BOOLEAN', '3006020101010100'],
      ['a BOOLEAN that is not DER (0x01)', '3003010101'],
      ['an OCTET STRING', '30030401ff'],
    ])('throws for %s', (_, hex) => {
      const value = Buffer.from(hex, 'hex');
      expect(() => readBasicConstraints({ oid: '2.5.29.19', critical: true, value })).toThrow();
    });
  });
});

describe('readExtendedKeyUsage', () => {
  describe('when given any list of usages', () => {
    it('returns the OIDs @peculiar/x509 read, in order', () => {
      fc.assert(
        fc.property(fc.array(oid, { maxLength: 8 }), fc.boolean(), (usages, critical) => {
          const theirs = new x509.ExtendedKeyUsageExtension(
            new x509.ExtendedKeyUsageExtension(usages, critical).rawData,
          );
          expect(readExtendedKeyUsage(raw(theirs))).toEqual({
            critical,
            usages: theirs.usages.map(String),
          });
        }),
      );
    });
  });
});
