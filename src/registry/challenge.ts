/** One `WWW-Authenticate` challenge (RFC 7235): scheme and auth-params, names lower-cased. */
export interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

interface Cursor {
  s: string;
  i: number;
}

function skip(c: Cursor, re: RegExp): void {
  const m = re.exec(c.s.slice(c.i));
  if (m) c.i += m[0].length;
}

function token(c: Cursor): string | undefined {
  const m = TOKEN.exec(c.s.slice(c.i));
  if (!m) return undefined;
  c.i += m[0].length;
  return m[0];
}

function quoted(c: Cursor): string | undefined {
  if (c.s[c.i] !== '"') return token(c);
  let out = '';
  for (c.i++; c.i < c.s.length; c.i++) {
    const ch = c.s[c.i]!;
    if (ch === '"') {
      c.i++;
      return out;
    }
    if (ch === '\\') c.i++;
    out += c.s[c.i] ?? '';
  }
  return undefined;
}

/** Reads `name=value` pairs until the next scheme (a token not followed by `=`) or the end. */
function params(c: Cursor): Record<string, string> {
  const out: Record<string, string> = {};
  for (;;) {
    skip(c, /^[\s,]*/);
    const start = c.i;
    const name = token(c);
    skip(c, /^\s*/);
    if (name === undefined || c.s[c.i] !== '=') {
      c.i = start;
      return out;
    }
    c.i++;
    skip(c, /^\s*/);
    const value = quoted(c);
    if (value === undefined) return out;
    out[name.toLowerCase()] = value;
  }
}

/**
 * Parses a `WWW-Authenticate` header into its Basic and Bearer challenges (others are skipped).
 * Bearer comes first when both are offered: it never sends the password to the registry.
 */
export function parseChallenges(header: string | undefined): Challenge[] {
  if (header === undefined || header.length > 8192) return [];
  const c: Cursor = { s: header, i: 0 };
  const out: Challenge[] = [];
  while (c.i < c.s.length) {
    skip(c, /^[\s,]*/);
    const scheme = token(c)?.toLowerCase();
    if (scheme === undefined) break;
    const p = params(c);
    if (scheme === 'basic' || scheme === 'bearer') out.push({ scheme, params: p });
  }
  return out.sort((a, b) => (a.scheme === b.scheme ? 0 : a.scheme === 'bearer' ? -1 : 1));
}
