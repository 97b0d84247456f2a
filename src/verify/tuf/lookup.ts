// The target that vouches for the image: by tag in the first accepted role that lists it (as
// Docker's GetTargetByName(tag, "targets/releases", "targets")), or by digest in any of them.
import type { VerifiedRole, Unusable } from './delegations.js';
import { TufError, type TufRole } from './errors.js';
import { fileMeta, type FileMeta } from './metadata.js';
import { pathAllowed } from './paths.js';

export interface ImageToVerify {
  /** `sha256:<hex>`: the digest the image's manifest has. */
  digest: string;
  /** The manifest's size, when known: then the target's length must equal it. */
  size?: number;
  /** The tag: its target must hash to `digest`. Without one, any target with that hash does. */
  tag?: string;
}

export interface FoundTarget {
  /** The target's name: the tag. */
  name: string;
  /** The role whose signed targets list it. */
  role: string;
  /** `sha256:<hex>` and size the target vouches for: the image's own. */
  digest: string;
  length: number;
}

const SHA256 = /^sha256:([a-f0-9]{64})$/;

function binds(meta: FileMeta, hex: string, size: number | undefined): boolean {
  return meta.sha256.toString('hex') === hex && (size === undefined || meta.length === size);
}

/** The target of one role that vouches for the image, if the role lists one for it. */
function inRole(role: VerifiedRole, image: ImageToVerify, hex: string): FoundTarget | undefined {
  const names = image.tag === undefined ? [...role.targets.targets.keys()] : [image.tag];
  for (const name of names) {
    const raw = role.targets.targets.get(name);
    if (raw === undefined || !pathAllowed(name, role.paths)) continue;
    const meta = fileMeta(raw, `${role.name} target "${name}"`);
    if (binds(meta, hex, image.size))
      return { name, role: role.name, digest: image.digest, length: meta.length };
    // The first role that lists the tag decides, as Docker's GetTargetByName.
    if (image.tag !== undefined)
      throw new TufError(
        'DIGEST_MISMATCH',
        `tag ${name} in ${role.name} is signed for sha256:${meta.sha256.toString('hex')} (${meta.length} bytes), not ${image.digest}`,
        { role: role.name as TufRole },
      );
  }
  return undefined;
}

/** Nothing found: the first skipped role's own failure if any (it is the likelier cause). */
function notFound(
  roles: readonly VerifiedRole[],
  skipped: readonly Unusable[],
  image: ImageToVerify,
): TufError {
  const why = skipped.map((s) => `${s.name}: ${s.error.message} [${s.error.code}]`).join('; ');
  const what =
    image.tag === undefined
      ? `no target hashes to ${image.digest}`
      : `no target for tag ${image.tag}`;
  const where = roles.map((r) => r.name).join(', ') || 'no usable role';
  const first = skipped.find((s) => s.error.code !== 'TARGET_NOT_FOUND');
  return new TufError(
    first?.error.code ?? 'TARGET_NOT_FOUND',
    `${what} in ${where}${why ? ` (${why})` : ''}`,
    {
      role: (first?.name as TufRole | undefined) ?? 'target',
    },
  );
}

/** Searches the roles in order; `skipped` explains roles that could not be used. */
export function findTarget(
  roles: readonly VerifiedRole[],
  skipped: readonly Unusable[],
  image: ImageToVerify,
): FoundTarget {
  const hex = SHA256.exec(image.digest)?.[1];
  if (!hex)
    throw new TufError(
      'DIGEST_MISMATCH',
      `${image.digest} is not a sha256 digest: Notary targets bind sha256`,
      {
        role: 'target',
      },
    );
  for (const role of roles) {
    const found = inRole(role, image, hex);
    if (found) return found;
  }
  throw notFound(roles, skipped, image);
}
