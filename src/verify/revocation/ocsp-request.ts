// The OCSP request for one certificate (RFC 6960 §4.1), as notation-core-go builds it: one
// CertID hashed with SHA-1 (what every public responder answers), no nonce, unsigned.
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { RevocationRequest } from './fetcher.js';

const SHA1 = '1.3.14.3.2.26';
/** RFC 6960 appendix A.1 allows GET for short requests; notation-core-go's threshold. */
const MAX_GET_LENGTH = 255;

export function sha1(data: Uint8Array): Buffer {
  return createHash('sha1').update(data).digest();
}

export interface OcspRequestInfo {
  certId: pkijs.CertID;
  issuer: pkijs.Certificate;
  der: Uint8Array;
}

export function buildOcspRequest(
  cert: pkijs.Certificate,
  issuer: pkijs.Certificate,
): OcspRequestInfo {
  const certId = new pkijs.CertID({
    hashAlgorithm: new pkijs.AlgorithmIdentifier({
      algorithmId: SHA1,
      algorithmParams: new asn1js.Null(),
    }),
    issuerNameHash: new asn1js.OctetString({
      valueHex: sha1(new Uint8Array(issuer.subject.toSchema().toBER())),
    }),
    issuerKeyHash: new asn1js.OctetString({
      valueHex: sha1(issuer.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView),
    }),
    serialNumber: cert.serialNumber,
  });
  const request = new pkijs.OCSPRequest({
    tbsRequest: new pkijs.TBSRequest({ requestList: [new pkijs.Request({ reqCert: certId })] }),
  });
  return { certId, issuer, der: new Uint8Array(request.toSchema(true).toBER()) };
}

/** GET `<url>/<url-escaped base64>` when that stays under 255 characters, else POST. */
export function ocspHttpRequest(
  url: string,
  der: Uint8Array,
  timeoutMs: number,
): RevocationRequest {
  const escaped = encodeURIComponent(Buffer.from(der).toString('base64'));
  if (escaped.length < MAX_GET_LENGTH) {
    const target = new URL(url);
    target.pathname = `${target.pathname.replace(/\/+$/, '')}/${escaped}`;
    return { url: target.toString(), method: 'GET', timeoutMs };
  }
  return { url, method: 'POST', body: der, contentType: 'application/ocsp-request', timeoutMs };
}
