// The port through which the verifier reads a Notary server, and the checks on what it returns.
import { createHash } from 'node:crypto';
import { TufError, type TufRole } from './errors.js';
import type { TufLimits } from './limits.js';
import type { FileMeta } from './metadata.js';
import type { KeyCache } from './signatures.js';

/** One metadata file of a GUN, as Notary's server API names it (server/server.go routes). */
export interface TufMetadataRequest {
  /** `root`, `timestamp`, `snapshot`, `targets` or a delegated role `targets/…`. */
  role: string;
  /** `<version>.root.json`: a past root, for the rotation chain. */
  version?: number;
  /** `<role>.<sha256 hex>.json`: the consistent name of the exact bytes the snapshot or timestamp names. */
  checksum?: string;
  /** More bytes than this must be refused by the source (and are by the verifier). */
  maxBytes: number;
}

/**
 * What src/registry's Notary client provides (structurally: it imports only these types).
 * `fetch` resolves `undefined` when the server says the file does not exist (404), and rejects
 * for anything else the way `RetrievalFailure` (../candidates.ts) says: a rejection with
 * `kind: 'availability'` leaves the verdict open; the verifier passes rejections through as
 * they are, so they never become "trusted" — except one with `code: 'TOO_LARGE'` for a file
 * fetched by its signed length, which is that file's HASH_MISMATCH.
 */
export interface TufMetadataSource {
  fetch(gun: string, request: TufMetadataRequest): Promise<Uint8Array | undefined>;
}

/** What one verification carries from step to step. */
export interface Session {
  gun: string;
  source: TufMetadataSource;
  limits: TufLimits;
  now: Date;
  cache: KeyCache;
  bytes: number;
}

/** Fetches one file within the per-file and per-verification byte budgets. */
export async function fetchBounded(
  s: Session,
  request: TufMetadataRequest,
): Promise<Uint8Array | undefined> {
  const remaining = s.limits.totalBytes - s.bytes;
  if (request.maxBytes > remaining) request = { ...request, maxBytes: remaining };
  const body = await s.source.fetch(s.gun, request);
  if (body === undefined) return undefined;
  if (body.length > request.maxBytes)
    throw new TufError(
      'TOO_LARGE',
      `${request.role}: ${body.length} bytes, more than ${request.maxBytes}`,
    );
  s.bytes += body.length;
  return body;
}

/**
 * The bytes the signed meta names, by its consistent name: length first (no download larger
 * than announced, TUF 5.4.1), then every hash Notary knows (data.CheckHashes).
 */
export async function fetchByMeta(
  s: Session,
  role: TufRole,
  meta: FileMeta,
  cap: number,
): Promise<Uint8Array | undefined> {
  if (meta.length > Math.min(cap, s.limits.totalBytes - s.bytes))
    throw new TufError(
      'TOO_LARGE',
      `${role}: announced ${meta.length} bytes, over the size bounds`,
      { role },
    );
  const checksum = meta.sha256.toString('hex');
  let body: Uint8Array | undefined;
  try {
    body = await fetchBounded(s, { role, checksum, maxBytes: meta.length });
  } catch (err) {
    // More bytes than the signed length are not the signed file, whoever noticed first (the
    // source stops reading at maxBytes): the same verdict as one byte fewer, never a size bound.
    const why = `${role}: more bytes than the ${meta.length} signed for`;
    if (isOverLimit(err)) throw new TufError('HASH_MISMATCH', why, { role });
    throw err;
  }
  if (body !== undefined) checkMeta(body, meta, role);
  return body;
}

/** A rejection for a body over `maxBytes`: ours, or the source's (`code: 'TOO_LARGE'`, as src/registry's). */
function isOverLimit(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'TOO_LARGE'
  );
}

export function checkMeta(body: Uint8Array, meta: FileMeta, role: TufRole): void {
  if (body.length !== meta.length)
    throw new TufError(
      'HASH_MISMATCH',
      `${role}: ${body.length} bytes where ${meta.length} were signed for`,
      { role },
    );
  const sha256 = createHash('sha256').update(body).digest();
  const sha512 = meta.sha512 && createHash('sha512').update(body).digest();
  if (!sha256.equals(meta.sha256) || (sha512 && !sha512.equals(meta.sha512!)))
    throw new TufError(
      'HASH_MISMATCH',
      `${role}: the bytes do not have the hashes signed for them`,
      { role },
    );
}
