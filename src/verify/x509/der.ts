// A strict DER reader that only locates elements (tag, header, content bounds) and walks nested
// constructed elements, checking DER's length rules (definite, minimal) as Go's cryptobyte does.
// Hand-written because it replaces, on the per-certificate path, asn1js building a full object
// tree (about 200 µs per certificate, more than OpenSSL's whole parse): the fields are located
// here, and the few small values the rules read are decoded with asn1js (x509/fields.ts).

/** One element: its identifier octet and where its header and content lie in the buffer. */
export interface Tlv {
  /** The identifier octet (class, constructed bit, tag number below 31). */
  tag: number;
  start: number;
  /** Where the content begins. */
  body: number;
  end: number;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Thrown for bytes that are not strict DER; callers turn it into their own error. */
export class DerError extends Error {}

const CONSTRUCTED = 0x20;
const MAX_DEPTH = 32;

/** The element at `at`, which must end by `limit`. */
export function readTlv(bytes: Uint8Array, at: number, limit = bytes.length): Tlv {
  if (at + 2 > limit) throw new DerError('truncated element');
  const tag = bytes[at]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used here');
  const first = bytes[at + 1]!;
  let length = first;
  let body = at + 2;
  if (first >= 0x80) {
    const count = first & 0x7f;
    // 0x80 is BER's indefinite length; more than 4 length octets cannot fit a certificate.
    if (count === 0 || count > 4 || body + count > limit) throw new DerError('bad length');
    if (bytes[body] === 0) throw new DerError('non-minimal length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[body + i]!;
    if (length < 0x80) throw new DerError('non-minimal length');
    body += count;
  }
  const end = body + length;
  if (end > limit) throw new DerError('element longer than its container');
  return { tag, start: at, body, end };
}

/** The elements that exactly fill a constructed element's content. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  if ((parent.tag & CONSTRUCTED) === 0) throw new DerError('not a constructed element');
  const out: Tlv[] = [];
  for (let at = parent.body; at < parent.end;) {
    const child = readTlv(bytes, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** Checks DER lengths throughout an element; primitive contents are left opaque. */
export function checkNested(bytes: Uint8Array, tlv: Tlv, depth = 0): void {
  if ((tlv.tag & CONSTRUCTED) === 0) return;
  if (depth > MAX_DEPTH) throw new DerError('nested too deeply');
  for (const child of children(bytes, tlv)) checkNested(bytes, child, depth + 1);
}

/** The single element that spans all of `bytes`. */
export function readWhole(bytes: Uint8Array): Tlv {
  const tlv = readTlv(bytes, 0);
  if (tlv.end !== bytes.length) throw new DerError('bytes after the element');
  return tlv;
}

export const contentOf = (bytes: Uint8Array, tlv: Tlv): Uint8Array =>
  bytes.subarray(tlv.body, tlv.end);

export const encodingOf = (bytes: Uint8Array, tlv: Tlv): Uint8Array =>
  bytes.subarray(tlv.start, tlv.end);

/** Dotted text of an OBJECT IDENTIFIER's content (minimal base-128 sub-identifiers). */
export function oidText(content: Uint8Array): string {
  if (content.length === 0) throw new DerError('empty object identifier');
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i]!;
    if (value === 0 && byte === 0x80) throw new DerError('non-minimal object identifier');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new DerError('object identifier arc too large');
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  if ((content[content.length - 1]! & 0x80) !== 0) throw new DerError('truncated identifier');
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}
