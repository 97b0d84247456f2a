// A compiled, frozen Snapshot (snapshot.types.ts) from a validated document and trust stores.
import type { CrlBundle, TrustPolicyDocument, TrustStores } from '../verify/index.js';
import { resolveAdmission } from './admission.js';
import { computeRevision } from './revision.js';
import { singleStatement } from './requirements.js';
import type {
  AdmissionOverrides,
  NoMatchAction,
  PolicyAdmission,
  PolicyRequirements,
  Snapshot,
} from './snapshot.types.js';

export interface SnapshotParts {
  document: TrustPolicyDocument;
  trustStores: TrustStores;
  /** Admission overrides by statement name (already checked against the document). */
  admission: Readonly<Record<string, AdmissionOverrides>>;
  noMatch: NoMatchAction;
  source: string;
  /** Requirements of the statements that have more than themselves (`--config` policies). */
  requirements?: Readonly<Record<string, PolicyRequirements>>;
  /** CRLs supplied instead of fetched (`--crl-bundle`). */
  crls?: CrlBundle;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** Builds the immutable snapshot and its revision; the same document serves every namespace. */
export function createSnapshot(parts: SnapshotParts): Snapshot {
  const document = deepFreeze(structuredClone(parts.document));
  const admission = new Map<string, PolicyAdmission>(
    document.trustPolicies.map((s) => [
      s.name,
      Object.freeze(
        resolveAdmission(
          s.name,
          Object.hasOwn(parts.admission, s.name) ? parts.admission[s.name] : undefined,
        ),
      ),
    ]),
  );
  const trustStores: TrustStores = new Map(parts.trustStores);
  const given = deepFreeze(structuredClone(parts.requirements ?? {}));
  const requirements = new Map<string, PolicyRequirements>(
    document.trustPolicies.map((s) => [
      s.name,
      Object.hasOwn(given, s.name) ? given[s.name]! : deepFreeze(singleStatement(s)),
    ]),
  );
  const revision = computeRevision({
    document,
    trustStores,
    admission: Object.fromEntries(admission),
    noMatch: parts.noMatch,
    ...(Object.keys(given).length > 0 && { requirements: given }),
    ...(parts.crls && { crls: parts.crls }),
  });
  return Object.freeze({
    revision,
    source: parts.source,
    trustStores,
    noMatch: parts.noMatch,
    ...(parts.crls && { crls: parts.crls }),
    documentFor: () => document,
    admission: (policy: string) => admission.get(policy) ?? resolveAdmission(policy, undefined),
    requirements: (policy: string) => requirements.get(policy),
  });
}
