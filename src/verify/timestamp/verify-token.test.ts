import { createHash, sign } from 'node:crypto';
import * as asn1js from 'asn1js';
import { decode as decodeCbor, type Tag } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { issue, type Issued } from '../../../test/support/certs.js';
import { vector, vectorText } from '../../../test/support/vectors.js';
import { VerificationError } from '../errors.js';
import * as x509 from '../x509/peculiar.js';
import { timestampRange, verifyTimestampToken } from './index.js';
import { OID } from './token.js';

const TSP = 'timestamp-tokens/tspclient-go';
const CMS = 'timestamp-tokens/tspclient-go-cms';
const ENVELOPES = 'envelopes/notation-go-timestamp';
const TSA_STORES = 'truststores/notation-go/truststore/x509/tsa';
const NOTATION = Buffer.from('notation');

const r3 = new x509.X509Certificate(vectorText(`${TSP}/GlobalSignRootCA.crt`));
const r6 = new x509.X509Certificate(vector(`${TSA_STORES}/test-timestamp/globalsignRoot.cer`));
const digicertG4 = new x509.X509Certificate(
  vector(`${TSA_STORES}/test-mismatch/DigiCertTSARootSHA384.cer`),
);

async function failure(promise: Promise<unknown>): Promise<VerificationError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VerificationError);
  expect(err).toMatchObject({ code: 'TIMESTAMP_INVALID', stage: 'authenticTimestamp' });
  return err as VerificationError;
}

/** The primitive signature and the timestamp token of a notation-go JWS or COSE envelope. */
function envelopeParts(file: string): { signature: Uint8Array; token: Uint8Array } {
  const bytes = vector(`${ENVELOPES}/${file}`);
  if (bytes[0] === 0x7b) {
    const jws = JSON.parse(bytes.toString('utf8')) as {
      signature: string;
      header: Record<string, string>;
    };
    return {
      signature: Buffer.from(jws.signature, 'base64url'),
      token: Buffer.from(jws.header['io.cncf.notary.timestampSignature']!, 'base64'),
    };
  }
  const [, unprotected, , signature] = (decodeCbor(bytes) as Tag).value as [
    Uint8Array,
    Map<string, Uint8Array> | Record<string, Uint8Array>,
    Uint8Array,
    Uint8Array,
  ];
  const key = 'io.cncf.notary.timestampSignature';
  const token = unprotected instanceof Map ? unprotected.get(key) : unprotected[key];
  return { signature, token: token! };
}

function x5cLeaf(file: string): x509.X509Certificate {
  const jws = JSON.parse(vectorText(`${ENVELOPES}/${file}`)) as { header: { x5c: string[] } };
  return new x509.X509Certificate(Buffer.from(jws.header.x5c[0]!, 'base64'));
}

// ---- crafted tokens -------------------------------------------------------------------------

const oid = (value: string) => new asn1js.ObjectIdentifier({ value });
const algorithm = (value: string) => new asn1js.Sequence({ value: [oid(value)] });
const octets = (bytes: Uint8Array) => new asn1js.OctetString({ valueHex: bytes });
const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest());
const tagged = (tagNumber: number, value: asn1js.AsnType[]) =>
  new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber }, value });
const attribute = (type: string, value: asn1js.AsnType) =>
  new asn1js.Sequence({ value: [oid(type), new asn1js.Set({ value: [value] })] });
const parse = (der: Uint8Array) => asn1js.fromBER(der).result;

interface Craft {
  signer: Issued;
  /** Certificates the token carries (the signer is always first). */
  certs: Issued[];
  genTime: Date;
  message?: Uint8Array;
  policy?: string;
  /** Replaces the standard signed attributes. */
  attributes?: (std: asn1js.Sequence[]) => asn1js.Sequence[];
}

function issuerAndSerial(der: Uint8Array): asn1js.Sequence {
  const tbs = (parse(der) as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
  const fields = tbs.valueBlock.value.slice(1); // version [0] is always present here
  return new asn1js.Sequence({ value: [fields[2]!, fields[0]!] });
}

function craftToken(craft: Craft): Uint8Array {
  const tstInfo = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 1 }),
      oid(craft.policy ?? '1.2.3.4.1'),
      new asn1js.Sequence({
        value: [algorithm(OID.sha256), octets(sha256(craft.message ?? NOTATION))],
      }),
      new asn1js.Integer({ value: 99 }),
      new asn1js.GeneralizedTime({ valueDate: craft.genTime }),
    ],
  });
  const content = new Uint8Array(tstInfo.toBER());
  const standard = [
    attribute(OID.contentType, oid(OID.tstInfo)),
    attribute(OID.messageDigest, octets(sha256(content))),
    attribute(
      OID.signingCertificateV2,
      new asn1js.Sequence({
        value: [
          new asn1js.Sequence({
            value: [new asn1js.Sequence({ value: [octets(sha256(craft.signer.der))] })],
          }),
        ],
      }),
    ),
  ];
  const attrs = craft.attributes ? craft.attributes(standard) : standard;
  const signed = new Uint8Array(new asn1js.Set({ value: attrs }).toBER());
  const rsa = craft.signer.keyAlg.startsWith('rsa');
  const signerInfo = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 1 }),
      issuerAndSerial(craft.signer.der),
      algorithm(OID.sha256),
      tagged(0, attrs),
      algorithm(rsa ? '1.2.840.113549.1.1.11' : '1.2.840.10045.4.3.2'),
      octets(sign('sha256', signed, craft.signer.privateKey)),
    ],
  });
  const signedData = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 3 }),
      new asn1js.Set({ value: [algorithm(OID.sha256)] }),
      new asn1js.Sequence({ value: [oid(OID.tstInfo), tagged(0, [octets(content)])] }),
      tagged(
        0,
        [craft.signer, ...craft.certs].map((c) => parse(c.der)),
      ),
      new asn1js.Set({ value: [signerInfo] }),
    ],
  });
  return new Uint8Array(
    new asn1js.Sequence({ value: [oid(OID.signedData), tagged(0, [signedData])] }).toBER(),
  );
}

const DAY = 24 * 3600_000;
const T0 = new Date('2024-06-18T06:29:37Z');
const KU = x509.KeyUsageFlags;

async function tsaPki(
  options: {
    leaf?: Partial<Parameters<typeof issue>[0]>;
    intermediate?: Partial<Parameters<typeof issue>[0]>;
  } = {},
) {
  const window = {
    notBefore: new Date(T0.getTime() - 365 * DAY),
    notAfter: new Date(T0.getTime() + 365 * DAY),
  };
  const root = await issue({ profile: 'root', subject: 'CN=Crafted TSA Root', ...window });
  const intermediate = await issue(
    { profile: 'intermediate', subject: 'CN=Crafted TSA CA', ...window, ...options.intermediate },
    root,
  );
  const leaf = await issue(
    { profile: 'timeStamping', subject: 'CN=Crafted TSA', ...window, ...options.leaf },
    intermediate,
  );
  return { root, intermediate, leaf };
}

describe('verifyTimestampToken', () => {
  describe('when the token is the valid tspclient-go token over "notation"', () => {
    it('C-66 returns genTime 2021-09-17T14:09:10Z, ±1 s and the chain to Root CA – R3', async () => {
      const ts = await verifyTimestampToken({
        token: vector(`${TSP}/TimeStampToken.p7s`),
        signature: NOTATION,
        tsaRoots: [r3],
      });
      expect(ts.genTime.toISOString()).toBe('2021-09-17T14:09:10.000Z');
      expect(ts.accuracyMs).toBe(1000);
      expect(ts.chain.map((c) => c.subject)).toEqual([
        'C=BE, O=GlobalSign nv-sa, CN=Globalsign TSA for Advanced - G4',
        'C=BE, O=GlobalSign nv-sa, CN=GlobalSign Timestamping CA - SHA384 - G4',
        'OU=GlobalSign Root CA - R6, O=GlobalSign, CN=GlobalSign',
        'OU=GlobalSign Root CA - R3, O=GlobalSign, CN=GlobalSign',
      ]);
      expect(ts.chain[3]).toBe(r3);
    });

    it('C-66 returns the shorter chain when Root CA – R6 itself is the trusted root', async () => {
      const ts = await verifyTimestampToken({
        token: vector(`${TSP}/TimeStampToken.p7s`),
        signature: NOTATION,
        tsaRoots: [r6],
      });
      expect(ts.chain).toHaveLength(3);
      expect(ts.chain[2]).toBe(r6);
    });

    it('throws TIMESTAMP_INVALID for a message other than "notation"', async () => {
      const err = await failure(
        verifyTimestampToken({
          token: vector(`${TSP}/TimeStampToken.p7s`),
          signature: Buffer.from('notation!'),
          tsaRoots: [r3],
        }),
      );
      expect(err.message).toMatch(/message imprint does not match/);
    });

    it('C-64 throws TIMESTAMP_INVALID when the only tsa root is unrelated (DigiCert G4)', async () => {
      const err = await failure(
        verifyTimestampToken({
          token: vector(`${TSP}/TimeStampToken.p7s`),
          signature: NOTATION,
          tsaRoots: [digicertG4],
        }),
      );
      expect(err.message).toMatch(
        /does not chain to a certificate in the policy's tsa trust stores/,
      );
    });

    it('throws TIMESTAMP_INVALID when there are no tsa roots', async () => {
      await failure(
        verifyTimestampToken({
          token: vector(`${TSP}/TimeStampToken.p7s`),
          signature: NOTATION,
          tsaRoots: [],
        }),
      );
    });
  });

  describe('when the valid token is BER-encoded', () => {
    it('returns the same timestamp (BER tolerated, as tspclient-go converts BER to DER)', async () => {
      const token = toBer(vector(`${TSP}/TimeStampToken.p7s`));
      expect(token[1]).toBe(0x80);
      const ts = await verifyTimestampToken({ token, signature: NOTATION, tsaRoots: [r3] });
      expect(ts.genTime.toISOString()).toBe('2021-09-17T14:09:10.000Z');
    });
  });

  describe('when a tspclient-go token is broken', () => {
    it.each([
      ['SHA1TimeStampToken.p7s', /unsupported hash/],
      ['TimeStampTokenWithSHA1CertHash.p7s', /signing-certificate-v2 hash .* is not supported/],
      ['TimeStampTokenWithoutSigningCertificate.p7s', /no signing-certificate-v2 attribute/],
      ['TimeStampTokenWithSigningCertificateV1.p7s', /message imprint|signing-certificate-v2/],
      [
        'TimeStampTokenWithSigningCertificateV1NoCert.p7s',
        /message imprint|signing-certificate-v2/,
      ],
      [
        'TimeStampTokenWithInvalidSigningCertificateV1.p7s',
        /message imprint|signing-certificate-v2/,
      ],
      ['TimeStampTokenWithInvalidSigningCertificateV2.p7s', /names no certificate/],
      ['TimeStampTokenWithSigningCertificateV2NoCert.p7s', /names no certificate/],
      ['TimeStampTokenWithWrongSigningCertificateV2IssuerChoiceTag.p7s', /directory name/],
      ['TimeStampTokenWithTSTInfoVersion2.p7s', /TSTInfo version is 2/],
      ['TimeStampTokenWithMismatchCertHash.p7s', /does not match the hash/],
      ['TimeStampTokenWithInvalidSignature.p7s', /signature does not verify/],
      ['TimeStampTokenWithoutCertificate.p7s', /does not carry the TSA's signing certificate/],
      ['TimeStampTokenWithInvalidTSTInfo.p7s', /TSTInfo/],
      ['TimeStampTokenWithInvalideContentType.p7s', /content type is 1\.2\.840\.113549\.1\.7\.1/],
      ['TimeStampTokenWithValidAndInvalidSignerInfos.p7s', /2 signerInfos/],
      // Its signed attributes were edited after signing (OpenSSL agrees the signature fails).
      ['TimeStampTokenWithoutSigningCertificateV2IssuerSerial.p7s', /signature does not verify/],
    ])('C-66 throws TIMESTAMP_INVALID for %s', async (file, message) => {
      const err = await failure(
        verifyTimestampToken({
          token: vector(`${TSP}/${file}`),
          signature: NOTATION,
          tsaRoots: [r3, r6],
        }),
      );
      expect(err.message).toMatch(message);
    });
  });

  describe('when a tspclient-go CMS vector is used', () => {
    it('C-66 returns the timestamp for the valid token', async () => {
      const ts = await verifyTimestampToken({
        token: vector(`${CMS}/TimeStampToken.p7s`),
        signature: NOTATION,
        tsaRoots: [r3],
      });
      expect(ts.genTime.toISOString()).toBe('2021-09-17T14:09:10.000Z');
    });

    it.each([
      ['Sha1SignedData.p7s', /content type/],
      ['SignedDataWithoutSignedAttributes.p7s', /content type/],
      ['TimeStampTokenInvalidSignedAttributeContentType.p7s', /signature does not verify/],
      ['TimeStampTokenWithAnInvalidAndAValidSignerInfo.p7s', /2 signerInfos/],
      ['TimeStampTokenWithInvalidCertificates.p7s', /does not match the hash/],
      ['TimeStampTokenWithInvalidContentType.p7s', /content type/],
      ['TimeStampTokenWithInvalidSignature.p7s', /signature does not verify/],
      ['TimeStampTokenWithInvalidSigningTime.p7s', /not a valid CMS SignedData/],
      ['TimeStampTokenWithSignedAttributeSHA1.p7s', /signature does not verify|digest algorithm/],
      ['TimeStampTokenWithSignerVersion2.p7s', /signerInfo version is 2/],
      ['TimeStampTokenWithSigningTime.p7s', /signature does not verify/],
      ['TimeStampTokenWithSigningTimeBeforeExpected.p7s', /signature does not verify/],
      ['TimeStampTokenWithUnknownSignerIssuer.p7s', /sid does not name/],
      ['TimeStampTokenWithoutCertificate.p7s', /does not carry/],
      ['TimeStampTokenWithoutSignedAttributeContentType.p7s', /signature does not verify/],
      ['TimeStampTokenWithoutSignedAttributeDigest.p7s', /signature does not verify/],
      ['TimeStampTokenWithoutSignedAttributes.p7s', /not a valid CMS SignedData/],
      ['TimeStampTokenWithoutSigner.p7s', /0 signerInfos/],
    ])('throws TIMESTAMP_INVALID for %s', async (file, message) => {
      const err = await failure(
        verifyTimestampToken({
          token: vector(`${CMS}/${file}`),
          signature: NOTATION,
          tsaRoots: [r3, r6],
        }),
      );
      expect(err.message).toMatch(message);
    });
  });

  describe('when a notation-go countersignature token goes into withoutTimestamp.sig', () => {
    const withoutTimestamp = JSON.parse(vectorText(`${ENVELOPES}/withoutTimestamp.sig`)) as {
      signature: string;
    };
    it.each([
      ['TimeStampTokenWithInvalideContentType.p7s', /content type/],
      ['TimeStampTokenWithInvalidTSTInfo.p7s', /TSTInfo/],
      ['TimeStampToken.p7s', /message imprint does not match/],
      ['TimeStampTokenWithoutCertificate.p7s', /message imprint|does not carry/],
    ])('C-63 throws TIMESTAMP_INVALID for %s', async (file, message) => {
      const err = await failure(
        verifyTimestampToken({
          token: vector(`timestamp-tokens/notation-go/${file}`),
          signature: Buffer.from(withoutTimestamp.signature, 'base64url'),
          tsaRoots: [r6, r3],
        }),
      );
      expect(err.message).toMatch(message);
    });

    it('C-63 throws TIMESTAMP_INVALID for the token "invalid\\n"', async () => {
      const err = await failure(
        verifyTimestampToken({
          token: Buffer.from('invalid\n'),
          signature: NOTATION,
          tsaRoots: [r6],
        }),
      );
      expect(err.message).toMatch(/not valid ASN\.1/);
    });

    it('C-63 throws TIMESTAMP_INVALID for the token without certificates over "notation"', async () => {
      const err = await failure(
        verifyTimestampToken({
          token: vector('timestamp-tokens/notation-go/TimeStampTokenWithoutCertificate.p7s'),
          signature: NOTATION,
          tsaRoots: [r6, r3],
        }),
      );
      expect(err.message).toMatch(/does not carry the TSA's signing certificate/);
    });
  });

  describe('when the notation-core-go token has an invalid signature', () => {
    it('throws TIMESTAMP_INVALID', async () => {
      const err = await failure(
        verifyTimestampToken({
          token: vector('timestamp-tokens/notation-core-go/TimeStampTokenWithInvalidSignature.p7s'),
          signature: NOTATION,
          tsaRoots: [
            r3,
            r6,
            new x509.X509Certificate(vector('timestamp-tokens/notation-core-go/tsaRootCert.cer')),
          ],
        }),
      );
      expect(err.message).toMatch(/signature does not verify/);
    });
  });
});

/** The valid token re-encoded as BER: indefinite lengths and a constructed eContent. */
function toBer(der: Uint8Array): Uint8Array {
  const raw = (node: asn1js.AsnType) => node.valueBeforeDecodeView;
  const indefinite = (tag: number, parts: Uint8Array[]) =>
    Buffer.concat([Buffer.of(tag, 0x80), ...parts, Buffer.of(0, 0)]);
  const inner = (node: asn1js.AsnType) => (node as asn1js.Constructed).valueBlock.value;
  const [contentType, wrapper] = inner(parse(der));
  const [version, algorithms, encap, ...rest] = inner(inner(wrapper!)[0]!);
  const [eContentType, eWrapper] = inner(encap!);
  const content = (inner(eWrapper!)[0] as asn1js.OctetString).valueBlock.valueHexView;
  const chunks = [content.slice(0, 100), content.slice(100)].map(
    (chunk) => new Uint8Array(octets(chunk).toBER()),
  );
  const encapBer = indefinite(0x30, [
    raw(eContentType!),
    indefinite(0xa0, [indefinite(0x24, chunks)]),
  ]);
  const signedData = indefinite(0x30, [
    raw(version!),
    raw(algorithms!),
    encapBer,
    ...rest.map(raw),
  ]);
  return indefinite(0x30, [raw(contentType!), indefinite(0xa0, [signedData])]);
}

describe('verifyTimestampToken on notation-go timestamped envelopes', () => {
  describe('when the tsa store is test-timestamp (GlobalSign Root CA – R6)', () => {
    it.each([
      ['jwsWithTimestamp.sig', '2024-06-18T06:29:37.000Z'],
      ['coseWithTimestamp.sig', '2024-06-18T06:27:16.000Z'],
    ])('C-59 returns the timestamp of %s', async (file, genTime) => {
      const ts = await verifyTimestampToken({ ...envelopeParts(file), tsaRoots: [r6] });
      expect(ts.genTime.toISOString()).toBe(genTime);
      expect(ts.accuracyMs).toBe(1000);
      expect(ts.chain[0]!.subject).toMatch(/Globalsign TSA for Advanced - G4 - 202311/);
      expect(ts.chain.at(-1)).toBe(r6);
    });

    it.each([
      ['jwsExpiredWithTimestamp.sig', '2024-06-18T07:21:42.000Z'],
      ['coseExpiredWithTimestamp.sig', '2024-06-18T07:21:12.000Z'],
    ])(
      'C-60 returns a timestamp inside the expired signer validity for %s',
      async (file, genTime) => {
        const ts = await verifyTimestampToken({ ...envelopeParts(file), tsaRoots: [r6] });
        expect(ts.genTime.toISOString()).toBe(genTime);
        const signer = new x509.X509Certificate(
          vectorText('certs/extracted/testTSA-2024-06-18-10min.crt'),
        );
        const range = timestampRange(ts);
        expect(range.notBefore >= signer.notBefore && range.notAfter <= signer.notAfter).toBe(true);
      },
    );

    it('C-62 returns a timestamp before the signer notBefore for timestampBeforeNotBefore.sig', async () => {
      const ts = await verifyTimestampToken({
        ...envelopeParts('timestampBeforeNotBefore.sig'),
        tsaRoots: [r6],
      });
      const signer = x5cLeaf('timestampBeforeNotBefore.sig');
      expect(timestampRange(ts).notBefore < signer.notBefore).toBe(true);
    });

    it('C-62 returns a timestamp after the signer notAfter for timestampAfterNotAfter.sig', async () => {
      const ts = await verifyTimestampToken({
        ...envelopeParts('timestampAfterNotAfter.sig'),
        tsaRoots: [r6],
      });
      const signer = new x509.X509Certificate(vectorText('certs/extracted/testTSA-2000-2001.crt'));
      expect(timestampRange(ts).notAfter > signer.notAfter).toBe(true);
    });

    it("throws TIMESTAMP_INVALID for another envelope's signature", async () => {
      const { token } = envelopeParts('jwsWithTimestamp.sig');
      const { signature } = envelopeParts('coseWithTimestamp.sig');
      const err = await failure(verifyTimestampToken({ token, signature, tsaRoots: [r6] }));
      expect(err.message).toMatch(/message imprint does not match/);
    });
  });

  describe('when the tsa store is test-mismatch (DigiCert Trusted Root G4)', () => {
    it.each(['jwsWithTimestamp.sig', 'coseWithTimestamp.sig'])(
      'C-64 throws TIMESTAMP_INVALID for %s',
      async (file) => {
        const err = await failure(
          verifyTimestampToken({ ...envelopeParts(file), tsaRoots: [digicertG4] }),
        );
        expect(err.message).toMatch(
          /does not chain to a certificate in the policy's tsa trust stores/,
        );
      },
    );
  });
});

describe('verifyTimestampToken on crafted tokens', () => {
  describe('when the TSA chain is valid at genTime', () => {
    it('returns genTime, zero accuracy and the chain leaf → intermediate → root', async () => {
      const pki = await tsaPki();
      const token = craftToken({ signer: pki.leaf, certs: [pki.intermediate], genTime: T0 });
      const ts = await verifyTimestampToken({
        token,
        signature: NOTATION,
        tsaRoots: [pki.root.cert],
      });
      expect(ts.genTime).toEqual(T0);
      expect(ts.accuracyMs).toBe(0);
      expect(ts.chain.map((c) => c.subject)).toEqual([
        'CN=Crafted TSA',
        'CN=Crafted TSA CA',
        'CN=Crafted TSA Root',
      ]);
    });

    it('returns 1000 ms accuracy under the baseline policy without accuracy', async () => {
      const pki = await tsaPki();
      const token = craftToken({
        signer: pki.leaf,
        certs: [pki.intermediate],
        genTime: T0,
        policy: OID.baselinePolicy,
      });
      const ts = await verifyTimestampToken({
        token,
        signature: NOTATION,
        tsaRoots: [pki.root.cert],
      });
      expect(ts.accuracyMs).toBe(1000);
    });

    it('returns the timestamp of an RSA TSA', async () => {
      const pki = await tsaPki({ leaf: { key: 'rsa-2048' } });
      const token = craftToken({ signer: pki.leaf, certs: [pki.intermediate], genTime: T0 });
      const ts = await verifyTimestampToken({
        token,
        signature: NOTATION,
        tsaRoots: [pki.root.cert],
      });
      expect(ts.chain).toHaveLength(3);
    });

    it('returns the timestamp although every TSA certificate has expired since (validity at genTime, not now)', async () => {
      const pki = await tsaPki({ leaf: { notAfter: new Date(T0.getTime() + DAY) } });
      const token = craftToken({ signer: pki.leaf, certs: [pki.intermediate], genTime: T0 });
      const ts = await verifyTimestampToken({
        token,
        signature: NOTATION,
        tsaRoots: [pki.root.cert],
      });
      expect(ts.chain[0]!.notAfter < new Date('2026-01-01')).toBe(true);
    });
  });

  describe('when a TSA certificate is not valid at genTime', () => {
    it('throws TIMESTAMP_INVALID for a TSA leaf issued after genTime', async () => {
      const pki = await tsaPki({ leaf: { notBefore: new Date(T0.getTime() + 1000) } });
      const token = craftToken({ signer: pki.leaf, certs: [pki.intermediate], genTime: T0 });
      const err = await failure(
        verifyTimestampToken({ token, signature: NOTATION, tsaRoots: [pki.root.cert] }),
      );
      expect(err.message).toMatch(/"CN=Crafted TSA" is not valid at the timestamp's genTime/);
    });

    it('throws TIMESTAMP_INVALID for an intermediate expired at genTime', async () => {
      const pki = await tsaPki({ intermediate: { notAfter: new Date(T0.getTime() - 1000) } });
      const token = craftToken({ signer: pki.leaf, certs: [pki.intermediate], genTime: T0 });
      const err = await failure(
        verifyTimestampToken({ token, signature: NOTATION, tsaRoots: [pki.root.cert] }),
      );
      expect(err.message).toMatch(/"CN=Crafted TSA CA" is not valid at the timestamp's genTime/);
    });
  });

  describe('when the TSA chain breaks a path-validation rule', () => {
    it('throws TIMESTAMP_INVALID when the intermediate is missing from the token', async () => {
      const pki = await tsaPki();
      const token = craftToken({ signer: pki.leaf, certs: [], genTime: T0 });
      const err = await failure(
        verifyTimestampToken({ token, signature: NOTATION, tsaRoots: [pki.root.cert] }),
      );
      expect(err.message).toMatch(/does not chain/);
    });

    it('throws TIMESTAMP_INVALID when the issuing certificate is not a CA', async () => {
      const root = await issue({ profile: 'root', subject: 'CN=Crafted TSA Root' });
      const notCa = await issue({ profile: 'timeStamping', subject: 'CN=Not A CA' }, root);
      const leaf = await issue({ profile: 'timeStamping', subject: 'CN=Crafted TSA' }, notCa);
      const token = craftToken({ signer: leaf, certs: [notCa], genTime: new Date() });
      const err = await failure(
        verifyTimestampToken({ token, signature: NOTATION, tsaRoots: [root.cert] }),
      );
      expect(err.message).toMatch(/"CN=Not A CA" is not a CA/);
    });

    it('throws TIMESTAMP_INVALID when the intermediate signed its certificate with SHA-1', async () => {
      // ECDSA: certs.ts can sign with SHA-1 only for EC issuers (RSA keys fix their hash).
      const pki = await tsaPki();
      const leaf = await issue(
        {
          profile: 'timeStamping',
          subject: 'CN=Crafted TSA',
          hash: 'SHA-1',
          notBefore: new Date(T0.getTime() - DAY),
        },
        pki.intermediate,
      );
      const token = craftToken({ signer: leaf, certs: [pki.intermediate], genTime: T0 });
      const err = await failure(
        verifyTimestampToken({ token, signature: NOTATION, tsaRoots: [pki.root.cert] }),
      );
      expect(err.message).toMatch(
        /signature of "CN=Crafted TSA" by "CN=Crafted TSA CA" does not verify/,
      );
    });

    it('throws TIMESTAMP_INVALID when the intermediate EKU excludes timeStamping', async () => {
      const pki = await tsaPki({
        intermediate: {
          extensions: [
            new x509.BasicConstraintsExtension(true, 0, true),
            new x509.KeyUsagesExtension(KU.keyCertSign, true),
            new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.3'], false),
          ],
        },
      });
      const token = craftToken({ signer: pki.leaf, certs: [pki.intermediate], genTime: T0 });
      const err = await failure(
        verifyTimestampToken({ token, signature: NOTATION, tsaRoots: [pki.root.cert] }),
      );
      expect(err.message).toMatch(/does not allow the timeStamping key usage/);
    });

    it('throws TIMESTAMP_INVALID for an unknown critical extension on the TSA leaf', async () => {
      const pki = await tsaPki({
        leaf: {
          extensions: [
            new x509.KeyUsagesExtension(KU.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.8'], true),
            new x509.Extension('1.2.3.4.5.6', true, new Uint8Array([5, 0])),
          ],
        },
      });
      const token = craftToken({ signer: pki.leaf, certs: [pki.intermediate], genTime: T0 });
      const err = await failure(
        verifyTimestampToken({ token, signature: NOTATION, tsaRoots: [pki.root.cert] }),
      );
      expect(err.message).toMatch(/unknown critical extension 1\.2\.3\.4\.5\.6/);
    });
  });

  describe('when the TSA leaf extended key usage is wrong', () => {
    const leafWith = (eku: x509.ExtendedKeyUsageExtension) =>
      tsaPki({
        leaf: { extensions: [new x509.KeyUsagesExtension(KU.digitalSignature, true), eku] },
      });

    it('throws TIMESTAMP_INVALID for a non-critical timeStamping EKU', async () => {
      const pki = await leafWith(new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.8'], false));
      const token = craftToken({ signer: pki.leaf, certs: [pki.intermediate], genTime: T0 });
      const err = await failure(
        verifyTimestampToken({ token, signature: NOTATION, tsaRoots: [pki.root.cert] }),
      );
      expect(err.message).toMatch(/critical extended key usage of exactly timeStamping/);
    });

    it('throws TIMESTAMP_INVALID for timeStamping plus codeSigning', async () => {
      const pki = await leafWith(
        new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.8', '1.3.6.1.5.5.7.3.3'], true),
      );
      const token = craftToken({ signer: pki.leaf, certs: [pki.intermediate], genTime: T0 });
      const err = await failure(
        verifyTimestampToken({ token, signature: NOTATION, tsaRoots: [pki.root.cert] }),
      );
      expect(err.message).toMatch(/critical extended key usage of exactly timeStamping/);
    });
  });

  describe('when the signed attributes are wrong', () => {
    it('C-66 throws TIMESTAMP_INVALID for a v1-only signing-certificate attribute', async () => {
      const pki = await tsaPki();
      const token = craftToken({
        signer: pki.leaf,
        certs: [pki.intermediate],
        genTime: T0,
        attributes: ([contentType, digestAttr, v2]) => {
          const ess = (v2!.valueBlock.value[1] as asn1js.Set).valueBlock.value[0]!;
          return [contentType!, digestAttr!, attribute('1.2.840.113549.1.9.16.2.12', ess)];
        },
      });
      const err = await failure(
        verifyTimestampToken({ token, signature: NOTATION, tsaRoots: [pki.root.cert] }),
      );
      expect(err.message).toMatch(/no signing-certificate-v2 attribute/);
    });

    it('throws TIMESTAMP_INVALID for a duplicated content-type attribute', async () => {
      const pki = await tsaPki();
      const token = craftToken({
        signer: pki.leaf,
        certs: [pki.intermediate],
        genTime: T0,
        attributes: (std) => [std[0]!, ...std],
      });
      const err = await failure(
        verifyTimestampToken({ token, signature: NOTATION, tsaRoots: [pki.root.cert] }),
      );
      expect(err.message).toMatch(/content-type attribute must have exactly one value/);
    });

    it('throws TIMESTAMP_INVALID for a message-digest over other content', async () => {
      const pki = await tsaPki();
      const token = craftToken({
        signer: pki.leaf,
        certs: [pki.intermediate],
        genTime: T0,
        attributes: ([contentType, , v2]) => [
          contentType!,
          attribute(OID.messageDigest, octets(sha256(NOTATION))),
          v2!,
        ],
      });
      const err = await failure(
        verifyTimestampToken({ token, signature: NOTATION, tsaRoots: [pki.root.cert] }),
      );
      expect(err.message).toMatch(/message-digest attribute does not match/);
    });

    it('throws TIMESTAMP_INVALID for a content-type attribute other than TSTInfo', async () => {
      const pki = await tsaPki();
      const token = craftToken({
        signer: pki.leaf,
        certs: [pki.intermediate],
        genTime: T0,
        attributes: ([, digestAttr, v2]) => [
          attribute(OID.contentType, oid('1.2.840.113549.1.7.1')),
          digestAttr!,
          v2!,
        ],
      });
      const err = await failure(
        verifyTimestampToken({ token, signature: NOTATION, tsaRoots: [pki.root.cert] }),
      );
      expect(err.message).toMatch(/content-type attribute is missing or not TSTInfo/);
    });

    it('throws TIMESTAMP_INVALID for a signing-time outside the TSA chain validity', async () => {
      const pki = await tsaPki();
      const late = new asn1js.UTCTime({ valueDate: new Date(T0.getTime() + 400 * DAY) });
      const token = craftToken({
        signer: pki.leaf,
        certs: [pki.intermediate],
        genTime: T0,
        attributes: (std) => [...std, attribute(OID.signingTime, late)],
      });
      const err = await failure(
        verifyTimestampToken({ token, signature: NOTATION, tsaRoots: [pki.root.cert] }),
      );
      expect(err.message).toMatch(/signing-time attribute is outside the TSA chain validity/);
    });

    it('returns the timestamp for a signing-time inside the TSA chain validity', async () => {
      const pki = await tsaPki();
      const token = craftToken({
        signer: pki.leaf,
        certs: [pki.intermediate],
        genTime: T0,
        attributes: (std) => [
          ...std,
          attribute(OID.signingTime, new asn1js.UTCTime({ valueDate: T0 })),
        ],
      });
      const ts = await verifyTimestampToken({
        token,
        signature: NOTATION,
        tsaRoots: [pki.root.cert],
      });
      expect(ts.genTime).toEqual(T0);
    });
  });
});

describe('timestampRange', () => {
  describe('when the timestamp has an accuracy', () => {
    it('returns [genTime − accuracy, genTime + accuracy]', () => {
      const range = timestampRange({ genTime: T0, accuracyMs: 1500, chain: [] });
      expect(range.notBefore.toISOString()).toBe('2024-06-18T06:29:35.500Z');
      expect(range.notAfter.toISOString()).toBe('2024-06-18T06:29:38.500Z');
    });
  });

  describe('when the accuracy is zero', () => {
    it('returns genTime for both bounds', () => {
      const range = timestampRange({ genTime: T0, accuracyMs: 0, chain: [] });
      expect(range).toEqual({ notBefore: T0, notAfter: T0 });
    });
  });
});

describe('verifyTimestampToken fuzzing', () => {
  const numRuns = Number(process.env['FUZZ_RUNS'] ?? 2_000);
  const valid = new Uint8Array(vector(`${TSP}/TimeStampToken.p7s`));

  async function onlyVerificationErrors(token: Uint8Array): Promise<void> {
    const outcome = await verifyTimestampToken({ token, signature: NOTATION, tsaRoots: [r3] }).then(
      () => 'verified',
      (err: unknown) => err,
    );
    // A mutation may leave the token valid (e.g. in an ignored field); anything else must be coded.
    if (outcome !== 'verified') expect(outcome).toBeInstanceOf(VerificationError);
  }

  describe('when the token is random bytes', () => {
    it('throws only VerificationError', async () => {
      await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), onlyVerificationErrors), {
        numRuns,
      });
    });
  });

  describe('when a valid token is mutated', () => {
    it('throws only VerificationError', async () => {
      const mutation = fc.record({
        at: fc.nat({ max: valid.length - 1 }),
        value: fc.integer({ min: 0, max: 255 }),
        cut: fc.option(fc.nat({ max: valid.length }), { nil: undefined }),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (mutations) => {
          let token = Uint8Array.from(valid);
          for (const m of mutations) {
            token[m.at % token.length] = m.value;
            if (m.cut !== undefined) token = token.slice(0, Math.max(1, m.cut));
          }
          await onlyVerificationErrors(token);
        }),
        { numRuns },
      );
    }, 120_000);
  });
});
