// Validation of an OCSP response for one certificate (RFC 6960 §3.2, §4.2): what
// x/crypto/ocsp ParseResponseForCert and notation-core-go check, plus an exact CertID match.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { RevocationCheckError } from './fetcher.js';
import { certificateSignedData, verifiedBy } from './signature.js';
import { sha1, type OcspRequestInfo } from './ocsp-request.js';
import { invalidityDate } from './extensions.js';

const BASIC = '1.3.6.1.5.5.7.48.1.1';
const OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';
const EXT_KEY_USAGE = '2.5.29.37';

export interface OcspAnswer {
  status: 'good' | 'revoked' | 'unknown';
  nextUpdate: Date;
  /** The invalidity date singleExtension of a revoked answer, if any. */
  invalidityDate?: Date;
}

function basicResponse(body: Uint8Array): pkijs.BasicOCSPResponse {
  let response: pkijs.OCSPResponse;
  try {
    response = pkijs.OCSPResponse.fromBER(body);
  } catch {
    throw new RevocationCheckError('the OCSP response is malformed');
  }
  const status = response.responseStatus.valueBlock.valueDec;
  if (status !== 0) throw new RevocationCheckError(`the OCSP responder refused (status ${status})`);
  const bytes = response.responseBytes;
  if (bytes?.responseType !== BASIC) {
    throw new RevocationCheckError('the OCSP response is not a basic OCSP response');
  }
  try {
    return pkijs.BasicOCSPResponse.fromBER(bytes.response.valueBlock.valueHexView);
  } catch {
    throw new RevocationCheckError('the basic OCSP response is malformed');
  }
}

/** Whether the response's ResponderID names `cert` (by subject or by SHA-1 of its key). */
function namesResponder(responderID: unknown, cert: pkijs.Certificate): boolean {
  if (responderID instanceof pkijs.RelativeDistinguishedNames) {
    return responderID.isEqual(cert.subject);
  }
  if (responderID instanceof asn1js.OctetString) {
    const keyHash = sha1(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView);
    return Buffer.from(responderID.valueBlock.valueHexView).equals(keyHash);
  }
  return false;
}

function isOcspSigner(cert: pkijs.Certificate): boolean {
  const eku = cert.extensions?.find((e) => e.extnID === EXT_KEY_USAGE)?.parsedValue as unknown;
  return eku instanceof pkijs.ExtKeyUsage && eku.keyPurposes.includes(OCSP_SIGNING);
}

/** A delegated responder: issued by the CA itself, for OCSP signing, valid now (RFC 6960 §4.2.2.2). */
function isDelegatedBy(cert: pkijs.Certificate, issuer: pkijs.Certificate, now: Date): boolean {
  return (
    cert.issuer.isEqual(issuer.subject) &&
    verifiedBy(certificateSignedData(cert), issuer) &&
    isOcspSigner(cert) &&
    cert.notBefore.value <= now &&
    now <= cert.notAfter.value
  );
}

function checkSignature(basic: pkijs.BasicOCSPResponse, req: OcspRequestInfo, now: Date): void {
  const signed = {
    tbs: basic.tbsResponseData.tbsView,
    algorithm: basic.signatureAlgorithm,
    signature: basic.signature,
  };
  const responderID: unknown = basic.tbsResponseData.responderID;
  if (namesResponder(responderID, req.issuer) && verifiedBy(signed, req.issuer)) return;
  for (const cert of basic.certs ?? []) {
    if (!namesResponder(responderID, cert)) continue;
    if (isDelegatedBy(cert, req.issuer, now) && verifiedBy(signed, cert)) return;
  }
  throw new RevocationCheckError(
    "the OCSP response is not signed by the certificate's issuer or a responder it authorised",
  );
}

function certStatus(single: pkijs.SingleResponse): OcspAnswer['status'] {
  const tag = (single.certStatus as asn1js.BaseBlock).idBlock.tagNumber;
  if (tag === 0) return 'good';
  if (tag === 1) return 'revoked';
  return 'unknown';
}

/** A malformed invalidity date is ignored: the answer stays "revoked" (notation-core-go). */
function revokedSince(single: pkijs.SingleResponse): Date | undefined {
  try {
    return invalidityDate(single.singleExtensions);
  } catch {
    return undefined;
  }
}

/**
 * Parses and verifies an OCSP response for the request's certificate at `now`.
 * Throws RevocationCheckError when it cannot be trusted or has expired.
 */
export function validateOcspResponse(
  body: Uint8Array,
  req: OcspRequestInfo,
  now: Date,
): OcspAnswer {
  const basic = basicResponse(body);
  checkSignature(basic, req, now);
  const single = basic.tbsResponseData.responses.find((r) => r.certID.isEqual(req.certId));
  if (!single) throw new RevocationCheckError('the OCSP response does not cover the certificate');
  if (!single.nextUpdate) {
    throw new RevocationCheckError('the OCSP response has no nextUpdate');
  }
  if (now > single.nextUpdate) {
    throw new RevocationCheckError(
      `the OCSP response expired at ${single.nextUpdate.toISOString()}`,
    );
  }
  const status = certStatus(single);
  const invalidity = status === 'revoked' ? revokedSince(single) : undefined;
  return {
    status,
    nextUpdate: single.nextUpdate,
    ...(invalidity && { invalidityDate: invalidity }),
  };
}
