/**
 * Coded errors of the registry client, in two kinds (architecture.md, decision 3): the registry
 * could not be asked (availability: the verdict is inconclusive), or it answered with something
 * that is not what was asked for (content: a definitive failure, never "could not verify").
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
  | 'INVALID_REFERENCE'
  // A cloud identity gave no registry credentials (src/cloud): identity token missing, expired
  // or refused, the cloud's endpoint unreachable. Availability: trying later may work.
  | 'ECR_CREDENTIALS_UNAVAILABLE'
  | 'ACR_CREDENTIALS_UNAVAILABLE'
  | 'GCP_CREDENTIALS_UNAVAILABLE';

/**
 * `availability`: network, timeout, 5xx, 429, refused credentials (what trying again later may
 * change). `content`: anything the registry did answer that is not a valid answer (404, wrong or
 * oversized manifests, digest mismatches, junk listings). `refused`: our own address rules will
 * not let us ask (NOT_ALLOWED) — as definitive as a wrong answer, or whoever writes a Pod spec
 * names an in-cluster registry we may not reach and `onError: Allow` admits its image unverified.
 * Only availability may reach a policy's `onError`.
 */
export type RegistryErrorKind = 'availability' | 'content' | 'refused';

const AVAILABILITY_CODES: ReadonlySet<RegistryErrorCode> = new Set<RegistryErrorCode>([
  'UNAUTHORIZED',
  'DENIED',
  'TIMEOUT',
  'RATE_LIMITED',
  'NETWORK',
  'ECR_CREDENTIALS_UNAVAILABLE',
  'ACR_CREDENTIALS_UNAVAILABLE',
  'GCP_CREDENTIALS_UNAVAILABLE',
]);

/** The kind of an error with this code and HTTP status (a 5xx or 429 is availability whatever its code). */
export function registryErrorKind(code: RegistryErrorCode, status?: number): RegistryErrorKind {
  if (code === 'NOT_ALLOWED') return 'refused';
  if (AVAILABILITY_CODES.has(code)) return 'availability';
  if (status !== undefined && (status >= 500 || status === 429 || status === 401 || status === 403))
    return 'availability';
  return 'content';
}

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
  /**
   * Derived from code and status. It is also the structural contract src/verify reads from a
   * rejected `listSignatures` or `load()`: only `availability` makes a verdict inconclusive.
   */
  readonly kind: RegistryErrorKind;

  constructor(code: RegistryErrorCode, message: string, options: RegistryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.kind = registryErrorKind(code, options.status);
  }
}

export function isRegistryError(err: unknown): err is RegistryError {
  return err instanceof RegistryError;
}

/** `https://host/path` without userinfo, query or fragment: safe to show in messages. */
export function redact(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
