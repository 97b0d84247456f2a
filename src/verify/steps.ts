// The per-signature validations after integrity, in the spec's order
// (trust-store-trust-policy.md, "Signature Verification → Steps"). Each returns the failure it
// found, or undefined; whether a failure is enforced or logged is decided by the caller, once.
import { VerificationError, type ValidationType } from './errors.js';
import {
  checkRevocation,
  type CrlBundle,
  type RevocationCache,
  type RevocationFetcher,
  type RevocationResult,
} from './revocation/index.js';
import { timestampRange, verifyTimestampToken } from './timestamp/index.js';
import { matchesTrustedIdentity, type TrustPolicyStatement } from './trust-policy/index.js';
import type { EnvelopeContent, TrustStores, TrustStoreType } from './types.js';
import { validateTimestampingChain } from './x509/requirements.js';
import { findTrustedCertificate, firstInvalidAt } from './x509/trust.js';
import type { CertificateLike } from './x509/certificate.js';

/**
 * Checks a chain's revocation status (all but the root). A port rather than a fetcher so a
 * caller can also supply its own policy, e.g. a cluster that checks revocation elsewhere.
 */
export type RevocationChecker = (
  chain: readonly CertificateLike[],
  options: { now: Date; authenticSigningTime?: Date },
) => Promise<RevocationResult>;

/**
 * The standard checker: OCSP, then CRL, over the caller's HTTP fetcher; for the issuers a CRL
 * bundle holds (`crls`, issue 15), the bundle instead of either.
 */
export function createRevocationChecker(settings: {
  fetcher: RevocationFetcher;
  cache?: RevocationCache;
  crls?: CrlBundle;
}): RevocationChecker {
  return (chain, options) => checkRevocation(chain, { ...settings, ...options });
}

/** Without a fetcher nothing can be fetched: certificates that name OCSP or CRL URLs end up unknown. */
const OFFLINE: RevocationChecker = createRevocationChecker({
  fetcher: () => Promise.reject(new Error('revocation checking is not configured')),
});

export interface StepContext {
  content: EnvelopeContent;
  policy: TrustPolicyStatement;
  trustStores: TrustStores;
  now: Date;
  revocation: RevocationChecker | undefined;
  /** Filled by the revocation step: the earliest nextUpdate it relied on. */
  revocationNextUpdate?: Date;
}

export type Step = (ctx: StepContext) => Promise<VerificationError | undefined>;

/** Certificates of the policy's stores of one type (a missing store contributes nothing). */
function trustedCertificates(ctx: StepContext, type: TrustStoreType): CertificateLike[] {
  return ctx.policy.trustStores
    .filter((ref) => ref.startsWith(`${type}:`))
    .flatMap((ref) => ctx.trustStores.get(ref)?.certificates ?? []);
}

const describeCert = (cert: CertificateLike): string => `"${cert.subject}"`;

/** Authenticity: the chain reaches a certificate in a store of the scheme's type, and the signer is a trusted identity. */
const validateAuthenticity: Step = (ctx) => {
  const { signerInfo } = ctx.content;
  const storeType = signerInfo.signingScheme === 'notary.x509' ? 'ca' : 'signingAuthority';
  const chain = signerInfo.certificateChain;
  const leaf = chain[0]!;
  if (!findTrustedCertificate(chain, trustedCertificates(ctx, storeType))) {
    const stores = ctx.policy.trustStores.filter((s) => s.startsWith(`${storeType}:`));
    const named = stores.length > 0 ? stores.join(', ') : `no ${storeType} trust store`;
    return Promise.resolve(
      new VerificationError(
        'CERT_CHAIN_UNTRUSTED',
        'authenticity',
        `signer ${describeCert(leaf)} does not chain to a certificate in ${named}`,
      ),
    );
  }
  if (!matchesTrustedIdentity(leaf, ctx.policy.trustedIdentities)) {
    return Promise.resolve(
      new VerificationError(
        'IDENTITY_UNTRUSTED',
        'authenticity',
        `signer ${describeCert(leaf)} is not in trustedIdentities`,
      ),
    );
  }
  return Promise.resolve(undefined);
};

/** Expiry: a signature is expired from the instant of its expiry on. */
const validateExpiry: Step = (ctx) => {
  const expiry = ctx.content.signerInfo.expiry;
  if (expiry && ctx.now.getTime() >= expiry.getTime()) {
    return Promise.resolve(
      new VerificationError(
        'SIGNATURE_EXPIRED',
        'expiry',
        `signature expired at ${expiry.toISOString()}`,
      ),
    );
  }
  return Promise.resolve(undefined);
};

function notValidAt(cert: CertificateLike, what: string): VerificationError {
  const window = `${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()}`;
  return new VerificationError(
    'CERT_NOT_VALID_AT_TIME',
    'authenticTimestamp',
    `certificate ${describeCert(cert)} (valid ${window}) is not valid at ${what}`,
  );
}

/** Authentic timestamp (spec: "Timestamp Countersignature Verification details"). */
const validateAuthenticTimestamp: Step = async (ctx) => {
  const { signerInfo } = ctx.content;
  const chain = signerInfo.certificateChain;
  if (signerInfo.signingScheme === 'notary.x509.signingAuthority') {
    const at = signerInfo.authenticSigningTime!;
    const bad = firstInvalidAt(chain, at);
    return bad && notValidAt(bad, `the authentic signing time ${at.toISOString()}`);
  }
  const tsaRoots = trustedCertificates(ctx, 'tsa');
  const expiredNow = firstInvalidAt(chain, ctx.now);
  const afterExpiryOnly = ctx.policy.signatureVerification.verifyTimestamp === 'afterCertExpiry';
  const triggered =
    ctx.policy.trustStores.some((s) => s.startsWith('tsa:')) &&
    (!afterExpiryOnly || expiredNow !== undefined);
  if (!triggered)
    return (
      expiredNow &&
      notValidAt(
        expiredNow,
        `verification time ${ctx.now.toISOString()} and there is no timestamp to rely on`,
      )
    );
  if (!signerInfo.timestampToken) {
    return new VerificationError(
      'TIMESTAMP_MISSING',
      'authenticTimestamp',
      'the policy requires a timestamp (a tsa trust store is configured) and the signature has none',
    );
  }
  return verifyCountersignature(ctx, tsaRoots);
};

async function verifyCountersignature(
  ctx: StepContext,
  tsaRoots: CertificateLike[],
): Promise<VerificationError | undefined> {
  const { signerInfo } = ctx.content;
  const ts = await verifyTimestampToken({
    token: signerInfo.timestampToken!,
    signature: signerInfo.signature,
    tsaRoots,
  });
  await validateTimestampingChain(ts.chain);
  // The TSA chain's revocation is always checked, and "unknown" fails (spec; notation-go does the same).
  const tsa = await (ctx.revocation ?? OFFLINE)(ts.chain, { now: ctx.now });
  if (tsa.status !== 'ok') {
    return new VerificationError(
      'TIMESTAMP_INVALID',
      'authenticTimestamp',
      `the timestamping authority's certificate revocation status is ${tsa.status}`,
    );
  }
  const range = timestampRange(ts);
  for (const cert of signerInfo.certificateChain) {
    if (range.notBefore < cert.notBefore || range.notAfter > cert.notAfter) {
      return notValidAt(cert, `the timestamp ${ts.genTime.toISOString()} (±${ts.accuracyMs} ms)`);
    }
  }
  return undefined;
}

/** Revocation of every certificate but the root; "unknown" is a failure like "revoked", under the level's action. */
const validateRevocation: Step = async (ctx) => {
  const { signerInfo } = ctx.content;
  const result = await (ctx.revocation ?? OFFLINE)(signerInfo.certificateChain, {
    now: ctx.now,
    ...(signerInfo.authenticSigningTime && {
      authenticSigningTime: signerInfo.authenticSigningTime,
    }),
  });
  if (result.nextUpdate) ctx.revocationNextUpdate = result.nextUpdate;
  if (result.status === 'ok') return undefined;
  const which = result.certificates
    .filter((c) => c.status === result.status)
    .map((c) => `"${c.subject}"${c.detail ? ` (${c.detail})` : ''}`);
  return result.status === 'revoked'
    ? new VerificationError(
        'CERT_REVOKED',
        'revocation',
        `certificate ${which.join(', ')} is revoked`,
      )
    : new VerificationError(
        'REVOCATION_UNKNOWN',
        'revocation',
        `revocation status of ${which.join(', ')} could not be determined`,
      );
};

/** The validations after integrity, in spec order. */
export const STEPS: readonly (readonly [ValidationType, Step])[] = [
  ['authenticity', validateAuthenticity],
  ['expiry', validateExpiry],
  ['authenticTimestamp', validateAuthenticTimestamp],
  ['revocation', validateRevocation],
];
