// JWS envelope (spec signature-envelope-jws.md): flattened JSON serialization only, with exactly
// the members payload, protected, header and signature. The signature is checked over the
// received `protected '.' payload` strings, never over a re-encoding.
import { derKey } from '../x509/certificate.js';
import { Lru } from '../x509/lru.js';
import { jwsAlgorithm } from './algorithms.js';
import {
  checkChainLength,
  malformed,
  parseRfc3339,
  SIGNING_AGENT,
  TIMESTAMP_SIGNATURE,
  type DecodedEnvelope,
  type SignedHeaders,
} from './attributes.js';

const MEMBERS: ReadonlySet<string> = new Set(['payload', 'protected', 'header', 'signature']);
/** Header parameters JWS itself consumes; `crit` must not name them (RFC 7515 §4.1.11). */
const REGISTERED: ReadonlySet<string> = new Set(['alg', 'crit', 'cty']);
const COMPACT = /^[A-Za-z0-9_=-]*\.[A-Za-z0-9_=-]*\.[A-Za-z0-9_=-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw malformed(`the JWS ${what} is not valid JSON`);
  }
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw malformed(`the JWS ${what} is not valid JSON`);
  }
  return parseText(text, what);
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// Strictness by round trip: Node's decoder skips what is not in the alphabet, but its encoder
// writes only the canonical form (alphabet, padding, zero trailing bits), so a value that
// re-encodes to itself is exactly what the patterns above and the canonical check accept. The
// patterns run only to word the refusal (on each certificate of the chain they cost as much
// as the rest of the envelope).

/** Strict RFC 7515 base64url: URL-safe alphabet, no padding, canonical trailing bits. */
function fromBase64url(value: unknown, member: string): Uint8Array {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'base64url') : undefined;
  if (bytes !== undefined && bytes.toString('base64url') === value) return bytes;
  if (typeof value !== 'string' || value.length % 4 === 1 || !BASE64URL.test(value)) {
    throw malformed(`the JWS "${member}" member is not unpadded base64url`);
  }
  throw malformed(`the JWS "${member}" member is not canonical base64url`);
}

/** Standard base64 (RFC 4648 §4, padded), as `x5c` and the timestamp header use. */
function fromBase64(value: unknown, what: string): Uint8Array {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
  if (bytes !== undefined && value !== '' && bytes.toString('base64') === value) return bytes;
  if (typeof value !== 'string' || value === '' || !BASE64.test(value)) {
    throw malformed(`${what} is not standard base64`);
  }
  throw malformed(`${what} is not canonical base64`);
}

function readEnvelope(bytes: Uint8Array): JsonObject {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw malformed('the JWS envelope is not UTF-8 text');
  }
  if (COMPACT.test(text.trim())) throw malformed('JWS compact serialization is not supported');
  // The text decoded once, and parsed untrimmed: JSON allows less whitespace than trim() removes.
  const envelope = parseText(text, 'envelope');
  if (!isObject(envelope)) throw malformed('the JWS envelope is not a JSON object');
  if ('signatures' in envelope) throw malformed('JWS general serialization is not supported');
  for (const member of Object.keys(envelope)) {
    if (!MEMBERS.has(member)) {
      throw malformed(`the JWS envelope has the unsupported member ${JSON.stringify(member)}`);
    }
  }
  for (const member of MEMBERS) {
    if (!(member in envelope)) throw malformed(`the JWS envelope has no "${member}" member`);
  }
  return envelope;
}

function readCrit(crit: unknown): string[] | undefined {
  if (crit === undefined) return undefined;
  if (!Array.isArray(crit) || !crit.every((name): name is string => typeof name === 'string')) {
    throw malformed('the JWS "crit" header must be an array of strings');
  }
  const registered = crit.find((name) => REGISTERED.has(name));
  if (registered) throw malformed(`"crit" must not list the registered header "${registered}"`);
  return crit;
}

function jwsTime(name: string, value: unknown): Date {
  const date = typeof value === 'string' ? parseRfc3339(value) : undefined;
  if (!date) throw malformed(`${name} is not an RFC 3339 date-time`);
  return date;
}

function readProtected(bytes: Uint8Array): { header: JsonObject; headers: SignedHeaders } {
  const header = parseJson(bytes, 'protected header');
  if (!isObject(header)) throw malformed('the JWS protected header is not a JSON object');
  const params = new Map(Object.entries(header).filter(([name]) => !REGISTERED.has(name)));
  return { header, headers: { params, crit: readCrit(header['crit']), time: jwsTime } };
}

/**
 * x5c entries already decoded, by their exact text: the same signer's chain arrives in every
 * envelope, so each distinct certificate is decoded (and hashed) once. Only canonical base64
 * is kept, which decodes to one DER only, so the text identifies the bytes. Bounded in count
 * and in size (decision 10): certificates are 0.5–3 KiB, a longer entry is decoded each time.
 */
const x5cEntries = new Lru<{ der: Uint8Array; key: string }>(256);
const MAX_KEPT_ENTRY = 8 * 1024;

function certificateEntry(entry: unknown, i: number): { der: Uint8Array; key: string } {
  const known = typeof entry === 'string' ? x5cEntries.get(entry) : undefined;
  if (known) return known;
  const der = fromBase64(entry, `x5c[${i}]`);
  const decoded = { der, key: derKey(der) };
  if ((entry as string).length <= MAX_KEPT_ENTRY) x5cEntries.set(entry as string, decoded);
  return decoded;
}

function readUnprotected(
  header: unknown,
): Pick<DecodedEnvelope, 'certificates' | 'certificateKeys' | 'timestampToken' | 'signingAgent'> {
  if (!isObject(header)) throw malformed('the JWS "header" member is not a JSON object');
  const x5c = header['x5c'];
  if (!Array.isArray(x5c) || x5c.length === 0) {
    throw malformed('the JWS header has no certificate chain (x5c)');
  }
  checkChainLength(x5c.length);
  const chain = x5c.map(certificateEntry);
  const token = header[TIMESTAMP_SIGNATURE];
  // The signing agent is informational: any spelling of its name, never validated (D17).
  const agent = Object.entries(header).find(
    ([name, value]) =>
      name.toLowerCase() === SIGNING_AGENT.toLowerCase() && typeof value === 'string',
  )?.[1] as string | undefined;
  return {
    certificates: chain.map((c) => c.der),
    certificateKeys: chain.map((c) => c.key),
    ...(token !== undefined && { timestampToken: fromBase64(token, TIMESTAMP_SIGNATURE) }),
    ...(agent !== undefined && { signingAgent: agent }),
  };
}

/** Takes a flattened JWS apart; nothing in it is trusted yet. */
export function decodeJws(bytes: Uint8Array): DecodedEnvelope {
  const envelope = readEnvelope(bytes);
  const protectedBytes = fromBase64url(envelope['protected'], 'protected');
  const payload = fromBase64url(envelope['payload'], 'payload');
  const signature = fromBase64url(envelope['signature'], 'signature');
  const { header, headers } = readProtected(protectedBytes);
  const algorithm = jwsAlgorithm(header['alg']);
  const signed = Buffer.from(`${String(envelope['protected'])}.${String(envelope['payload'])}`);
  return {
    algorithm,
    contentType: header['cty'],
    headers,
    signed,
    signature,
    payload,
    ...readUnprotected(envelope['header']),
  };
}
