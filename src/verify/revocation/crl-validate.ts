// Whether a CRL may be used for a certificate (notation-core-go internal/crl validate, plus the
// RFC 5280 §5.2 checks it leaves out: issuer name, scope, base/delta kind).
import * as pkijs from 'pkijs';
import { RevocationCheckError } from './fetcher.js';
import { EXT, find, integerExtension, rejectUnknownCritical } from './extensions.js';
import { verifiedBy } from './signature.js';

const KEY_USAGE = '2.5.29.15';
const BASIC_CONSTRAINTS = '2.5.29.19';
const CRL_SIGN = 0x02; // bit 6 of the first KeyUsage byte

export type CrlKind = 'base' | 'delta';

export function parseCrl(der: Uint8Array): pkijs.CertificateRevocationList {
  try {
    return pkijs.CertificateRevocationList.fromBER(der);
  } catch {
    throw new RevocationCheckError('the CRL is malformed');
  }
}

function mayIssueCrls(issuer: pkijs.Certificate): boolean {
  const ku = find(issuer.extensions, KEY_USAGE)?.parsedValue as unknown;
  if (ku === undefined) return true;
  const bits = (ku as { valueBlock?: { valueHexView?: Uint8Array } }).valueBlock?.valueHexView;
  return bits !== undefined && ((bits[0] ?? 0) & CRL_SIGN) !== 0;
}

function isCa(cert: pkijs.Certificate): boolean {
  const bc = find(cert.extensions, BASIC_CONSTRAINTS)?.parsedValue as unknown;
  return bc instanceof pkijs.BasicConstraints && bc.cA;
}

/** A CRL whose scope may leave the certificate out cannot vouch for it: refused, not guessed. */
function checkScope(crl: pkijs.CertificateRevocationList, cert: pkijs.Certificate): void {
  const ext = find(crl.crlExtensions?.extensions, EXT.issuingDistributionPoint);
  if (!ext) return;
  const idp = ext.parsedValue as unknown;
  if (!(idp instanceof pkijs.IssuingDistributionPoint)) {
    throw new RevocationCheckError('the CRL issuing distribution point is malformed');
  }
  const ca = isCa(cert);
  if (
    idp.indirectCRL ||
    idp.onlySomeReasons !== undefined ||
    idp.onlyContainsAttributeCerts ||
    (idp.onlyContainsUserCerts && ca) ||
    (idp.onlyContainsCACerts && !ca)
  ) {
    throw new RevocationCheckError('the CRL does not cover this kind of certificate');
  }
}

function checkSignature(crl: pkijs.CertificateRevocationList, issuer: pkijs.Certificate): void {
  if (!crl.issuer.isEqual(issuer.subject)) {
    throw new RevocationCheckError("the CRL was not issued by the certificate's issuer");
  }
  if (!mayIssueCrls(issuer)) {
    throw new RevocationCheckError("the certificate's issuer may not sign CRLs (no cRLSign)");
  }
  const signed = {
    tbs: crl.tbsView,
    algorithm: crl.signatureAlgorithm,
    signature: crl.signatureValue,
  };
  if (
    crl.signature.algorithmId !== crl.signatureAlgorithm.algorithmId ||
    !verifiedBy(signed, issuer)
  ) {
    throw new RevocationCheckError("the CRL signature does not verify with the issuer's key");
  }
}

export interface CrlCheck {
  cert: pkijs.Certificate;
  issuer: pkijs.Certificate;
  now: Date;
  kind: CrlKind;
}

/** Throws unless the CRL is a valid, current CRL of `kind` from the issuer, covering the cert. */
export function validateCrl(crl: pkijs.CertificateRevocationList, check: CrlCheck): void {
  const extensions = crl.crlExtensions?.extensions;
  const isDelta = find(extensions, EXT.deltaCrlIndicator) !== undefined;
  if (isDelta !== (check.kind === 'delta')) {
    throw new RevocationCheckError(
      isDelta ? 'a delta CRL was served as a base CRL' : 'the delta CRL is not a delta CRL',
    );
  }
  const known = [EXT.issuingDistributionPoint, ...(isDelta ? [EXT.deltaCrlIndicator] : [])];
  rejectUnknownCritical(extensions, known, 'the CRL');
  checkSignature(crl, check.issuer);
  if (!crl.nextUpdate) throw new RevocationCheckError('the CRL has no nextUpdate');
  if (check.now > crl.nextUpdate.value) {
    throw new RevocationCheckError(`the CRL expired at ${crl.nextUpdate.value.toISOString()}`);
  }
  checkScope(crl, check.cert);
}

/** RFC 5280 §5.2.4: the delta must be newer than the base and build on it. */
export function checkDeltaOf(
  base: pkijs.CertificateRevocationList,
  delta: pkijs.CertificateRevocationList,
): void {
  const baseNumber = integerExtension(base.crlExtensions?.extensions, EXT.crlNumber);
  const deltaNumber = integerExtension(delta.crlExtensions?.extensions, EXT.crlNumber);
  const builtOn = integerExtension(delta.crlExtensions?.extensions, EXT.deltaCrlIndicator);
  if (baseNumber === undefined || deltaNumber === undefined || builtOn === undefined) {
    throw new RevocationCheckError('the base or delta CRL has no CRL number');
  }
  if (deltaNumber <= baseNumber || builtOn > baseNumber) {
    throw new RevocationCheckError(
      `the delta CRL (number ${deltaNumber}, base ${builtOn}) does not apply to base CRL ${baseNumber}`,
    );
  }
}
