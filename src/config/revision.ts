// The snapshot revision: part of every verdict cache key (architecture decision 6), so it must
// change whenever anything a verdict or an admission decision depends on changes, and must not
// change when nothing did (a re-read file, reordered JSON keys).
import { createHash } from 'node:crypto';
import type { CrlBundle, TrustPolicyDocument, TrustStores } from '../verify/index.js';
import type { AdmissionOverrides, NoMatchAction, PolicyRequirements } from './snapshot.types.js';

export interface RevisionInput {
  document: TrustPolicyDocument;
  trustStores: TrustStores;
  /** Admission settings by statement name (resolved or as given: both are hashed as they are). */
  admission: Readonly<Record<string, AdmissionOverrides>>;
  noMatch: NoMatchAction;
  /**
   * Requirements by statement name beyond the statement itself (signer groups, user metadata,
   * referrers …; issue 14). Left out for plain notation statements, whose revision stays as it was.
   */
  requirements?: Readonly<Record<string, PolicyRequirements>>;
  /**
   * CRLs supplied instead of fetched (issue 15): a new CRL must re-verify cached verdicts. Left
   * out when there is no bundle, so such revisions stay as they were.
   */
  crls?: CrlBundle;
}

/** Bumped when the canonical form changes, so old and new revisions can never collide. */
const FORMAT = 'notary-admission/revision/v1';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * JSON with object keys sorted (recursively) and undefined members left out, as JSON.stringify
 * leaves them out. Arrays keep their order: scope and identity order is part of the document.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (isPlainObject(value)) {
    const members = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sha256 = (data: string | Uint8Array): string =>
  createHash('sha256').update(data).digest('hex');

/** Every store as `type:name` with the SHA-256 of each certificate's DER, all sorted. */
function storeDigests(trustStores: TrustStores): [string, string[]][] {
  return [...trustStores.entries()]
    .map(([key, store]): [string, string[]] => [
      key,
      store.certificates.map((cert) => sha256(new Uint8Array(cert.rawData))).sort(),
    ])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Hex SHA-256 over the canonical document, admission settings, noMatch, requirements and trust
 * store DER.
 */
export function computeRevision(input: RevisionInput): string {
  return sha256(
    canonicalJson({
      format: FORMAT,
      document: input.document,
      admission: input.admission,
      noMatch: input.noMatch,
      requirements: input.requirements,
      trustStores: storeDigests(input.trustStores),
      crls: input.crls?.crls.map((c) => c.sha256),
    }),
  );
}
