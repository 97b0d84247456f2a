/**
 * Coded errors of the registry client. Every one means "the registry could not tell us":
 * a verdict built on it is inconclusive, never "unsigned".
 */

/** Codes aligned with the OCI distribution spec's error codes where one exists. */
export type RegistryErrorCode =
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'NAME_UNKNOWN'
  | 'MANIFEST_UNKNOWN'
  | 'BLOB_UNKNOWN'
  | 'DIGEST_MISMATCH'
  | 'TOO_LARGE'
  | 'TIMEOUT'
  | 'RATE_LIMITED'
  | 'NETWORK'
  | 'PROTOCOL'
  | 'NOT_ALLOWED'
  | 'INVALID_REFERENCE';

export interface RegistryErrorOptions {
  cause?: unknown;
  /** The HTTP status that led to the error, when there was one. */
  status?: number;
}

/** A registry failure. Messages name hosts and paths, never credentials, tokens or query strings. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly code: RegistryErrorCode;
  readonly status: number | undefined;
  /** Always true: no registry failure may be read as "no signature". */
  readonly inconclusive = true;

  constructor(code: RegistryErrorCode, message: string, options: RegistryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
  }
}

export function isRegistryError(err: unknown): err is RegistryError {
  return err instanceof RegistryError;
}

/** `https://host/path` without userinfo, query or fragment: safe to show in messages. */
export function redact(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
