// JSON in and canonical JSON out, as docker/go's canonical/json (the fork Notary signs with)
// writes it: SPEC.md § Canonical JSON.
import { TufError } from './errors.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses untrusted bytes: strict UTF-8 (no BOM), then JSON.parse, then a nesting bound checked
 * without recursion so a deep document cannot exhaust the stack later.
 */
export function parseJson(bytes: Uint8Array, maxDepth: number, what: string): Json {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new TufError('METADATA_MALFORMED', `${what} is not UTF-8`);
  }
  if (text.charCodeAt(0) === 0xfeff) throw new TufError('METADATA_MALFORMED', `${what} has a BOM`);
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch {
    throw new TufError('METADATA_MALFORMED', `${what} is not JSON`);
  }
  checkDepth(value, maxDepth, what);
  return value;
}

function checkDepth(root: Json, maxDepth: number, what: string): void {
  const stack: [Json, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) throw new TufError('TOO_LARGE', `${what} nests deeper than ${maxDepth}`);
    for (const child of Array.isArray(value) ? value : Object.values(value))
      stack.push([child, depth + 1]);
  }
}

/** Go sorts map keys as byte strings: compare UTF-8, not UTF-16 code units. */
function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

// Canonical mode escapes only `"` and `\`; every other character, control ones included, is raw.
const quote = (s: string): string => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

function encode(value: Json, out: string[]): void {
  if (value === null) out.push('null');
  else if (typeof value === 'boolean') out.push(value ? 'true' : 'false');
  else if (typeof value === 'number') {
    // Go decodes to float64 and writes int64(f); a fraction is an error, so nothing verifies.
    if (!Number.isSafeInteger(value))
      throw new TufError('METADATA_MALFORMED', `number ${value} has no canonical form`);
    out.push(String(value));
  } else if (typeof value === 'string') out.push(quote(value));
  else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      encode(item, out);
    });
    out.push(']');
  } else {
    out.push('{');
    Object.keys(value)
      .sort(byUtf8)
      .forEach((key, i) => {
        if (i > 0) out.push(',');
        out.push(quote(key), ':');
        encode(value[key]!, out);
      });
    out.push('}');
  }
}

/** The bytes a Notary signature covers: the canonical form of the decoded `signed` object. */
export function canonicalBytes(value: Json): Buffer {
  const out: string[] = [];
  encode(value, out);
  // Lone surrogates become U+FFFD here, as Go's decoder turns them into U+FFFD.
  return Buffer.from(out.join(''), 'utf8');
}
