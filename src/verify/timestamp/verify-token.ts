// Verification of an RFC 3161 TimeStampToken with tspclient-go's rules (spec digest §3.7, items
// 2–6): TSTInfo and imprint, the signer named by signing-certificate-v2, the CMS signature and
// signed attributes, and the TSA chain to the policy's tsa roots at genTime.
import * as asn1js from 'asn1js';
import { constants, createHash, verify, X509Certificate as NodeCertificate } from 'node:crypto';
import { VerificationError } from '../errors.js';
import type { CertificateLike } from '../x509/certificate.js';
import * as x509 from '../x509/peculiar.js';
import { buildTsaChains } from './tsa-chain.js';
import {
  OID,
  equalBytes,
  malformed as invalid,
  parseSigningCertificateV2,
  parseTimestampToken,
  parseTstInfo,
  type TokenCertificate,
  type TokenSignerInfo,
  type TstInfo,
} from './token.js';

/** A timestamp whose token verified; only then may genTime be relied on. */
export interface VerifiedTimestamp {
  genTime: Date;
  /** accuracy in ms (0 when absent, 1000 for the baseline policy OID 0.4.0.2023.1.1 without accuracy) */
  accuracyMs: number;
  /** TSA chain, leaf first, as validated */
  chain: x509.X509Certificate[];
}

const TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
const EKU = '2.5.29.37';

/** SHA-1 and MD5 are absent on purpose: tspclient-go accepts only these (`oid.ToHash`). */
const HASHES: Readonly<Record<string, 'sha256' | 'sha384' | 'sha512'>> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

function digest(algorithm: string, data: Uint8Array): Uint8Array {
  return createHash(algorithm).update(data).digest();
}

function checkTstInfo(info: TstInfo, signature: Uint8Array): void {
  if (info.version !== 1) throw invalid(`the TSTInfo version is ${info.version}, not 1`);
  const hash = HASHES[info.imprintAlgorithm];
  if (!hash) {
    throw invalid(
      `the timestamp's message imprint uses an unsupported hash (${info.imprintAlgorithm}); ` +
        'SHA-256, SHA-384 or SHA-512 is required',
    );
  }
  if (!equalBytes(info.imprint, digest(hash, signature))) {
    throw invalid("the timestamp's message imprint does not match the envelope's signature");
  }
}

/** The single value of an attribute that may appear at most once (RFC 5652 §11). */
function attribute(info: TokenSignerInfo, type: string, name: string): asn1js.AsnType | undefined {
  const found = info.signedAttrs.filter((a) => a.type === type);
  if (found.length === 0) return undefined;
  if (found.length > 1 || found[0]!.values.length !== 1) {
    throw invalid(`the timestamp token's ${name} attribute must have exactly one value`);
  }
  return found[0]!.values[0];
}

/** RFC 3161 §2.4.1 / RFC 5035: the TSA certificate is the one signing-certificate-v2 names. */
function signingCertificate(
  certificates: TokenCertificate[],
  info: TokenSignerInfo,
): TokenCertificate {
  const value = attribute(info, OID.signingCertificateV2, 'signing-certificate-v2');
  if (!value) {
    throw invalid('the timestamp token has no signing-certificate-v2 attribute naming its signer');
  }
  const id = parseSigningCertificateV2(value);
  const ref = id.issuerSerial ?? info.sid;
  const cert =
    ref && certificates.find((c) => equalBytes(c.issuer, ref.issuer) && c.serial === ref.serial);
  if (!cert) throw invalid("the timestamp token does not carry the TSA's signing certificate");
  // The unsigned sid must name the same certificate (RFC 5652 §5.3); tspclient-go ignores it.
  if (info.sid && !(equalBytes(cert.issuer, info.sid.issuer) && cert.serial === info.sid.serial)) {
    throw invalid(
      "the timestamp signerInfo's sid does not name the signing-certificate-v2 certificate",
    );
  }
  const hash = HASHES[id.hashAlgorithm];
  if (!hash) {
    throw invalid(`the signing-certificate-v2 hash (${id.hashAlgorithm}) is not supported`);
  }
  if (!equalBytes(digest(hash, cert.der), id.certHash)) {
    throw invalid('the TSA certificate does not match the hash in signing-certificate-v2');
  }
  return cert;
}

/** tspclient-go `oid.ToSignatureAlgorithm`: signature algorithms that carry their own hash. */
const SIGNATURE_HASH: Readonly<Record<string, { hash: string; key: string }>> = {
  '1.2.840.113549.1.1.11': { hash: 'sha256', key: 'rsa' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', key: 'rsa' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', key: 'rsa' },
  '1.2.840.10045.4.3.2': { hash: 'sha256', key: 'ec' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', key: 'ec' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', key: 'ec' },
};
const RSA = '1.2.840.113549.1.1.1';
const RSA_PSS = '1.2.840.113549.1.1.10';

/** The CMS signature over the DER signed attributes (RFC 5652 §5.4), with the signer's key. */
function checkSignature(info: TokenSignerInfo, signer: TokenCertificate): void {
  const key = new NodeCertificate(signer.der).publicKey;
  const data = info.signedAttrsDer!;
  const digestHash = HASHES[info.digestAlgorithm];
  const keyType = key.asymmetricKeyType ?? '';
  let valid = false;
  if (info.signatureAlgorithm === RSA && digestHash && keyType === 'rsa') {
    valid = verify(digestHash, data, key, info.signature);
  } else if (info.signatureAlgorithm === RSA_PSS && digestHash && keyType.startsWith('rsa')) {
    // Go's CheckSignature: MGF1 and salt length both follow the digest algorithm.
    const saltLength = createHash(digestHash).digest().length;
    const pss = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength };
    valid = verify(digestHash, data, pss, info.signature);
  } else {
    const alg = SIGNATURE_HASH[info.signatureAlgorithm];
    if (!alg || alg.key !== keyType) {
      throw invalid(
        `the timestamp signature algorithm (${info.signatureAlgorithm}) is not supported`,
      );
    }
    valid = verify(alg.hash, data, key, info.signature);
  }
  if (!valid)
    throw invalid("the timestamp token's signature does not verify with the TSA certificate");
}

/** Content-type and message-digest attributes (RFC 5652 §5.6). */
function checkSignedAttributes(info: TokenSignerInfo, content: Uint8Array): void {
  const contentType = attribute(info, OID.contentType, 'content-type');
  if (
    !(contentType instanceof asn1js.ObjectIdentifier) ||
    contentType.valueBlock.toString() !== OID.tstInfo
  ) {
    throw invalid("the timestamp token's content-type attribute is missing or not TSTInfo");
  }
  const messageDigest = attribute(info, OID.messageDigest, 'message-digest');
  const hash = HASHES[info.digestAlgorithm];
  if (!hash)
    throw invalid(`the timestamp digest algorithm (${info.digestAlgorithm}) is not supported`);
  if (
    !(messageDigest instanceof asn1js.OctetString) ||
    !equalBytes(messageDigest.valueBlock.valueHexView, digest(hash, content))
  ) {
    throw invalid("the timestamp token's message-digest attribute does not match its TSTInfo");
  }
}

/** The optional signing-time attribute, which tspclient-go checks against the chain. */
function signingTime(info: TokenSignerInfo): Date | undefined {
  const value = attribute(info, OID.signingTime, 'signing-time');
  if (value === undefined) return undefined;
  if (!(value instanceof asn1js.UTCTime)) throw invalid('the signing-time attribute is malformed');
  const at = value.toDate();
  if (Number.isNaN(at.getTime())) throw invalid('the signing-time attribute is malformed');
  return at;
}

function withinValidity(chain: TokenCertificate[], at: Date): boolean {
  return chain.every(({ cert }) => at >= cert.notBefore && at <= cert.notAfter);
}

/** RFC 3161 §2.3: the TSA certificate has exactly one EKU, timeStamping, marked critical. */
function checkSignerUsage(signer: TokenCertificate): void {
  const found = signer.cert.extensions.filter((e) => e.type === EKU);
  const eku = found[0] ? new x509.ExtendedKeyUsageExtension(found[0].rawData) : undefined;
  if (
    found.length !== 1 ||
    !eku?.critical ||
    eku.usages.length !== 1 ||
    eku.usages[0] !== TIME_STAMPING
  ) {
    throw invalid(
      `the TSA certificate "${signer.cert.subject}" must have a critical extended key usage of ` +
        'exactly timeStamping',
    );
  }
}

function verifyToken(options: {
  token: Uint8Array;
  signature: Uint8Array;
  tsaRoots: readonly CertificateLike[];
}): VerifiedTimestamp {
  const token = parseTimestampToken(options.token);
  if (token.contentType !== OID.tstInfo) {
    throw invalid(`the timestamp token's content type is ${token.contentType}, not TSTInfo`);
  }
  if (!token.content) throw invalid('the timestamp token has no TSTInfo content');
  const tstInfo = parseTstInfo(token.content);
  checkTstInfo(tstInfo, options.signature);
  if (token.signerInfos.length !== 1) {
    throw invalid(`the timestamp token has ${token.signerInfos.length} signerInfos, not exactly 1`);
  }
  const info = token.signerInfos[0]!;
  const signer = signingCertificate(token.certificates, info);
  if (info.version !== 1)
    throw invalid(`the timestamp signerInfo version is ${info.version}, not 1`);
  if (!info.signedAttrsDer) throw invalid('the timestamp signerInfo has no signed attributes');
  checkSignature(info, signer);
  checkSignedAttributes(info, token.content);
  const chains = buildTsaChains({
    signer,
    intermediates: token.certificates,
    roots: options.tsaRoots,
    at: tstInfo.genTime,
  });
  const at = signingTime(info);
  const chain = chains.find((c) => at === undefined || withinValidity(c, at));
  if (!chain)
    throw invalid('the timestamp signing-time attribute is outside the TSA chain validity');
  checkSignerUsage(signer);
  return {
    genTime: tstInfo.genTime,
    accuracyMs: tstInfo.accuracyMs,
    chain: chain.map((c) => c.cert),
  };
}

/** Verifies a TimeStampToken over the envelope's primitive signature bytes, with the policy's tsa stores as the only roots; failures throw VerificationError('TIMESTAMP_INVALID', 'authenticTimestamp', …). */
export function verifyTimestampToken(options: {
  token: Uint8Array;
  signature: Uint8Array;
  tsaRoots: readonly CertificateLike[];
}): Promise<VerifiedTimestamp> {
  try {
    return Promise.resolve(verifyToken(options));
  } catch (err) {
    if (err instanceof VerificationError) return Promise.reject(err);
    // Hostile bytes may trip a parser anywhere; whatever it was, the token is not trusted.
    return Promise.reject(
      new VerificationError(
        'TIMESTAMP_INVALID',
        'authenticTimestamp',
        'the timestamp token cannot be verified: it is malformed',
        { cause: err },
      ),
    );
  }
}

/** The interval the timestamp asserts: [genTime − accuracy, genTime + accuracy]. */
export function timestampRange(ts: VerifiedTimestamp): { notBefore: Date; notAfter: Date } {
  const at = ts.genTime.getTime();
  return { notBefore: new Date(at - ts.accuracyMs), notAfter: new Date(at + ts.accuracyMs) };
}
