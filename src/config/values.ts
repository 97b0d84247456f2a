// Parsers of single setting values (a flag's, an environment variable's or a config key's). They
// throw BadValue with what was wrong and what is accepted; args.ts adds where the value came from.
import { isIP } from 'node:net';
import { normaliseHost, normalisePlainHttpHost, normalisePlainHttpHosts } from '../names/index.js';

/** A value that cannot be used; the message says what is accepted. */
export class BadValue extends Error {
  override readonly name = 'BadValue';
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

/** `10s`, `500ms`, `2m`, `1h` or plain milliseconds, as whole milliseconds. */
export function parseDuration(raw: string, min = 0): number {
  const match = DURATION.exec(raw.trim());
  if (!match)
    throw new BadValue(`"${raw}" is not a duration (e.g. 500ms, 10s, 2m, or milliseconds)`);
  const ms = Math.round(Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1));
  if (!Number.isSafeInteger(ms) || ms < min)
    throw new BadValue(`"${raw}" must be at least ${min} ms`);
  return ms;
}

/** A whole number in [min, max]. */
export function parseInteger(raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new BadValue(`"${raw}" is not a whole number from ${min} to ${max}`);
  return n;
}

export function parsePort(raw: string): number {
  return parseInteger(raw, 0, 65535);
}

/** A port, or `off` (null). */
export function parsePortOrOff(raw: string): number | null {
  if (raw.trim().toLowerCase() === 'off') return null;
  try {
    return parsePort(raw);
  } catch {
    throw new BadValue(`"${raw}" is not a port (0-65535) or "off"`);
  }
}

export function parseChoice<T extends string>(raw: string, choices: readonly T[]): T {
  const found = choices.find((c) => c === raw);
  if (found === undefined) throw new BadValue(`"${raw}" is not one of ${choices.join(', ')}`);
  return found;
}

/** A DNS name (labels of letters, digits and hyphens), without a port. */
export function isHostname(value: string): boolean {
  return value.length <= 253 && value.split('.').every((label) => LABEL.test(label));
}

/** An address to listen on: an IP address or a host name. */
export function parseListenHost(raw: string): string {
  if (isIP(raw) !== 0 || isHostname(raw)) return raw;
  throw new BadValue(`"${raw}" is not an IP address or host name`);
}

/** A name for the generated certificate: a DNS name (`*.` allowed first) or an IP address. */
export function parseDnsName(raw: string): string {
  if (isIP(raw) !== 0 || isHostname(raw.replace(/^\*\./, ''))) return raw;
  throw new BadValue(`"${raw}" is not a DNS name or IP address`);
}

/** A reason from src/names as a BadValue; a grammar failure gets an example of the form. */
function badHost(reason: string): BadValue {
  return new BadValue(
    reason.endsWith('host[:port]') ? `${reason} (e.g. registry.local:5000)` : reason,
  );
}

/**
 * A registry `host[:port]` in the one normal form references have (src/names, standing decision
 * 9): lower case, no trailing dot, port as a plain number, `:443` left out. Configuration is
 * trusted, so another spelling is normalised rather than refused.
 */
export function parseRegistryHost(raw: string): string {
  const host = normaliseHost(raw.trim());
  if (!host.ok) throw badHost(host.reason);
  return host.value;
}

/**
 * A plain-HTTP registry (`--insecure-registry`): the same normal form, so it is matched exactly as
 * Pods name it (`host:80` stays `host:80`); port 443 is refused (src/names says why).
 */
export function parsePlainHttpHost(raw: string): string {
  const host = normalisePlainHttpHost(raw.trim());
  if (!host.ok) throw badHost(host.reason);
  return host.value;
}

/** A list of plain-HTTP registries: de-duplicated; `host` with `host:80` is refused. */
export function checkPlainHttpHosts(hosts: readonly string[]): string[] {
  const checked = normalisePlainHttpHosts(hosts);
  if (!checked.ok) throw badHost(checked.reason);
  return checked.value;
}

/** `all` (true), `none` (false) or a list of IP addresses and CIDR ranges. */
export function parseNetworkAllowance(raw: readonly string[]): boolean | string[] {
  if (raw.length === 1 && raw[0] === 'all') return true;
  if (raw.length === 1 && raw[0] === 'none') return false;
  if (raw.some((entry) => entry === 'all' || entry === 'none'))
    throw new BadValue('"all" and "none" cannot be combined with other values');
  return raw.map((entry) => {
    const [ip = '', prefix, extra] = entry.split('/');
    const family = isIP(ip);
    const max = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= max);
    if (family === 0 || !prefixOk || extra !== undefined)
      throw new BadValue(`"${entry}" is not "all", "none", an IP address or a CIDR range`);
    return entry;
  });
}

/** `KEY=VALUE` with a non-empty key. */
export function parseKeyValue(raw: string, what = 'KEY=VALUE'): [string, string] {
  const at = raw.indexOf('=');
  if (at <= 0) throw new BadValue(`"${raw}" is not ${what}`);
  return [raw.slice(0, at), raw.slice(at + 1)];
}

/** `true`/`false` (or `1`/`0`), for environment variables. */
export function parseBoolean(raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new BadValue(`"${raw}" is not true or false`);
}
