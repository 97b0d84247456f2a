// Which signature candidates are evaluated, in what order, and what a failure to fetch one means.
import { createHash } from 'node:crypto';
import { VerificationError } from './errors.js';
import type { TrustPolicyStatement } from './trust-policy/index.js';
import type { TrustStore, TrustStores } from './types.js';
import type { Envelope } from './verify-signature.js';

/**
 * Signatures evaluated per artifact, for the service and the CLI alike. notation's default is
 * 100, but the annotation ordering below already puts a signature of the policy's own signers
 * first wherever the registry lists it; past that the cap only bounds what junk referrers can
 * cost: 32 × (manifest + envelope of at most 1 MiB) keeps a flood inside an admission deadline,
 * where 100 (200 requests) would turn it into a timeout, which is inconclusive. The `--max-signatures`
 * flag of both commands changes it (docs/conformance.md).
 */
export const DEFAULT_MAX_SIGNATURES = 32;

/** One signature found for the artifact; its envelope is fetched only when it is evaluated. */
export interface SignatureCandidate {
  /** Digest of the signature manifest, to name it in results. */
  digest: string;
  /**
   * The SHA-256 thumbprints (hex) of the signer's chain as the signature manifest's unsigned
   * `io.cncf.notary.x509chain.thumbprint#S256` annotation claims them: an ordering hint only.
   */
  thumbprints?: readonly string[];
  /** Rejects as RetrievalFailure says when the envelope cannot be had. */
  load(): Promise<Envelope>;
}

/**
 * What a rejected `listSignatures` or `load()` means (architecture.md, decision 3). Only a
 * rejection with `kind: 'availability'` (the registry could not be asked: network, timeout, 5xx,
 * 429, refused credentials) leaves the verdict open: it is rethrown when no signature passed.
 * Any other rejection — `kind: 'content'` (the registry answered, but not with a valid signature
 * artifact or listing), `kind: 'refused'` (our address rules would not let us ask, e.g. a
 * redirect to a metadata address) or an unexpected error — fails that signature or the listing: fail closed,
 * never "could not verify". src/registry's RegistryError has this shape; src/verify imports none.
 */
export interface RetrievalFailure {
  readonly kind: 'availability' | 'content' | 'refused';
  readonly message: string;
  readonly code?: string;
}

/**
 * Whether a rejected listing is the caller's to classify, rethrown as it is: the registry could
 * not be asked (inconclusive), or our own address rules refused to ask it (a definitive failure
 * whose code, NOT_ALLOWED, says more than "the list is invalid").
 */
export function isCallersToClassify(err: unknown): boolean {
  const kind =
    typeof err === 'object' && err !== null ? (err as Partial<RetrievalFailure>).kind : undefined;
  return kind === 'availability' || kind === 'refused';
}

/** Whether a rejection says the registry could not be asked (and nothing else). */
export function isUnavailable(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as Partial<RetrievalFailure>).kind === 'availability'
  );
}

function explain(err: unknown): string {
  const content =
    typeof err === 'object' &&
    err !== null &&
    'kind' in err &&
    (err.kind === 'content' || err.kind === 'refused');
  const message = err instanceof Error ? err.message : String(err);
  if (content) return message;
  const name = err instanceof Error ? err.name : typeof err;
  return `unexpected ${name}: ${message.slice(0, 200)}`;
}

/** A candidate whose envelope could not be had although the registry answered. */
export const artifactInvalid = (digest: string, err: unknown): VerificationError =>
  new VerificationError(
    'SIGNATURE_ARTIFACT_INVALID',
    'retrieval',
    `signature ${digest} is not a valid signature artifact: ${explain(err)}`,
    { cause: err },
  );

/** The listing itself was answered with something that is not a valid list of referrers. */
export const listInvalid = (digest: string, err: unknown): VerificationError =>
  new VerificationError(
    'SIGNATURE_LIST_INVALID',
    'retrieval',
    `the signatures of ${digest} cannot be listed: ${explain(err)}`,
    { cause: err },
  );

const storeThumbprints = new WeakMap<TrustStore, readonly string[]>();

/** SHA-256 of each certificate (DER), hex; once per store object, not per review. */
function thumbprintsOf(store: TrustStore): readonly string[] {
  let known = storeThumbprints.get(store);
  if (known === undefined) {
    known = store.certificates.map((c) =>
      createHash('sha256').update(new Uint8Array(c.rawData)).digest('hex'),
    );
    storeThumbprints.set(store, known);
  }
  return known;
}

/** Thumbprints of the certificates a signer's chain may end in under this statement. */
export function trustedThumbprints(
  policy: TrustPolicyStatement,
  stores: TrustStores,
): ReadonlySet<string> {
  const out = new Set<string>();
  for (const ref of policy.trustStores) {
    const store = stores.get(ref);
    // A `tsa` store trusts timestamps, not signers: its roots are never in a signing chain.
    if (store !== undefined && store.type !== 'tsa')
      for (const t of thumbprintsOf(store)) out.add(t);
  }
  return out;
}

/**
 * The candidates to evaluate, at most `max`: first those whose annotation names a trusted
 * certificate, then the rest, each in the registry's order. Nothing is dropped for its
 * annotation (it is unsigned: junk may copy it), so the total stays bounded by `max` alone.
 */
export function orderCandidates<T extends SignatureCandidate>(
  all: readonly T[],
  trusted: ReadonlySet<string>,
  max: number,
): { preferred: T[]; others: T[] } {
  const named = (c: T): boolean =>
    trusted.size > 0 && (c.thumbprints ?? []).some((t) => trusted.has(t.toLowerCase()));
  const preferred = all.filter(named).slice(0, max);
  const others = all.filter((c) => !named(c)).slice(0, max - preferred.length);
  return { preferred, others };
}

/**
 * The candidates several signer groups share, at most `max` in all (one budget, so groups do not
 * multiply what junk can cost): each group's trusted-thumbprint candidates taken in turn, one
 * per group at a time, so junk naming one group's certificate cannot crowd out another's; then
 * the rest. Returned in the registry's order; each group orders them for itself.
 */
export function pooledCandidates<T extends SignatureCandidate>(
  all: readonly T[],
  trusted: readonly ReadonlySet<string>[],
  max: number,
): T[] {
  const named = (c: T, set: ReadonlySet<string>): boolean =>
    set.size > 0 && (c.thumbprints ?? []).some((t) => set.has(t.toLowerCase()));
  const lists = trusted.map((set) => all.filter((c) => named(c, set)));
  const pool = new Set<T>();
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest && pool.size < max; i++)
    for (const list of lists) {
      const candidate = list[i];
      if (candidate !== undefined && pool.size < max) pool.add(candidate);
    }
  for (const candidate of all) {
    if (pool.size >= max) break;
    pool.add(candidate);
  }
  const order = new Map(all.map((c, i) => [c, i]));
  return [...pool].sort((a, b) => order.get(a)! - order.get(b)!);
}
