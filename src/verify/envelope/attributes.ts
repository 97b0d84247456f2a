// Signed attributes shared by JWS and COSE (spec signature-specification §"Signed Attributes"):
// signing scheme, the scheme's time headers, expiry, the crit list and extended attributes.
// The envelope formats only translate their headers into a name → value map and a time parser.
import { VerificationError } from '../errors.js';
import type { ExtendedAttribute, SignatureAlgorithm, SignerInfo, SigningScheme } from '../types.js';

export const SIGNING_SCHEME = 'io.cncf.notary.signingScheme';
export const SIGNING_TIME = 'io.cncf.notary.signingTime';
export const AUTHENTIC_SIGNING_TIME = 'io.cncf.notary.authenticSigningTime';
export const EXPIRY = 'io.cncf.notary.expiry';
export const VERIFICATION_PLUGIN = 'io.cncf.notary.verificationPlugin';
export const VERIFICATION_PLUGIN_MIN_VERSION = 'io.cncf.notary.verificationPluginMinVersion';
export const TIMESTAMP_SIGNATURE = 'io.cncf.notary.timestampSignature';
export const SIGNING_AGENT = 'io.cncf.notary.signingAgent';

const KNOWN: ReadonlySet<string> = new Set([
  SIGNING_SCHEME,
  SIGNING_TIME,
  AUTHENTIC_SIGNING_TIME,
  EXPIRY,
  VERIFICATION_PLUGIN,
  VERIFICATION_PLUGIN_MIN_VERSION,
]);
const SCHEMES: ReadonlySet<string> = new Set(['notary.x509', 'notary.x509.signingAuthority']);

/** The protected header as the shared rules see it, whatever the envelope format. */
export interface SignedHeaders {
  /** Every named (non-registered) signed header parameter: Notary ones and extended ones. */
  params: ReadonlyMap<string, unknown>;
  /** Names listed in `crit`, minus the format's registered parameters. Undefined when absent. */
  crit: readonly string[] | undefined;
  /** Converts the format's time encoding; throws ENVELOPE_MALFORMED. */
  time: (name: string, value: unknown) => Date;
}

/** An envelope taken apart but not yet trusted: what the common verification steps need. */
export interface DecodedEnvelope {
  algorithm: SignatureAlgorithm;
  contentType: unknown;
  headers: SignedHeaders;
  /** DER certificates, leaf first, from the (unsigned) chain header. */
  certificates: Uint8Array[];
  /** Their DER hashes (derKey), when the decoder already knows them. */
  certificateKeys?: string[];
  /** The exact bytes the signature covers. */
  signed: Uint8Array;
  signature: Uint8Array;
  payload: Uint8Array;
  timestampToken?: Uint8Array;
  signingAgent?: string;
}

export type SignedAttributes = Omit<
  SignerInfo,
  'signatureAlgorithm' | 'certificateChain' | 'signature' | 'timestampToken' | 'signingAgent'
>;

export function malformed(message: string): VerificationError {
  return new VerificationError('ENVELOPE_MALFORMED', 'integrity', message);
}

/** Certificates an envelope may carry; notation's chains have 2 to 4 (architecture.md, decision 10). */
export const MAX_CERTIFICATES = 16;

/**
 * Refuses an over-long chain header from its raw length, before any entry is decoded: each
 * certificate costs a parse and a signature check on the event loop, which every review shares.
 */
export function checkChainLength(count: number): void {
  if (count > MAX_CERTIFICATES) {
    throw malformed(
      `the envelope carries ${count} certificates; at most ${MAX_CERTIFICATES} are accepted`,
    );
  }
}

function checkCrit(headers: SignedHeaders): ReadonlySet<string> {
  const crit = headers.crit;
  if (!crit || crit.length === 0) {
    throw malformed('the protected header has no "crit" list (it must name the signing scheme)');
  }
  const names = new Set(crit);
  if (names.size !== crit.length) throw malformed('the "crit" list repeats a header name');
  for (const name of crit) {
    if (!headers.params.has(name)) {
      throw malformed(`"crit" names the header ${JSON.stringify(name)}, which is not present`);
    }
  }
  return names;
}

function readScheme(
  params: ReadonlyMap<string, unknown>,
  crit: ReadonlySet<string>,
): SigningScheme {
  const scheme = params.get(SIGNING_SCHEME);
  if (typeof scheme !== 'string' || !SCHEMES.has(scheme)) {
    throw malformed(
      scheme === undefined
        ? `the protected header has no ${SIGNING_SCHEME}`
        : `unsupported signing scheme ${JSON.stringify(scheme)}`,
    );
  }
  if (!crit.has(SIGNING_SCHEME)) throw malformed(`${SIGNING_SCHEME} must be listed in "crit"`);
  return scheme as SigningScheme;
}

interface Times {
  signingTime?: Date;
  authenticSigningTime?: Date;
  expiry?: Date;
}

function readTime(headers: SignedHeaders, name: string): Date | undefined {
  // has(), not get() !== undefined: a present header of any value must parse as a time.
  return headers.params.has(name) ? headers.time(name, headers.params.get(name)) : undefined;
}

/** Scheme-exclusive time headers (enforced for JWS and COSE alike, divergence D16). */
function checkSchemeTimes(
  params: ReadonlyMap<string, unknown>,
  scheme: SigningScheme,
  crit: ReadonlySet<string>,
): void {
  const [required, forbidden] =
    scheme === 'notary.x509'
      ? [SIGNING_TIME, AUTHENTIC_SIGNING_TIME]
      : [AUTHENTIC_SIGNING_TIME, SIGNING_TIME];
  if (!params.has(required)) throw malformed(`${scheme} requires the ${required} header`);
  if (params.has(forbidden)) throw malformed(`${scheme} must not carry ${forbidden}`);
  if (scheme !== 'notary.x509' && !crit.has(AUTHENTIC_SIGNING_TIME)) {
    throw malformed(`${AUTHENTIC_SIGNING_TIME} must be listed in "crit"`);
  }
  if (params.has(EXPIRY) && !crit.has(EXPIRY))
    throw malformed(`${EXPIRY} must be listed in "crit"`);
}

function readTimes(
  headers: SignedHeaders,
  scheme: SigningScheme,
  crit: ReadonlySet<string>,
): Times {
  checkSchemeTimes(headers.params, scheme, crit);
  const signingTime = readTime(headers, SIGNING_TIME);
  const authenticSigningTime = readTime(headers, AUTHENTIC_SIGNING_TIME);
  const expiry = readTime(headers, EXPIRY);
  const signed = signingTime ?? authenticSigningTime;
  if (expiry && signed && expiry.getTime() <= signed.getTime()) {
    throw malformed(`${EXPIRY} (${expiry.toISOString()}) is not after the signing time`);
  }
  return {
    ...(signingTime && { signingTime }),
    ...(authenticSigningTime && { authenticSigningTime }),
    ...(expiry && { expiry }),
  };
}

function optionalString(params: ReadonlyMap<string, unknown>, name: string): string | undefined {
  if (!params.has(name)) return undefined;
  const value = params.get(name);
  if (typeof value !== 'string' || value === '')
    throw malformed(`${name} must be a non-empty string`);
  return value;
}

/**
 * Unknown signed attributes. Unknown critical ones fail (spec, divergence D1), except when a
 * verification plugin is named: understanding them is then the plugin's job, and the caller must
 * refuse the signature anyway (PLUGIN_REQUIRED), so they are kept and marked critical.
 */
function readExtended(
  params: ReadonlyMap<string, unknown>,
  crit: ReadonlySet<string>,
  plugin: string | undefined,
): ExtendedAttribute[] {
  const extended: ExtendedAttribute[] = [];
  for (const [key, value] of params) {
    if (KNOWN.has(key)) continue;
    const critical = crit.has(key);
    if (critical && plugin === undefined) {
      throw new VerificationError(
        'UNKNOWN_CRITICAL_HEADER',
        'integrity',
        `the signature marks the unknown attribute ${JSON.stringify(key.slice(0, 100))} as critical`,
      );
    }
    extended.push({ key, value, critical });
  }
  return extended;
}

/** Applies the shared signed-attribute rules (checklist C-24…C-33). */
export function readSignedAttributes(headers: SignedHeaders): SignedAttributes {
  const crit = checkCrit(headers);
  const signingScheme = readScheme(headers.params, crit);
  const times = readTimes(headers, signingScheme, crit);
  const verificationPlugin = optionalString(headers.params, VERIFICATION_PLUGIN);
  const minVersion = optionalString(headers.params, VERIFICATION_PLUGIN_MIN_VERSION);
  return {
    signingScheme,
    ...times,
    ...(verificationPlugin !== undefined && { verificationPlugin }),
    ...(minVersion !== undefined && { verificationPluginMinVersion: minVersion }),
    extendedAttributes: readExtended(headers.params, crit, verificationPlugin),
  };
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/;

function inRange(fields: readonly number[]): boolean {
  const [hour, minute, second, offsetHours, offsetMinutes] = fields as [
    number,
    number,
    number,
    number,
    number,
  ];
  return hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 23 && offsetMinutes <= 59;
}

/** Parses an RFC 3339 `date-time` (offsets allowed); undefined when it is not one. */
export function parseRfc3339(text: string): Date | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const offsetHours = Number(m[9] ?? 0);
  const offsetMinutes = Number(m[10] ?? 0);
  if (!inRange([hour, minute, second, offsetHours, offsetMinutes])) return undefined;
  const millis = Math.floor(Number(`0${m[7] ?? ''}`) * 1000);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  date.setUTCFullYear(year); // Date.UTC maps years 0–99 to 1900–1999
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000 * (m[8] === '-' ? -1 : 1);
  return new Date(date.getTime() - offset);
}
