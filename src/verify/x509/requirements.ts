// Certificate requirements of the Notary Project signature specification ("Certificate
// Requirements"), checked with explicit rules as notation-core-go does
// (x509/codesigning_cert_validations.go, timestamp_cert_validations.go). Deliberately not a
// generic RFC 5280 path validator: that would judge validity periods (a timestamp may rescue an
// expired chain) and evaluate extensions the spec says to ignore.
import { VerificationError, type FailureStage } from '../errors.js';
import {
  basicConstraints,
  CertificateProblem,
  extendedKeyUsage,
  keyUsage,
  isSelfSigned,
  issuedBy,
  keyProblem,
  signatureAlgorithmProblem,
} from './cert-facts.js';
import { chainKey, Lru } from './memo.js';
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

interface Profile {
  label: string;
  stage: FailureStage;
  /** Code signing: MUST be critical; timestamping: SHOULD (notation-core-go does not require it). */
  keyUsageCritical: boolean;
  leafExtendedKeyUsage: (eku: x509.ExtendedKeyUsageExtension | undefined) => string | undefined;
}

const CODE_SIGNING: Profile = {
  label: 'code signing',
  stage: 'integrity',
  keyUsageCritical: true,
  leafExtendedKeyUsage: (eku) => {
    const forbidden = (eku?.usages ?? []).map((u) => CODE_SIGNING_FORBIDDEN_EKU.get(String(u)));
    const names = forbidden.filter((n) => n !== undefined);
    return names.length > 0 ? `extended key usage must not contain ${names.join(', ')}` : undefined;
  },
};

const TIMESTAMPING: Profile = {
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

function presentKeyUsage(cert: x509.X509Certificate, profile: Profile): x509.KeyUsagesExtension {
  const ku = keyUsage(cert);
  if (!ku) throw new CertificateProblem('key usage extension must be present');
  if (profile.keyUsageCritical && !ku.critical)
    throw new CertificateProblem('key usage extension must be marked critical');
  return ku;
}

function checkLeaf(cert: x509.X509Certificate, profile: Profile): void {
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
function checkCA(cert: x509.X509Certificate, profile: Profile, casBelow: number): void {
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

/** Order and issuance: leaf → intermediates → self-signed root, each signed by the next. */
function checkLink(chain: x509.X509Certificate[], i: number): void {
  const cert = chain[i]!;
  const algorithm = signatureAlgorithmProblem(cert);
  if (algorithm) throw new CertificateProblem(algorithm);
  const next = chain[i + 1];
  if (!next) {
    if (!isSelfSigned(cert))
      throw new CertificateProblem('the chain must end with a self-signed root');
    return;
  }
  if (isSelfSigned(cert))
    throw new CertificateProblem('only the last certificate of the chain may be self-signed');
  if (!issuedBy(cert, next))
    throw new CertificateProblem(
      `is not issued by the next certificate in the chain ("${next.subject}")`,
    );
}

function role(chain: x509.X509Certificate[], i: number): string {
  if (chain.length === 1) return 'self-signed leaf';
  return i === 0 ? 'leaf' : i === chain.length - 1 ? 'root' : 'intermediate';
}

function checkChain(chain: x509.X509Certificate[], profile: Profile): void {
  if (chain.length === 0)
    throw new VerificationError(
      'CERT_REQUIREMENTS_UNMET',
      profile.stage,
      `the ${profile.label} certificate chain is empty`,
    );
  chain.forEach((cert, i) => {
    try {
      checkLink(chain, i);
      if (i === 0) checkLeaf(cert, profile);
      else checkCA(cert, profile, i - 1);
    } catch (err) {
      const why = err instanceof CertificateProblem ? err.message : 'could not be parsed';
      const what = `${profile.label} certificate chain: ${role(chain, i)} certificate "${cert.subject}"`;
      throw new VerificationError('CERT_REQUIREMENTS_UNMET', profile.stage, `${what}: ${why}`, {
        cause: err,
      });
    }
  });
}

/** Verdicts per profile and exact chain (null: passed). The rules ignore time, so a verdict never goes stale. */
const verdicts = new Lru<VerificationError | null>(4096);

function validateChain(chain: x509.X509Certificate[], profile: Profile): void {
  const key = `${profile.label}/${chainKey(chain)}`;
  const known = verdicts.get(key);
  if (known === null) return;
  if (known) throw known;
  try {
    checkChain(chain, profile);
  } catch (err) {
    if (err instanceof VerificationError) verdicts.set(key, err);
    throw err;
  }
  verdicts.set(key, null);
}

/**
 * Checks the envelope's chain (leaf first) against the code-signing certificate requirements.
 * Validity periods are not checked here (that is the authentic-timestamp step's job).
 * @throws VerificationError CERT_REQUIREMENTS_UNMET (stage integrity)
 */
export function validateCodeSigningChain(chain: x509.X509Certificate[]): Promise<void> {
  return new Promise((resolve) => {
    validateChain(chain, CODE_SIGNING);
    resolve();
  });
}

/**
 * Checks an ordered TSA chain (TSA certificate first, root last) against the timestamping
 * certificate requirements: same issuance rules; leaf EKU exactly timeStamping and critical.
 * @throws VerificationError CERT_REQUIREMENTS_UNMET (stage authenticTimestamp)
 */
export function validateTimestampingChain(chain: x509.X509Certificate[]): Promise<void> {
  return new Promise((resolve) => {
    validateChain(chain, TIMESTAMPING);
    resolve();
  });
}
