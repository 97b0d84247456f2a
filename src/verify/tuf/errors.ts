/**
 * Coded errors of the Notary v1 / TUF verifier. A code is public interface (it shows in denials
 * as `[CODE]`), so the union is closed and changing a member is a breaking change.
 */
export type TufErrorCode =
  /** No trust data at all for the GUN (the server has no root.json): the image is unsigned. */
  | 'TRUST_DATA_NOT_FOUND'
  /** A role the client needs is not on the server (timestamp, snapshot, targets, a root version). */
  | 'METADATA_MISSING'
  /** Not JSON, not canonical-encodable, wrong `_type`, a field of the wrong shape, version < 1. */
  | 'METADATA_MALFORMED'
  /** Over a byte, key, signature, delegation, path, target or root-version bound. */
  | 'TOO_LARGE'
  /** No pinned key signs the root, the rotation chain breaks, or a root key is not a valid GUN cert. */
  | 'ROOT_UNTRUSTED'
  /** Fewer valid signatures from distinct keys of the role than its threshold. */
  | 'THRESHOLD_NOT_MET'
  /** A role's `expires` (or the root certificate's validity) is before `now`. */
  | 'EXPIRED'
  /** A version lower than one this process has already trusted for the GUN. */
  | 'ROLLBACK'
  /** Bytes whose length or hashes differ from what the timestamp or snapshot says. */
  | 'HASH_MISMATCH'
  /** A delegation with a bad name, a parent it does not belong to, or too deep. */
  | 'DELEGATION_INVALID'
  /** The tag (or the digest) is in no accepted role's targets. */
  | 'TARGET_NOT_FOUND'
  /** The tag's trusted target does not hash to the image's digest (or size). */
  | 'DIGEST_MISMATCH';

/** Where in the TUF client workflow the failure happened. */
export type TufRole =
  'root' | 'timestamp' | 'snapshot' | 'targets' | `targets/${string}` | 'target';

export class TufError extends Error {
  override readonly name = 'TufError';
  readonly code: TufErrorCode;
  readonly role: TufRole | undefined;

  constructor(
    code: TufErrorCode,
    message: string,
    options: { role?: TufRole; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.role = options.role;
  }
}

export function isTufError(err: unknown): err is TufError {
  return err instanceof TufError;
}
