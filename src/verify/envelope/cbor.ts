// Strict CBOR for COSE envelopes. cbor-x decodes, but first a well-formedness walk enforces what
// go-cose's decoder enforces and what cbor-x would quietly accept: definite lengths only, no
// duplicate map keys, UTF-8 text, nothing after the item. It also admits only tag 1 (epoch time)
// and, at the top, tag 18 (COSE_Sign1), so cbor-x's own extensions (shared references, typed
// arrays, records, "generic objects") never run on untrusted input.
import { Decoder } from 'cbor-x';
import { malformed } from './attributes.js';

const MAX_DEPTH = 16;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });

interface Cursor {
  bytes: Uint8Array;
  offset: number;
  /** Whether the top item may be tag 18 (only the envelope itself, not a header map). */
  sign1: boolean;
}

interface Head {
  major: number;
  info: number;
  /** The argument; a bigint only above Number.MAX_SAFE_INTEGER. */
  value: number | bigint;
}

function take(c: Cursor, n: number): Uint8Array {
  if (n > c.bytes.length - c.offset) throw malformed('the COSE envelope is truncated');
  const slice = c.bytes.subarray(c.offset, c.offset + n);
  c.offset += n;
  return slice;
}

function readHead(c: Cursor): Head {
  const [initial] = take(c, 1) as unknown as [number];
  const major = initial >> 5;
  const info = initial & 0x1f;
  if (info < 24) return { major, info, value: info };
  if (info > 27) throw malformed('the COSE envelope uses indefinite-length or reserved CBOR items');
  const raw = take(c, 1 << (info - 24));
  if (raw.length <= 4) {
    // Up to 32 bits is exact in a number; BigInt only for the 8-byte form.
    let small = 0;
    for (const byte of raw) small = small * 256 + byte;
    return { major, info, value: small };
  }
  let value = 0n;
  for (const byte of raw) value = (value << 8n) | BigInt(byte);
  return { major, info, value: value > BigInt(Number.MAX_SAFE_INTEGER) ? value : Number(value) };
}

function length(head: Head): number {
  if (typeof head.value === 'bigint')
    throw malformed('the COSE envelope declares an impossible length');
  return head.value;
}

function checkTag(c: Cursor, head: Head, depth: number): void {
  if (head.value === 18 && depth === 0 && c.sign1) return checkItem(c, depth + 1);
  if (head.value !== 1)
    throw malformed(`the COSE envelope uses the unsupported CBOR tag ${head.value}`);
  const inner = readHead({ ...c });
  const numeric = inner.major <= 1 && typeof inner.value === 'number';
  if (!numeric && !(inner.major === 7 && inner.info >= 25)) {
    throw malformed('a CBOR tag-1 time is not a number');
  }
  checkItem(c, depth + 1);
}

function checkMap(c: Cursor, entries: number, depth: number): void {
  const keys = new Set<string>();
  for (let i = 0; i < entries; i++) {
    const start = c.offset;
    const head = readHead(c);
    if (head.major === 3) {
      keys.add(`t${decodeText(take(c, length(head)))}`);
    } else if (head.major <= 1) {
      keys.add(`${head.major === 1 ? '-' : '+'}${head.value}`);
    } else {
      throw malformed('a COSE map key is neither an integer nor a text string');
    }
    if (keys.size !== i + 1) {
      c.offset = start;
      throw malformed('a COSE map repeats a key');
    }
    checkItem(c, depth + 1);
  }
}

function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw malformed('a COSE text string is not UTF-8');
  }
}

function checkItem(c: Cursor, depth: number): void {
  if (depth > MAX_DEPTH) throw malformed('the COSE envelope is nested too deeply');
  const head = readHead(c);
  switch (head.major) {
    case 0:
    case 1:
      return;
    case 2:
      take(c, length(head));
      return;
    case 3:
      decodeText(take(c, length(head)));
      return;
    case 4:
      for (let i = length(head); i > 0; i--) checkItem(c, depth + 1);
      return;
    case 5:
      return checkMap(c, length(head), depth);
    case 6:
      return checkTag(c, head, depth);
    default:
      return checkSimple(head);
  }
}

/** false, true, null and floats; `undefined` would read as an absent header. */
function checkSimple(head: Head): void {
  if (head.info < 20 || head.info === 23 || head.info === 24) {
    throw malformed('the COSE envelope uses an unsupported CBOR simple value');
  }
}

/**
 * Decodes one strictly well-formed CBOR item that spans all of `bytes`: maps become `Map`s,
 * tag 1 a `Date`, tag 18 a cbor-x `Tag`, byte strings `Uint8Array`s.
 * @throws VerificationError ENVELOPE_MALFORMED otherwise.
 */
export function decodeCbor(bytes: Uint8Array, what: string, sign1 = false): unknown {
  const cursor = { bytes, offset: 0, sign1 };
  checkItem(cursor, 0);
  if (cursor.offset !== bytes.length) throw malformed(`${what} has bytes after its CBOR item`);
  try {
    return decoder.decode(bytes) as unknown;
  } catch {
    throw malformed(`${what} is not valid CBOR`);
  }
}
