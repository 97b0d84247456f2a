// The certificate profiles of the Notary Project signature specification ("Certificate
// Requirements"): what a code-signing or timestamping leaf and each CA above it must be, one
// certificate at a time, as notation-core-go checks them (x509/codesigning_cert_validations.go,
// timestamp_cert_validations.go). The order of the chain is walked in requirements.ts.
import type { FailureStage } from '../errors.js';
import {
  basicConstraints,
  CertificateProblem,
  extendedKeyUsage,
  keyUsage,
  isSelfSigned,
  keyProblem,
  signatureAlgorithmProblem,
} from './cert-facts.js';
import type { CertificateLike } from './certificate.js';
import type { ExtendedKeyUsage, KeyUsage } from './extensions.js';
import * as x509 from './peculiar.js';

const KU = x509.KeyUsageFlags;
/** Key usages a signing (or timestamping) leaf must not have. */
const LEAF_FORBIDDEN_KU: readonly [number, string][] = [
  [KU.keyEncipherment, 'keyEncipherment'],
  [KU.dataEncipherment, 'dataEncipherment'],
  [KU.keyAgreement, 'keyAgreement'],
  [KU.keyCertSign, 'keyCertSign'],
  [KU.cRLSign, 'cRLSign'],
  [KU.encipherOnly, 'encipherOnly'],
  [KU.decipherOnly, 'decipherOnly'],
];

const EKU_TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
/** The union of the spec's list and notation-core-go's (which adds OCSPSigning but omits anyEKU): D5. */
const CODE_SIGNING_FORBIDDEN_EKU = new Map([
  ['2.5.29.37.0', 'anyExtendedKeyUsage'],
  ['1.3.6.1.5.5.7.3.1', 'serverAuth'],
  ['1.3.6.1.5.5.7.3.2', 'clientAuth'],
  ['1.3.6.1.5.5.7.3.4', 'emailProtection'],
  [EKU_TIME_STAMPING, 'timeStamping'],
  ['1.3.6.1.5.5.7.3.9', 'OCSPSigning'],
]);

export interface Profile {
  label: string;
  stage: FailureStage;
  /** Code signing: MUST be critical; timestamping: SHOULD (notation-core-go does not require it). */
  keyUsageCritical: boolean;
  leafExtendedKeyUsage: (eku: ExtendedKeyUsage | undefined) => string | undefined;
}

export const CODE_SIGNING: Profile = {
  label: 'code signing',
  stage: 'integrity',
  keyUsageCritical: true,
  leafExtendedKeyUsage: (eku) => {
    const forbidden = (eku?.usages ?? []).map((u) => CODE_SIGNING_FORBIDDEN_EKU.get(String(u)));
    const names = forbidden.filter((n) => n !== undefined);
    return names.length > 0 ? `extended key usage must not contain ${names.join(', ')}` : undefined;
  },
};

export const TIMESTAMPING: Profile = {
  label: 'timestamping',
  // A TSA chain problem belongs to the authentic-timestamp validation, not to integrity.
  stage: 'authenticTimestamp',
  keyUsageCritical: false,
  leafExtendedKeyUsage: (eku) => {
    const only = eku?.usages.length === 1 && String(eku.usages[0]) === EKU_TIME_STAMPING;
    if (!eku || !only) return 'extended key usage must be present and be exactly timeStamping';
    return eku.critical ? undefined : 'extended key usage must be marked critical';
  },
};

function presentKeyUsage(cert: CertificateLike, profile: Profile): KeyUsage {
  const ku = keyUsage(cert);
  if (!ku) throw new CertificateProblem('key usage extension must be present');
  if (profile.keyUsageCritical && !ku.critical)
    throw new CertificateProblem('key usage extension must be marked critical');
  return ku;
}

function checkLeaf(cert: CertificateLike, profile: Profile): void {
  if (basicConstraints(cert)?.ca)
    throw new CertificateProblem('basic constraints must not have cA=true');
  const ku = presentKeyUsage(cert, profile);
  if (!(ku.usages & KU.digitalSignature))
    throw new CertificateProblem('key usage must have digitalSignature');
  const forbidden = LEAF_FORBIDDEN_KU.filter(([bit]) => ku.usages & bit).map(([, name]) => name);
  if (forbidden.length > 0)
    throw new CertificateProblem(`key usage must not have ${forbidden.join(', ')}`);
  const ekuProblem = profile.leafExtendedKeyUsage(extendedKeyUsage(cert));
  if (ekuProblem) throw new CertificateProblem(ekuProblem);
  const weakKey = keyProblem(cert, 'leaf');
  if (weakKey) throw new CertificateProblem(weakKey);
}

/** `casBelow`: CA certificates between this one and the leaf (what pathLenConstraint limits). */
function checkCA(cert: CertificateLike, profile: Profile, casBelow: number): void {
  const bc = basicConstraints(cert);
  if (!bc?.ca || !bc.critical)
    throw new CertificateProblem('basic constraints must be present, critical and have cA=true');
  if (bc.pathLength !== undefined && bc.pathLength < casBelow)
    throw new CertificateProblem(
      `path length constraint ${bc.pathLength} allows fewer than ${casBelow} CAs below it`,
    );
  if (!(presentKeyUsage(cert, profile).usages & KU.keyCertSign))
    throw new CertificateProblem('key usage must have keyCertSign');
  const weakKey = keyProblem(cert, 'ca');
  if (weakKey) throw new CertificateProblem(weakKey);
}

/** Where a certificate sits: index `i` of a chain of `length`. */
export interface Place {
  i: number;
  length: number;
}

/** The rules one certificate meets on its own: algorithm, place of self-signing, profile. */
export function checkCertificate(cert: CertificateLike, place: Place, profile: Profile): void {
  const algorithm = signatureAlgorithmProblem(cert);
  if (algorithm) throw new CertificateProblem(algorithm);
  const last = place.i === place.length - 1;
  if (last && !isSelfSigned(cert))
    throw new CertificateProblem('the chain must end with a self-signed root');
  if (!last && isSelfSigned(cert))
    throw new CertificateProblem('only the last certificate of the chain may be self-signed');
  if (place.i === 0) checkLeaf(cert, profile);
  else checkCA(cert, profile, place.i - 1);
}
