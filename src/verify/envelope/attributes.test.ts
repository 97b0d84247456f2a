import { beforeAll, describe, expect, it } from 'vitest';
import { makeChain, type Chain } from '../../../test/support/certs.js';
import {
  DEFAULT_SIGNING_TIME,
  ENVELOPE_FORMATS,
  type EnvelopeOptions,
} from '../../../test/support/envelopes.js';
import { integrityError } from '../../../test/support/matchers.js';
import { parseRfc3339 } from './attributes.js';
import { parseEnvelope } from './index.js';

const SCHEME = 'io.cncf.notary.signingScheme';
const SIGNING_TIME = 'io.cncf.notary.signingTime';
const AUTHENTIC = 'io.cncf.notary.authenticSigningTime';
const EXPIRY = 'io.cncf.notary.expiry';
const SA = 'notary.x509.signingAuthority';
const LATER = new Date('2030-01-01T00:00:00Z');

let chain: Chain;
beforeAll(async () => {
  chain = await makeChain({ key: 'ec-p256' });
});

describe.each(ENVELOPE_FORMATS)('signed attributes in $name envelopes', (format) => {
  const parse = (options: Omit<EnvelopeOptions, 'chain'>) =>
    parseEnvelope(format.mediaType, format.sign({ chain: chain.certs, ...options }));

  describe('when the headers are complete', () => {
    it('returns the notary.x509 attributes', () => {
      const { signerInfo } = parse({ expiry: LATER });
      expect(signerInfo).toMatchObject({
        signingScheme: 'notary.x509',
        signingTime: DEFAULT_SIGNING_TIME,
        expiry: LATER,
        extendedAttributes: [],
      });
      expect(signerInfo.authenticSigningTime).toBeUndefined();
    });

    it('returns the signingAuthority attributes', () => {
      const { signerInfo } = parse({ scheme: SA });
      expect(signerInfo.signingScheme).toBe(SA);
      expect(signerInfo.authenticSigningTime).toEqual(DEFAULT_SIGNING_TIME);
      expect(signerInfo.signingTime).toBeUndefined();
    });
  });

  describe('when crit is missing or incomplete', () => {
    it('C-24 throws ENVELOPE_MALFORMED without crit', () => {
      expect(() => parse({ protected: { crit: undefined } })).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });

    it('C-24 throws ENVELOPE_MALFORMED for an empty crit', () => {
      expect(() => parse({ protected: { crit: [] } })).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });

    it('C-24 throws ENVELOPE_MALFORMED when crit omits the signing scheme', () => {
      expect(() => parse({ expiry: LATER, protected: { crit: [EXPIRY] } })).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });

    it('C-25 throws ENVELOPE_MALFORMED when the expiry is not critical', () => {
      expect(() => parse({ expiry: LATER, protected: { crit: [SCHEME] } })).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });

    it('C-25 throws ENVELOPE_MALFORMED when authenticSigningTime is not critical', () => {
      expect(() => parse({ scheme: SA, protected: { crit: [SCHEME] } })).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });

    it('C-26 throws ENVELOPE_MALFORMED when crit names an absent header', () => {
      expect(() => parse({ protected: { crit: [SCHEME, EXPIRY] } })).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });

    it('throws ENVELOPE_MALFORMED when crit repeats a name', () => {
      expect(() => parse({ protected: { crit: [SCHEME, SCHEME] } })).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });
  });

  describe('when there are extended attributes', () => {
    it('C-27 throws UNKNOWN_CRITICAL_HEADER for an unknown critical attribute', () => {
      const extra = { 'com.example.policy': 'x', crit: [SCHEME, 'com.example.policy'] };
      expect(() => parse({ protected: extra })).toThrow(integrityError('UNKNOWN_CRITICAL_HEADER'));
    });

    it('C-28 returns an unknown non-critical attribute as extended', () => {
      const { signerInfo } = parse({ protected: { 'com.example.note': 'hello' } });
      expect(signerInfo.extendedAttributes).toEqual([
        { key: 'com.example.note', value: 'hello', critical: false },
      ]);
    });

    it('C-29 returns the verification plugin and defers its critical attributes to it', () => {
      const { signerInfo } = parse({
        protected: {
          'io.cncf.notary.verificationPlugin': 'com.example.plugin',
          'io.cncf.notary.verificationPluginMinVersion': '1.0.0',
          'com.example.policy': 'x',
          crit: [
            SCHEME,
            'io.cncf.notary.verificationPlugin',
            'io.cncf.notary.verificationPluginMinVersion',
            'com.example.policy',
          ],
        },
      });
      expect(signerInfo.verificationPlugin).toBe('com.example.plugin');
      expect(signerInfo.verificationPluginMinVersion).toBe('1.0.0');
      expect(signerInfo.extendedAttributes).toEqual([
        { key: 'com.example.policy', value: 'x', critical: true },
      ]);
    });

    it('C-29 returns a non-critical verification plugin too', () => {
      const { signerInfo } = parse({ protected: { 'io.cncf.notary.verificationPlugin': 'p' } });
      expect(signerInfo.verificationPlugin).toBe('p');
    });

    it('throws ENVELOPE_MALFORMED for a verification plugin that is not a string', () => {
      expect(() => parse({ protected: { 'io.cncf.notary.verificationPlugin': 7 } })).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });
  });

  describe('when the signing scheme is wrong', () => {
    it('C-30 throws ENVELOPE_MALFORMED without a signing scheme', () => {
      expect(() => parse({ protected: { [SCHEME]: undefined, crit: [SIGNING_TIME] } })).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });

    it('C-30 throws ENVELOPE_MALFORMED for an unknown signing scheme', () => {
      expect(() => parse({ protected: { [SCHEME]: 'notary.foo' } })).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });
  });

  describe('when time headers do not fit the scheme (D16)', () => {
    it('C-31 throws ENVELOPE_MALFORMED for notary.x509 without signingTime', () => {
      expect(() => parse({ protected: { [SIGNING_TIME]: undefined } })).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });

    it('C-31 throws ENVELOPE_MALFORMED for notary.x509 with authenticSigningTime', () => {
      const extra = { [AUTHENTIC]: format.time(DEFAULT_SIGNING_TIME), crit: [SCHEME, AUTHENTIC] };
      expect(() => parse({ protected: extra })).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it('C-31 throws ENVELOPE_MALFORMED for signingAuthority without authenticSigningTime', () => {
      expect(() =>
        parse({ scheme: SA, protected: { [AUTHENTIC]: undefined, crit: [SCHEME] } }),
      ).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it('C-31 throws ENVELOPE_MALFORMED for signingAuthority with signingTime', () => {
      const extra = { [SIGNING_TIME]: format.time(DEFAULT_SIGNING_TIME) };
      expect(() => parse({ scheme: SA, protected: extra })).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });
  });

  describe('when the expiry is not after the signing time', () => {
    it('C-32 throws ENVELOPE_MALFORMED for an expiry equal to the signing time', () => {
      expect(() => parse({ expiry: DEFAULT_SIGNING_TIME })).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });

    it('C-32 throws ENVELOPE_MALFORMED for an expiry before the authentic signing time', () => {
      expect(() => parse({ scheme: SA, expiry: new Date('2020-01-01T00:00:00Z') })).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });
  });

  describe('when a time header cannot be read', () => {
    it('C-33 throws ENVELOPE_MALFORMED for a time of the wrong type', () => {
      expect(() => parse({ protected: { [SIGNING_TIME]: 'yesterday' } })).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });
  });
});

describe('parseRfc3339', () => {
  describe('when the text is an RFC 3339 date-time', () => {
    it.each([
      ['2023-06-27T13:30:33+08:00', '2023-06-27T05:30:33.000Z'],
      ['2023-01-19T13:05:58-08:00', '2023-01-19T21:05:58.000Z'],
      ['2020-11-09T07:00:00Z', '2020-11-09T07:00:00.000Z'],
      ['2024-02-29T23:59:59.123456789Z', '2024-02-29T23:59:59.123Z'],
      ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ])('C-33 returns %s as %s', (text, iso) => {
      expect(parseRfc3339(text)?.toISOString()).toBe(iso);
    });
  });

  describe('when the text is not an RFC 3339 date-time', () => {
    it.each([
      '2023-06-27 13:30:33Z',
      '2023-06-27T13:30:33',
      '2023-06-27t13:30:33z',
      '2023-02-29T00:00:00Z',
      '2023-13-01T00:00:00Z',
      '2023-00-10T00:00:00Z',
      '2023-06-27T24:00:00Z',
      '2023-06-27T23:60:00Z',
      '2023-06-27T23:59:60Z',
      '2023-06-27T13:30:33+24:00',
      '2023-06-27T13:30:33+0800',
      '1687843833',
      '',
    ])('C-33 returns undefined for %j', (text) => {
      expect(parseRfc3339(text)).toBeUndefined();
    });
  });
});
