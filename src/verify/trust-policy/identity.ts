// Trusted identities (trust-store-trust-policy.md §"Trusted Identities Constraints"; notation-go
// internal/pkix ParseDistinguishedName, verifier verifyX509TrustedIdentities).
//
// The DN parser is written here rather than taken from @peculiar/x509: its Name parser is a
// lenient regular expression (it accepts unescaped specials, quotes, `+` and `#hex` silently)
// and cannot report why a DN is unusable. This one follows RFC 4514 as go-ldap parses it, plus
// notation-go's rules: no `=#` hex values, no multi-valued RDNs, no repeated attribute types,
// C, ST (alias S) and O required.
import { Buffer } from 'node:buffer';
import { PolicyError } from '../errors.js';
import type { CertificateLike } from '../x509/certificate.js';
import { children, contentOf, DerError, oidText, readWhole, TAG, type Tlv } from '../x509/der.js';
import { Lru, perCertificate } from '../x509/memo.js';

const X509_SUBJECT = 'x509.subject';

/**
 * The attribute types Go's pkix.Name.String() prints by name: notation-go matches against that
 * string, so a leaf attribute of any other type is printed as `OID=#hex` and can never match,
 * and a configured DN naming another type (or a lower-case one) could never match either.
 */
const OID_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.6': 'C',
  '2.5.4.8': 'ST',
  '2.5.4.7': 'L',
  '2.5.4.9': 'STREET',
  '2.5.4.17': 'POSTALCODE',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.3': 'CN',
  '2.5.4.5': 'SERIALNUMBER',
};
const TYPE_NAMES = new Set(Object.values(OID_NAMES));
const MANDATORY = ['C', 'ST', 'O'];
const ESCAPABLE = ' "#+,;<=>\\';

/** Attribute type (C, ST, O, …) → value: a DN with every type at most once. */
export type DistinguishedName = ReadonlyMap<string, string>;

/** Splits at unescaped `,`/`;` (RDN ends; `;` as go-ldap does) and rejects unescaped `+`. */
function splitRdns(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '+') throw new Error('multi-valued RDNs (+) are not supported');
    else if (c === ',' || c === ';') {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Drops unescaped spaces at both ends (an escaped trailing space has an odd run of `\`). */
function trimValue(raw: string): string {
  let end = raw.length;
  while (end > 0 && raw[end - 1] === ' ') {
    let backslashes = 0;
    while (end - 2 - backslashes >= 0 && raw[end - 2 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 1) break;
    end--;
  }
  return raw.slice(0, end).replace(/^ +/, '');
}

function decodeValue(raw: string): string {
  const value = trimValue(raw);
  if (value === '') throw new Error('empty attribute value');
  if (value.startsWith('#')) throw new Error('hex-encoded (#) values are not supported');
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') {
      const next = value[i + 1] ?? '';
      const hex = value.slice(i + 1, i + 3);
      if (next !== '' && ESCAPABLE.includes(next)) {
        bytes.push(next.charCodeAt(0));
        i++;
      } else if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else throw new Error('invalid escape sequence');
    } else if ('"<>\0'.includes(c)) {
      throw new Error(`character ${JSON.stringify(c)} must be escaped`);
    } else {
      const code = value.codePointAt(i)!;
      if (code > 0xffff) i++;
      bytes.push(...encoder.encode(String.fromCodePoint(code)));
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    throw new Error('escaped bytes are not valid UTF-8');
  }
}

/**
 * Parses the DN of an `x509.subject:` identity. Throws an Error whose message says what is wrong
 * (for the admin): the value is never echoed beyond the offending attribute type.
 */
export function parseDistinguishedName(text: string): DistinguishedName {
  if (text.includes('=#')) throw new Error('hex-encoded (=#) values are not supported');
  const dn = new Map<string, string>();
  for (const rdn of splitRdns(text)) {
    const eq = rdn.indexOf('=');
    if (eq < 0) throw new Error('every RDN must be TYPE=value, separated by commas');
    const written = rdn.slice(0, eq).trim();
    const type = written === 'S' ? 'ST' : written;
    if (!TYPE_NAMES.has(type)) {
      const known = [...TYPE_NAMES].join(', ');
      throw new Error(`attribute type "${written}" is not supported (use ${known}, or S for ST)`);
    }
    if (dn.has(type)) throw new Error(`attribute type ${type} appears more than once`);
    dn.set(type, decodeValue(rdn.slice(eq + 1)));
  }
  const missing = MANDATORY.filter((t) => !dn.has(t));
  if (missing.length > 0)
    throw new Error(`C, ST and O are required (missing ${missing.join(', ')})`);
  return dn;
}

/** True when every attribute of `subset` has the same value (case-sensitive) in `dn`. */
export function isSubsetDn(subset: DistinguishedName, dn: DistinguishedName): boolean {
  for (const [type, value] of subset) if (dn.get(type) !== value) return false;
  return true;
}

const prefixOf = (identity: string): string | undefined =>
  identity.includes(':') ? identity.slice(0, identity.indexOf(':')) : undefined;

const subjectOf = (identity: string): string => identity.slice(identity.indexOf(':') + 1);

/** One configured identity: its DN, nothing to check (`*`, other prefixes), or its problem. */
function checkIdentity(identity: unknown, at: string): DistinguishedName | PolicyError | undefined {
  const bad = (message: string) => new PolicyError('IDENTITY_INVALID', at, message);
  if (typeof identity !== 'string')
    return new PolicyError('POLICY_MALFORMED', at, 'must be a string');
  if (identity === '') return bad('identity is empty');
  if (identity === '*') return undefined;
  const prefix = prefixOf(identity);
  if (prefix === undefined) {
    return bad('identity needs a prefix, e.g. "x509.subject: C=US, ST=WA, O=Example"');
  }
  if (prefix !== X509_SUBJECT) return undefined;
  try {
    return parseDistinguishedName(subjectOf(identity));
  } catch (error) {
    return bad(`invalid x509.subject DN: ${(error as Error).message}`);
  }
}

/** Problems of one statement's `trustedIdentities` (required unless the level is skip). */
export function checkTrustedIdentities(raw: unknown, path: string): PolicyError[] {
  const bad = (message: string) => new PolicyError('IDENTITY_INVALID', path, message);
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) {
    return [bad('at least one trusted identity is required ("*" or "x509.subject: <DN>")')];
  }
  if (!Array.isArray(raw)) return [new PolicyError('POLICY_MALFORMED', path, 'must be an array')];
  if (raw.length > 1 && raw.includes('*')) {
    return [bad('"*" cannot be combined with other identities')];
  }
  const errors: PolicyError[] = [];
  const parsed: { dn: DistinguishedName; at: string }[] = [];
  raw.forEach((identity: unknown, i) => {
    const at = `${path}[${i}]`;
    const result = checkIdentity(identity, at);
    if (result instanceof PolicyError) errors.push(result);
    else if (result) parsed.push({ dn: result, at });
  });
  const usable = raw.some(
    (id) => id === '*' || (typeof id === 'string' && prefixOf(id) === X509_SUBJECT),
  );
  // Stricter than notation-go, which accepts such a list and then trusts no signer at all.
  if (!usable) errors.push(bad('no usable identity: only "*" and "x509.subject:" are supported'));
  parsed.forEach(({ dn, at }, j) => {
    const earlier = parsed.slice(0, j).find((p) => isSubsetDn(p.dn, dn) || isSubsetDn(dn, p.dn));
    if (earlier) {
      const message = `overlaps with ${earlier.at}: one certificate could match both`;
      errors.push(new PolicyError('IDENTITIES_OVERLAP', at, message));
    }
  });
  return errors;
}

// Go's crypto/x509 string decoding (parser.go parseASN1String), by universal tag; a value Go
// cannot decode makes the certificate unparsable there, so it can match nothing here.
const GO_PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?*&]*$/;
const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const STRING_DECODERS: Readonly<Record<number, (bytes: Uint8Array) => string | undefined>> = {
  12: (b) => {
    try {
      return strictUtf8.decode(b);
    } catch {
      return undefined;
    }
  },
  18: (b) => (/^[0-9 ]*$/.test(latin1(b)) ? latin1(b) : undefined),
  19: (b) => (GO_PRINTABLE.test(latin1(b)) ? latin1(b) : undefined),
  20: latin1,
  22: (b) => (b.every((x) => x < 0x80) ? latin1(b) : undefined),
  30: (b) => {
    if (b.length % 2 !== 0) return undefined;
    const end =
      b.length >= 2 && b[b.length - 1] === 0 && b[b.length - 2] === 0 ? b.length - 2 : b.length;
    const swapped = Uint8Array.from(b.subarray(0, end), (_, i) => b[i ^ 1]!);
    return new TextDecoder('utf-16le').decode(swapped);
  },
};

/** One AttributeTypeAndValue as a known type and its decoded text, or undefined. */
function attributeOf(name: Uint8Array, atv: Tlv): [string, string] | undefined {
  if (atv.tag !== TAG.SEQUENCE) return undefined;
  const [oid, value] = children(name, atv);
  if (oid?.tag !== TAG.OID || !value) return undefined;
  const type = OID_NAMES[oidText(contentOf(name, oid))];
  // A universal, primitive string type (class bits 00, constructed bit 0).
  const decode = (value.tag & 0xe0) === 0 ? STRING_DECODERS[value.tag] : undefined;
  const text = decode?.(contentOf(name, value));
  return type !== undefined && text !== undefined ? [type, text] : undefined;
}

function readSubject(name: Uint8Array): DistinguishedName | undefined {
  const dn = new Map<string, string>();
  for (const rdn of children(name, readWhole(name))) {
    if (rdn.tag !== TAG.SET) return undefined;
    for (const atv of children(name, rdn)) {
      const attribute = attributeOf(name, atv);
      if (!attribute || dn.has(attribute[0])) return undefined;
      if (attribute[1].includes('=#') || attribute[1].includes('\0')) return undefined;
      dn.set(...attribute);
    }
  }
  return dn;
}

/**
 * The leaf's subject as notation-go sees it after Go prints it and go-ldap parses it back, or
 * undefined when that fails there: an attribute Go prints as `OID=#hex` (emailAddress, DC, …),
 * a repeated type (Go prints two OUs as a multi-valued RDN; two CNs it silently reduces to the
 * last, which is refused here too), a value containing `=#` or NUL, or an undecodable string.
 * Multi-valued RDNs in the certificate itself are fine: Go flattens them. Read from the raw
 * subject (strict DER, checked when the certificate was parsed) once per certificate.
 */
export const leafSubject = perCertificate((leaf): DistinguishedName | undefined => {
  const name = leaf.fields.rawSubject;
  try {
    return name[0] === TAG.SEQUENCE ? readSubject(name) : undefined;
  } catch (err) {
    if (err instanceof DerError) return undefined;
    throw err;
  }
});

/** The DNs of the `x509.subject` identities (unparsable ones left out), by list (policy text). */
const parsedIdentities = new Lru<DistinguishedName[]>(256);

function subjectIdentities(trustedIdentities: readonly string[]): DistinguishedName[] {
  const key = JSON.stringify(trustedIdentities);
  let dns = parsedIdentities.get(key);
  if (dns === undefined) {
    dns = trustedIdentities.flatMap((identity) => {
      if (prefixOf(identity) !== X509_SUBJECT) return [];
      try {
        return [parseDistinguishedName(subjectOf(identity))];
      } catch {
        return [];
      }
    });
    parsedIdentities.set(key, dns);
  }
  return dns;
}

/**
 * True when the identities are exactly `["*"]`, or when some `x509.subject` identity's
 * attributes all equal the leaf subject's (subset match, case-sensitive). Identities with other
 * prefixes are ignored; unparsable ones and an empty list match nothing.
 */
export function matchesTrustedIdentity(
  leaf: CertificateLike,
  trustedIdentities: readonly string[],
): boolean {
  if (trustedIdentities.length === 1 && trustedIdentities[0] === '*') return true;
  const subject = leafSubject(leaf);
  if (!subject) return false;
  return subjectIdentities(trustedIdentities).some((dn) => isSubsetDn(dn, subject));
}
