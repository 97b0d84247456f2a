// Certificate requirements of the Notary Project signature specification ("Certificate
// Requirements"), checked with explicit rules as notation-core-go does
// (x509/codesigning_cert_validations.go, timestamp_cert_validations.go). Deliberately not a
// generic RFC 5280 path validator: that would judge validity periods (a timestamp may rescue an
// expired chain) and evaluate extensions the spec says to ignore. The rules for each
// certificate are in profiles.ts; this file walks the chain in order.
import { VerificationError } from '../errors.js';
import { CertificateProblem, issuedBy } from './cert-facts.js';
import type { CertificateLike } from './certificate.js';
import { chainKey, derKey, Lru } from './memo.js';
import {
  checkCertificate,
  CODE_SIGNING,
  TIMESTAMPING,
  type Place,
  type Profile,
} from './profiles.js';

/** A chain read in order, leaf first; `at(i)` parses certificate i when it is first needed. */
interface ChainReader<C extends CertificateLike> {
  length: number;
  at: (i: number) => C;
  /** The chain's identity for the verdict cache (DER hashes in order). */
  key: string;
}

function arrayReader<C extends CertificateLike>(chain: readonly C[]): ChainReader<C> {
  return { length: chain.length, at: (i) => chain[i]!, key: chainKey(chain) };
}

function role({ i, length }: Place): string {
  if (length === 1) return 'self-signed leaf';
  return i === 0 ? 'leaf' : i === length - 1 ? 'root' : 'intermediate';
}

function unmet(profile: Profile, place: Place, cert: CertificateLike, err: unknown) {
  const why = err instanceof CertificateProblem ? err.message : 'could not be parsed';
  const what = `${role(place)} certificate ${place.i + 1} of ${place.length} "${cert.subject}"`;
  return new VerificationError(
    'CERT_REQUIREMENTS_UNMET',
    profile.stage,
    `${profile.label} certificate chain: ${what}: ${why}`,
    { cause: err },
  );
}

/** Certificate i + 1, parsed only now, provided it issues certificate i. */
function issuerOf<C extends CertificateLike>(
  reader: ChainReader<C>,
  cert: C,
  i: number,
  profile: Profile,
): C {
  const { length } = reader;
  const next = reader.at(i + 1);
  let issued: boolean;
  try {
    issued = issuedBy(cert, next);
  } catch (err) {
    throw unmet(profile, { i: i + 1, length }, next, err);
  }
  if (issued) return next;
  const why = `is not issued by the next certificate in the chain, certificate ${i + 2} of ${length} "${next.subject}"`;
  throw unmet(profile, { i, length }, cert, new CertificateProblem(why));
}

/**
 * Order, issuance and profiles: leaf → intermediates → self-signed root, each issued by the next.
 * Certificates are parsed in that order and only while every rule holds, so a chain broken at
 * one link costs no work on the certificates after it.
 */
function checkChain<C extends CertificateLike>(reader: ChainReader<C>, profile: Profile): C[] {
  const { length } = reader;
  if (length === 0)
    throw new VerificationError(
      'CERT_REQUIREMENTS_UNMET',
      profile.stage,
      `the ${profile.label} certificate chain is empty`,
    );
  const chain = [reader.at(0)];
  for (let i = 0; i < length; i++) {
    const cert = chain[i]!;
    try {
      checkCertificate(cert, { i, length }, profile);
    } catch (err) {
      throw unmet(profile, { i, length }, cert, err);
    }
    if (i < length - 1) chain.push(issuerOf(reader, cert, i, profile));
  }
  return chain;
}

/** Verdicts per profile and exact chain (null: passed). The rules ignore time, so a verdict never goes stale. */
const verdicts = new Lru<VerificationError | null>(4096);

function validateChain<C extends CertificateLike>(reader: ChainReader<C>, profile: Profile): C[] {
  const key = `${profile.label}/${reader.key}`;
  const known = verdicts.get(key);
  if (known) throw known;
  if (known === null) return Array.from({ length: reader.length }, (_, i) => reader.at(i));
  try {
    const chain = checkChain(reader, profile);
    verdicts.set(key, null);
    return chain;
  } catch (err) {
    if (err instanceof VerificationError) verdicts.set(key, err);
    throw err;
  }
}

/**
 * Parses an envelope's chain (DER, leaf first) and checks it against the code-signing
 * certificate requirements as it goes: certificate i + 1 is parsed only once certificate i met
 * every rule, and the first broken link ends the work.
 * @param parse parses one DER certificate (throws its own coded error for bytes that are not one).
 * @param keys the DER hashes (derKey), when the caller has them already.
 * @throws VerificationError CERT_REQUIREMENTS_UNMET (stage integrity), or what `parse` throws.
 */
export function readCodeSigningChain<C extends CertificateLike>(
  ders: readonly Uint8Array[],
  parse: (der: Uint8Array, index: number) => C,
  keys: readonly string[] = ders.map((der) => derKey(der)),
): C[] {
  const parsed: C[] = [];
  const reader = {
    length: ders.length,
    at: (i: number) => (parsed[i] ??= parse(ders[i]!, i)),
    key: keys.join('|'),
  };
  return validateChain(reader, CODE_SIGNING);
}

/**
 * Checks the envelope's chain (leaf first) against the code-signing certificate requirements.
 * Validity periods are not checked here (that is the authentic-timestamp step's job).
 * @throws VerificationError CERT_REQUIREMENTS_UNMET (stage integrity)
 */
export function validateCodeSigningChain(chain: readonly CertificateLike[]): Promise<void> {
  return new Promise((resolve) => {
    validateChain(arrayReader(chain), CODE_SIGNING);
    resolve();
  });
}

/**
 * Checks an ordered TSA chain (TSA certificate first, root last) against the timestamping
 * certificate requirements: same issuance rules; leaf EKU exactly timeStamping and critical.
 * @throws VerificationError CERT_REQUIREMENTS_UNMET (stage authenticTimestamp)
 */
export function validateTimestampingChain(chain: readonly CertificateLike[]): Promise<void> {
  return new Promise((resolve) => {
    validateChain(arrayReader(chain), TIMESTAMPING);
    resolve();
  });
}
