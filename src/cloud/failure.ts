// What a cloud step's failure says in a denial and a log line: the SDK's error name and message,
// never a token (a JWT-shaped or long opaque string is cut out), on one short line.

const JWT = /eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*/g;
const OPAQUE = /[A-Za-z0-9+/=_-]{64,}/g;
const MAX_CHARS = 300;

/** `ExpiredTokenException: Token expired …`, `ENOENT: no such file or directory, open '/var/…'`. */
export function describeFailure(err: unknown): string {
  const name = err instanceof Error ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  const text =
    `${name && name !== 'Error' && !message.startsWith(name) ? `${name}: ` : ''}${message}`
      .replace(JWT, '<token>')
      .replace(OPAQUE, '<redacted>')
      .replace(/\s+/g, ' ')
      .trim();
  return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}…` : text || 'unknown error';
}
