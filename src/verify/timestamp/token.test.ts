import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import { vector } from '../../../test/support/vectors.js';
import { VerificationError } from '../errors.js';
import {
  OID,
  parseSigningCertificateV2,
  parseTimestampToken,
  parseTstInfo,
  type TimestampToken,
} from './token.js';

const TSP = 'timestamp-tokens/tspclient-go';

function tstInfoDer(options: { policy?: string; genTime: string; accuracy?: asn1js.Sequence }) {
  return new Uint8Array(
    new asn1js.Sequence({
      value: [
        new asn1js.Integer({ value: 1 }),
        new asn1js.ObjectIdentifier({ value: options.policy ?? '1.2.3.4' }),
        new asn1js.Sequence({
          value: [
            new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.sha256 })] }),
            new asn1js.OctetString({ valueHex: new Uint8Array(32) }),
          ],
        }),
        new asn1js.Integer({ value: 7 }),
        new asn1js.GeneralizedTime({ value: options.genTime }),
        ...(options.accuracy ? [options.accuracy] : []),
      ],
    }).toBER(),
  );
}

function accuracy(seconds?: number, millis?: number, micros?: number): asn1js.Sequence {
  const tagged = (tagNumber: number, value: number) =>
    new asn1js.Primitive({
      idBlock: { tagClass: 3, tagNumber },
      valueHex: new asn1js.Integer({ value }).valueBlock.toBER(),
    });
  return new asn1js.Sequence({
    value: [
      ...(seconds === undefined ? [] : [new asn1js.Integer({ value: seconds })]),
      ...(millis === undefined ? [] : [tagged(0, millis)]),
      ...(micros === undefined ? [] : [tagged(1, micros)]),
    ],
  });
}

function signingCertificateV2(token: TimestampToken): asn1js.AsnType {
  const attribute = token.signerInfos[0]!.signedAttrs.find(
    (a) => a.type === OID.signingCertificateV2,
  );
  return attribute!.values[0]!;
}

function expectInvalid(run: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(VerificationError);
  expect(caught).toMatchObject({ code: 'TIMESTAMP_INVALID', stage: 'authenticTimestamp' });
  expect((caught as Error).message).toMatch(message);
}

describe('parseTimestampToken', () => {
  describe('when the token is the valid tspclient-go token', () => {
    it('returns the TSTInfo content, the four certificates and the single signerInfo', () => {
      const token = parseTimestampToken(vector(`${TSP}/TimeStampToken.p7s`));
      expect(token.contentType).toBe(OID.tstInfo);
      expect(token.certificates).toHaveLength(4);
      expect(token.certificates[0]!.cert.subject).toContain('Globalsign TSA for Advanced - G4');
      expect(token.signerInfos).toHaveLength(1);
      const [info] = token.signerInfos;
      expect(info!.version).toBe(1);
      expect(info!.sid?.serial).toBe(token.certificates[0]!.serial);
      expect(info!.signedAttrsDer?.[0]).toBe(0x31);
    });
  });

  describe('when the bytes are not a SignedData', () => {
    it('C-63 throws TIMESTAMP_INVALID for the text "invalid\\n"', () => {
      expectInvalid(() => parseTimestampToken(Buffer.from('invalid\n')), /not valid ASN\.1/);
    });

    it('throws TIMESTAMP_INVALID for trailing bytes after the token', () => {
      const token = vector(`${TSP}/TimeStampToken.p7s`);
      expectInvalid(() => parseTimestampToken(Buffer.concat([token, Buffer.of(0)])), /ASN\.1/);
    });

    it('throws TIMESTAMP_INVALID for a ContentInfo that is not signed data', () => {
      const data = new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.7.1' }),
          new asn1js.Constructed({
            idBlock: { tagClass: 3, tagNumber: 0 },
            value: [new asn1js.OctetString({ valueHex: new Uint8Array(1) })],
          }),
        ],
      });
      expectInvalid(
        () => parseTimestampToken(new Uint8Array(data.toBER())),
        /not a CMS SignedData/,
      );
    });
  });
});

describe('parseTstInfo', () => {
  describe('when the token is the valid tspclient-go token', () => {
    it('C-66 returns version 1, the SHA-256 imprint of "notation", genTime and ±1 s', () => {
      const token = parseTimestampToken(vector(`${TSP}/TimeStampToken.p7s`));
      const info = parseTstInfo(token.content!);
      expect(info.version).toBe(1);
      expect(info.imprintAlgorithm).toBe(OID.sha256);
      expect(Buffer.from(info.imprint)).toEqual(createHash('sha256').update('notation').digest());
      expect(info.genTime.toISOString()).toBe('2021-09-17T14:09:10.000Z');
      expect(info.accuracyMs).toBe(1000);
    });

    it('C-66 returns version 2 for the TSTInfo-version-2 token (rejected by verification)', () => {
      const token = parseTimestampToken(vector(`${TSP}/TimeStampTokenWithTSTInfoVersion2.p7s`));
      expect(parseTstInfo(token.content!).version).toBe(2);
    });
  });

  describe('when accuracy is absent', () => {
    it('returns 1000 ms under the baseline policy 0.4.0.2023.1.1', () => {
      const der = tstInfoDer({ policy: OID.baselinePolicy, genTime: '20240618062937Z' });
      expect(parseTstInfo(der).accuracyMs).toBe(1000);
    });

    it('returns 1000 ms under the baseline policy when accuracy is present but all zero', () => {
      const der = tstInfoDer({
        policy: OID.baselinePolicy,
        genTime: '20240618062937Z',
        accuracy: accuracy(0),
      });
      expect(parseTstInfo(der).accuracyMs).toBe(1000);
    });

    it('returns 0 ms under any other policy', () => {
      expect(parseTstInfo(tstInfoDer({ genTime: '20240618062937Z' })).accuracyMs).toBe(0);
    });
  });

  describe('when accuracy is present', () => {
    it('returns seconds, millis and micros in ms, micros rounded up', () => {
      const der = tstInfoDer({ genTime: '20240618062937Z', accuracy: accuracy(2, 500, 1) });
      expect(parseTstInfo(der).accuracyMs).toBe(2501);
    });

    it('throws TIMESTAMP_INVALID for a negative accuracy', () => {
      const der = tstInfoDer({ genTime: '20240618062937Z', accuracy: accuracy(-5) });
      expectInvalid(() => parseTstInfo(der), /accuracy is invalid/);
    });
  });

  describe('when genTime has a fraction', () => {
    it('returns the milliseconds', () => {
      const info = parseTstInfo(tstInfoDer({ genTime: '20250121091746.641Z' }));
      expect(info.genTime.toISOString()).toBe('2025-01-21T09:17:46.641Z');
      expect(info.accuracyMs).toBe(0);
    });

    it('widens accuracy by 1 ms when digits below the millisecond are dropped', () => {
      const info = parseTstInfo(tstInfoDer({ genTime: '20250121091746.6415Z' }));
      expect(info.genTime.toISOString()).toBe('2025-01-21T09:17:46.641Z');
      expect(info.accuracyMs).toBe(1);
    });
  });

  describe('when genTime is not a UTC GeneralizedTime', () => {
    it('throws TIMESTAMP_INVALID for a local time without Z', () => {
      expectInvalid(() => parseTstInfo(tstInfoDer({ genTime: '20240618062937' })), /genTime/);
    });

    it('throws TIMESTAMP_INVALID for an impossible date', () => {
      expectInvalid(() => parseTstInfo(tstInfoDer({ genTime: '20240231062937Z' })), /genTime/);
    });

    it('C-63 throws TIMESTAMP_INVALID for the notation-go token whose TSTInfo does not decode', () => {
      const token = parseTimestampToken(
        vector('timestamp-tokens/notation-go/TimeStampTokenWithInvalidTSTInfo.p7s'),
      );
      expectInvalid(() => parseTstInfo(token.content!), /TSTInfo/);
    });
  });
});

describe('parseSigningCertificateV2', () => {
  describe('when the attribute names issuer and serial', () => {
    it('returns SHA-256 by default, the hash and the issuerSerial', () => {
      const token = parseTimestampToken(vector(`${TSP}/TimeStampToken.p7s`));
      const id = parseSigningCertificateV2(signingCertificateV2(token));
      expect(id.hashAlgorithm).toBe(OID.sha256);
      expect(Buffer.from(id.certHash)).toEqual(
        createHash('sha256').update(token.certificates[0]!.der).digest(),
      );
      expect(id.issuerSerial?.serial).toBe(token.certificates[0]!.serial);
      expect(Buffer.from(id.issuerSerial!.issuer)).toEqual(
        Buffer.from(token.certificates[0]!.issuer),
      );
    });
  });

  describe('when issuerSerial is omitted', () => {
    it('C-66 returns no issuerSerial (the sid identifies the certificate)', () => {
      const token = parseTimestampToken(
        vector(`${TSP}/TimeStampTokenWithoutSigningCertificateV2IssuerSerial.p7s`),
      );
      expect(parseSigningCertificateV2(signingCertificateV2(token)).issuerSerial).toBeUndefined();
    });
  });

  describe('when the attribute is broken', () => {
    it('C-66 throws TIMESTAMP_INVALID for an issuer GeneralName that is not a directoryName', () => {
      const token = parseTimestampToken(
        vector(`${TSP}/TimeStampTokenWithWrongSigningCertificateV2IssuerChoiceTag.p7s`),
      );
      expectInvalid(
        () => parseSigningCertificateV2(signingCertificateV2(token)),
        /not a directory name/,
      );
    });

    it('C-66 throws TIMESTAMP_INVALID for an attribute naming no certificate', () => {
      const token = parseTimestampToken(
        vector(`${TSP}/TimeStampTokenWithSigningCertificateV2NoCert.p7s`),
      );
      expectInvalid(
        () => parseSigningCertificateV2(signingCertificateV2(token)),
        /names no certificate/,
      );
    });
  });
});
