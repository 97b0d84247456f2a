// Strict readers for the shapes of TUF metadata: each throws METADATA_MALFORMED naming the field.
import type { Json } from './canonical-json.js';
import { TufError } from './errors.js';

export type JsonObject = { [key: string]: Json };

const malformed = (what: string, why: string): TufError =>
  new TufError('METADATA_MALFORMED', `${what} ${why}`);

export function object(value: Json | undefined, what: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw malformed(what, 'is not an object');
  return value;
}

/**
 * The members of a struct-like object. Go's decoder matches field names case-insensitively, so
 * `Version` beside `version` could be read differently by Notary and by us: such a member is
 * refused rather than guessed at.
 */
export function fields(
  value: Json | undefined,
  what: string,
  known: readonly string[],
): JsonObject {
  const obj = object(value, what);
  const lower = new Map(known.map((k) => [k.toLowerCase(), k]));
  for (const key of Object.keys(obj)) {
    const exact = lower.get(key.toLowerCase());
    if (exact !== undefined && exact !== key)
      throw malformed(what, `has a member "${key}" Go would read as "${exact}"`);
  }
  return obj;
}

export function string(value: Json | undefined, what: string): string {
  if (typeof value !== 'string') throw malformed(what, 'is not a string');
  return value;
}

export function integer(value: Json | undefined, what: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw malformed(what, `is not an integer >= ${min}`);
  return value;
}

export function array(value: Json | undefined, what: string, max: number): Json[] {
  if (!Array.isArray(value)) throw malformed(what, 'is not an array');
  if (value.length > max) throw new TufError('TOO_LARGE', `${what} has more than ${max} entries`);
  return value;
}

/** Members of a map-like object, bounded. */
export function entries(value: Json | undefined, what: string, max: number): [string, Json][] {
  const list = Object.entries(object(value, what));
  if (list.length > max) throw new TufError('TOO_LARGE', `${what} has more than ${max} entries`);
  return list;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Go encodes `[]byte` as padded standard base64; Node's decoder alone would accept junk. */
export function base64(value: Json | undefined, what: string): Buffer {
  const text = string(value, what);
  if (!BASE64.test(text)) throw malformed(what, 'is not base64');
  return Buffer.from(text, 'base64');
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `expires` as Go's time.Time reads it (RFC 3339, up to nanoseconds). Past milliseconds the
 * fraction is dropped, so an instant can only come out earlier: expiry errs on the safe side.
 */
export function time(value: Json | undefined, what: string): Date {
  const m = RFC3339.exec(string(value, what));
  if (!m) throw malformed(what, 'is not an RFC 3339 time');
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(t);
  if (check.getUTCDate() !== Number(d) || check.getUTCHours() !== Number(h) || Number(s) > 59)
    throw malformed(what, 'is not a valid date');
  if (zone !== 'Z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    t -= sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6))) * 60_000;
  }
  return new Date(t);
}
