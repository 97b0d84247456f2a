// Crafted CRLs and OCSP responses, signed in-process with pkijs, for the revocation unit tests:
// the cases the openssl harness cannot make (invalidity dates, holds, deltas, bad signers).
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { Issued } from './certs.js';
import type { RevocationFetcher, RevocationRequest } from '../../src/verify/index.js';

const DAY = 24 * 3600_000;
const hashOf = (issuer: Issued): string => (issuer.keyAlg === 'ec-p384' ? 'SHA-384' : 'SHA-256');

export const OID = {
  reasonCode: '2.5.29.21',
  invalidityDate: '2.5.29.24',
  crlNumber: '2.5.29.20',
  deltaCrlIndicator: '2.5.29.27',
  freshestCrl: '2.5.29.46',
  issuingDistributionPoint: '2.5.29.28',
} as const;

export const REASON = { keyCompromise: 1, certificateHold: 6, removeFromCRL: 8 } as const;

export function extension(
  extnID: string,
  value: asn1js.AsnType,
  critical = false,
): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER() });
}

function pkiCert(issued: Issued): pkijs.Certificate {
  return pkijs.Certificate.fromBER(issued.der);
}

function serialOf(cert: Issued): asn1js.Integer {
  return pkiCert(cert).serialNumber;
}

export interface CrlEntrySpec {
  cert: Issued;
  reason?: number;
  invalidityDate?: Date;
  revocationDate?: Date;
  extensions?: pkijs.Extension[];
}

export interface CrlSpec {
  issuer: Issued;
  /** Signing key, when not the issuer's (a forged CRL). */
  signer?: Issued;
  entries?: CrlEntrySpec[];
  thisUpdate?: Date;
  /** null: no nextUpdate at all. */
  nextUpdate?: Date | null;
  number?: bigint;
  /** Makes it a delta CRL of the base with this number. */
  deltaOf?: bigint;
  freshestUrls?: string[];
  extensions?: pkijs.Extension[];
}

function entryOf(spec: CrlEntrySpec, thisUpdate: Date): pkijs.RevokedCertificate {
  const extensions = [...(spec.extensions ?? [])];
  if (spec.reason !== undefined) {
    extensions.push(extension(OID.reasonCode, new asn1js.Enumerated({ value: spec.reason })));
  }
  if (spec.invalidityDate) {
    extensions.push(
      extension(OID.invalidityDate, new asn1js.GeneralizedTime({ valueDate: spec.invalidityDate })),
    );
  }
  return new pkijs.RevokedCertificate({
    userCertificate: serialOf(spec.cert),
    revocationDate: new pkijs.Time({ type: 0, value: spec.revocationDate ?? thisUpdate }),
    ...(extensions.length > 0 && { crlEntryExtensions: new pkijs.Extensions({ extensions }) }),
  });
}

export function distributionPoints(urls: string[]): pkijs.CRLDistributionPoints {
  const names = urls.map((value) => new pkijs.GeneralName({ type: 6, value }));
  return new pkijs.CRLDistributionPoints({
    distributionPoints: [new pkijs.DistributionPoint({ distributionPoint: names })],
  });
}

function crlExtensions(spec: CrlSpec): pkijs.Extension[] {
  const extensions = [...(spec.extensions ?? [])];
  extensions.push(
    extension(OID.crlNumber, new asn1js.Integer({ value: Number(spec.number ?? 1n) })),
  );
  if (spec.deltaOf !== undefined) {
    const base = new asn1js.Integer({ value: Number(spec.deltaOf) });
    extensions.push(extension(OID.deltaCrlIndicator, base, true));
  }
  if (spec.freshestUrls) {
    extensions.push(extension(OID.freshestCrl, distributionPoints(spec.freshestUrls).toSchema()));
  }
  return extensions;
}

/** A DER CRL of `issuer`, valid from an hour ago for a week unless told otherwise. */
export async function craftCrl(spec: CrlSpec): Promise<Uint8Array> {
  const thisUpdate = spec.thisUpdate ?? new Date(Date.now() - 3600_000);
  const nextUpdate =
    spec.nextUpdate === undefined ? new Date(Date.now() + 7 * DAY) : spec.nextUpdate;
  const crl = new pkijs.CertificateRevocationList({
    version: 1,
    issuer: pkiCert(spec.issuer).subject,
    thisUpdate: new pkijs.Time({ type: 0, value: thisUpdate }),
    ...(nextUpdate && { nextUpdate: new pkijs.Time({ type: 0, value: nextUpdate }) }),
    crlExtensions: new pkijs.Extensions({ extensions: crlExtensions(spec) }),
  });
  const entries = (spec.entries ?? []).map((e) => entryOf(e, thisUpdate));
  if (entries.length > 0) crl.revokedCertificates = entries;
  const signer = spec.signer ?? spec.issuer;
  await crl.sign(signer.keys.privateKey, hashOf(signer));
  const schema = crl.toSchema(true) as asn1js.Sequence;
  return new Uint8Array(schema.toBER());
}

export interface OcspSpec {
  cert: Issued;
  issuer: Issued;
  /** The responder key; the issuer unless given. */
  signer?: Issued;
  /** Certificates embedded in the response (a delegated responder's). */
  certs?: Issued[];
  status: 'good' | 'revoked' | 'unknown';
  reason?: number;
  invalidityDate?: Date;
  thisUpdate?: Date;
  /** null: no nextUpdate at all. */
  nextUpdate?: Date | null;
}

const sha1 = (data: ArrayBuffer | Uint8Array): ArrayBuffer =>
  new Uint8Array(createHash('sha1').update(new Uint8Array(data)).digest()).buffer;

function certId(cert: Issued, issuer: Issued): pkijs.CertID {
  const ca = pkiCert(issuer);
  return new pkijs.CertID({
    hashAlgorithm: new pkijs.AlgorithmIdentifier({
      algorithmId: '1.3.14.3.2.26',
      algorithmParams: new asn1js.Null(),
    }),
    issuerNameHash: new asn1js.OctetString({ valueHex: sha1(ca.subject.toSchema().toBER()) }),
    issuerKeyHash: new asn1js.OctetString({
      valueHex: sha1(ca.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView),
    }),
    serialNumber: serialOf(cert),
  });
}

function certStatus(spec: OcspSpec): asn1js.BaseBlock {
  if (spec.status === 'good')
    return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 } });
  if (spec.status === 'unknown') {
    return new asn1js.Primitive({
      idBlock: { tagClass: 3, tagNumber: 2 },
      lenBlock: { length: 1 },
    });
  }
  const reason =
    spec.reason === undefined
      ? []
      : [
          new asn1js.Constructed({
            idBlock: { tagClass: 3, tagNumber: 0 },
            value: [new asn1js.Enumerated({ value: spec.reason })],
          }),
        ];
  return new asn1js.Constructed({
    idBlock: { tagClass: 3, tagNumber: 1 },
    value: [new asn1js.GeneralizedTime({ valueDate: new Date(Date.now() - DAY) }), ...reason],
  });
}

/** A DER OCSPResponse (successful, basic) about `cert`. */
export async function craftOcspResponse(spec: OcspSpec): Promise<Uint8Array> {
  const signer = spec.signer ?? spec.issuer;
  const nextUpdate = spec.nextUpdate === undefined ? new Date(Date.now() + DAY) : spec.nextUpdate;
  const single = new pkijs.SingleResponse({
    certID: certId(spec.cert, spec.issuer),
    certStatus: certStatus(spec),
    thisUpdate: spec.thisUpdate ?? new Date(Date.now() - 3600_000),
    ...(nextUpdate && { nextUpdate }),
    ...(spec.invalidityDate && {
      singleExtensions: [
        extension(
          OID.invalidityDate,
          new asn1js.GeneralizedTime({ valueDate: spec.invalidityDate }),
        ),
      ],
    }),
  });
  const basic = new pkijs.BasicOCSPResponse({
    tbsResponseData: new pkijs.ResponseData({
      responderID: pkiCert(signer).subject,
      producedAt: new Date(),
      responses: [single],
    }),
    ...(spec.certs && { certs: spec.certs.map(pkiCert) }),
  });
  await basic.sign(signer.keys.privateKey, hashOf(signer));
  const response = new pkijs.OCSPResponse({
    responseStatus: new asn1js.Enumerated({ value: 0 }),
    responseBytes: new pkijs.ResponseBytes({
      responseType: '1.3.6.1.5.5.7.48.1.1',
      response: new asn1js.OctetString({ valueHex: basic.toSchema().toBER() }),
    }),
  });
  return new Uint8Array(response.toSchema().toBER());
}

export type Route = Uint8Array | ((request: RevocationRequest) => Promise<Uint8Array> | Uint8Array);

/**
 * A fetcher serving fixed bodies by URL prefix (200), 404 for anything else; it records every
 * request. A route that throws makes the fetch reject (a network error).
 */
export function routeFetcher(routes: Record<string, Route>): RevocationFetcher & {
  requests: RevocationRequest[];
} {
  const requests: RevocationRequest[] = [];
  const fetcher = async (request: RevocationRequest) => {
    requests.push(request);
    const prefix = Object.keys(routes).find(
      (p) => request.url === p || request.url.startsWith(`${p}/`),
    );
    const route = prefix === undefined ? undefined : routes[prefix];
    if (route === undefined) return { status: 404, body: new Uint8Array() };
    const body = typeof route === 'function' ? await route(request) : route;
    return { status: 200, body };
  };
  return Object.assign(fetcher, { requests });
}
