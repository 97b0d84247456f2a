// Docker Content Trust's codes (issue 18): each Notary v1 / TUF code of src/verify/tuf as a
// denial shows it (`DCT_` + the code, src/pipeline/dct.ts), and the end of a policy's window.
// Every one is a definitive failure, so the TrustPolicy's action decides; a Notary server that
// could not be asked gives the registry's own codes (NETWORK, TIMEOUT …), which onError decides.
import type { Catalogue, DctCode, DenialEntry } from './types.js';

const entry = (meaning: string, remedy: string): DenialEntry => ({
  decidedBy: 'action',
  meaning,
  remedy,
});

const RESIGN =
  'sign the image with Notation; until then check it with `notary-admission verify --dct-server`';

export const DCT_CODES: Catalogue<DctCode, DenialEntry> = {
  DCT_WINDOW_CLOSED: entry(
    "the image has no Notation signature, and the policy's Docker Content Trust window (spec.dct.until) has closed",
    'sign the image with Notation (`notation sign`); the policy status warned with DCTWindowClosing from 14 days before',
  ),
  DCT_TRUST_DATA_NOT_FOUND: entry(
    'no Notation signature, and the Notary server has no trust data for the repository (it was never signed with DCT)',
    RESIGN,
  ),
  DCT_METADATA_MISSING: entry(
    'the Notary server lacks a metadata file the trust data needs (timestamp, snapshot, targets or a root version)',
    'publish the repository again (`notary publish <gun>`), or check the Notary server',
  ),
  DCT_METADATA_MALFORMED: entry(
    'a trust data file is not valid TUF metadata (not canonical JSON, wrong type or fields, version below 1)',
    'check the Notary server; someone may serve altered metadata in front of it',
  ),
  DCT_TOO_LARGE: entry(
    'a trust data file or the whole trust data is over the bounds (sizes, keys, signatures, delegations, targets)',
    'remove stale delegations or targets from the repository (docs/conformance.md lists the bounds)',
  ),
  DCT_ROOT_UNTRUSTED: entry(
    "the repository's root is not signed by the pinned root (notaryV1Root store), directly or through its rotations",
    'pin the root the publisher uses now (`notary key list`), or check for a replaced repository',
  ),
  DCT_THRESHOLD_NOT_MET: entry(
    'a trust data file has fewer valid signatures from the role’s keys than its threshold',
    'publish the repository again with the role’s keys; check for tampering',
  ),
  DCT_EXPIRED: entry(
    'a trust data file (timestamp, snapshot, targets, root) or the root certificate has expired',
    'the publisher re-signs (`notary publish`; the server renews timestamps it signs)',
  ),
  DCT_ROLLBACK: entry(
    'the Notary server served an older version of the trust data than this webhook has already trusted',
    'check the Notary server and whatever is in front of it: this is what a replay attack looks like',
  ),
  DCT_HASH_MISMATCH: entry(
    'a trust data file does not have the length or hashes the timestamp or snapshot signed for it',
    'check the Notary server and whatever is in front of it; publish the repository again',
  ),
  DCT_DELEGATION_INVALID: entry(
    'a delegation of the trust data has an invalid name, is declared by the wrong parent, or is too deep',
    'fix the delegations (`notary delegation list`); the policy’s roles must be targets or targets/<name>',
  ),
  DCT_TARGET_NOT_FOUND: entry(
    "no Notation signature, and the tag (or the digest) is signed by none of the policy's DCT roles",
    `sign the tag in an accepted role (\`notary addhash\`, \`docker trust sign\`), or ${RESIGN}`,
  ),
  DCT_DIGEST_MISMATCH: entry(
    'no Notation signature, and the tag is signed with DCT for another digest than the registry serves',
    'deploy the signed digest, or sign the new one (`docker trust sign`); the registry tag may have been moved',
  ),
};
