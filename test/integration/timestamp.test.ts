// verifyTimestampToken against fresh tokens from a real RFC 3161 TSA (openssl ts -reply behind
// HTTP on 127.0.0.1), requested with a TimeStampReq built with pkijs.
import { createHash, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerificationError } from '../../src/verify/errors.js';
import { timestampRange, verifyTimestampToken } from '../../src/verify/timestamp/index.js';
import * as x509 from '../../src/verify/x509/peculiar.js';
import { startTsa, type Tsa } from '../harness/index.js';

const SHA256 = '2.16.840.1.101.3.4.2.1';

/**
 * A positive nonce whose DER is minimal: openssl ts rejects (status 2) an INTEGER with a
 * redundant leading 00 or FF byte, which raw random bytes give once in 256 requests.
 */
function nonce(): Uint8Array {
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes;
}

/** POSTs a TimeStampReq for SHA-256(message) and returns the DER TimeStampToken. */
async function requestToken(tsa: Tsa, message: Uint8Array): Promise<Uint8Array> {
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA256 }),
      hashedMessage: new asn1js.OctetString({
        valueHex: createHash('sha256').update(message).digest(),
      }),
    }),
    nonce: new asn1js.Integer({ valueHex: nonce() }),
    certReq: true,
  });
  const response = await fetch(tsa.url, {
    method: 'POST',
    headers: { 'content-type': 'application/timestamp-query' },
    body: new Uint8Array(request.toSchema().toBER()),
  });
  expect(response.status).toBe(200);
  const reply = asn1js.fromBER(new Uint8Array(await response.arrayBuffer())).result;
  const [status, token] = (reply as asn1js.Sequence).valueBlock.value;
  const statusValue = (status as asn1js.Sequence).valueBlock.value[0] as asn1js.Integer;
  expect(statusValue.valueBlock.valueDec).toBe(0); // granted
  return Uint8Array.from(token!.valueBeforeDecodeView);
}

describe('verifyTimestampToken with a local openssl TSA', () => {
  let tsa: Tsa;
  let root: x509.X509Certificate;
  beforeAll(async () => {
    tsa = await startTsa();
    root = new x509.X509Certificate(tsa.pki.root.pem);
  });
  afterAll(async () => {
    await tsa.stop();
  });

  describe('when the token timestamps the signature bytes', () => {
    it('returns genTime within the request window, ±1 s and the chain to the TSA root', async () => {
      const signature = randomBytes(256);
      const before = Date.now();
      const token = await requestToken(tsa, signature);
      const after = Date.now();
      const ts = await verifyTimestampToken({ token, signature, tsaRoots: [root] });
      expect(ts.accuracyMs).toBe(1000);
      const range = timestampRange(ts);
      // openssl writes whole seconds (clock_precision_digits = 0).
      expect(range.notAfter.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(range.notBefore.getTime()).toBeLessThanOrEqual(after + 1000);
      expect(ts.chain).toHaveLength(3);
      expect(ts.chain[2]).toBe(root);
    });
  });

  describe('when the token timestamps other bytes', () => {
    it('throws TIMESTAMP_INVALID', async () => {
      const token = await requestToken(tsa, randomBytes(64));
      const err = await verifyTimestampToken({
        token,
        signature: randomBytes(64),
        tsaRoots: [root],
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(VerificationError);
      expect(err).toMatchObject({ code: 'TIMESTAMP_INVALID', stage: 'authenticTimestamp' });
    });
  });

  describe('when the tsa store holds another root', () => {
    it('C-64 throws TIMESTAMP_INVALID', async () => {
      const signature = randomBytes(64);
      const token = await requestToken(tsa, signature);
      const other = await startTsa({ key: 'ec-p256' });
      try {
        const err = await verifyTimestampToken({
          token,
          signature,
          tsaRoots: [new x509.X509Certificate(other.pki.root.pem)],
        }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(VerificationError);
        expect((err as Error).message).toMatch(/does not chain/);
      } finally {
        await other.stop();
      }
    });
  });
});
