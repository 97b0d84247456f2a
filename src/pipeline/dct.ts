// Docker Content Trust as an alternative to the Notation signature (issue 18): a policy with a
// `dct` block passes an image whose Notation verification did not, while `now` is before
// `until`, when the Notary server's trust data signs its digest through an accepted role.
// Notation is asked first, so an image re-signed with Notation never costs the Notary server a
// request. What DCT may stand in for (one signer group, no referrers, the index): src/config/dct.ts.
import type { Outcome } from '../cache/index.js';
import type { DctAlternative } from '../config/snapshot.types.js';
import { isNotaryGun } from '../registry/index.js';
import {
  createTufTrustStore,
  isTufError,
  verifyTrustData,
  type FoundTarget,
  type TufTrustStore,
} from '../verify/index.js';
import type { ComputeOptions } from './compute.js';
import { rootKey, type DctContext } from './dct-context.js';
import { joinClauses } from './referrer-verdict.js';
import { classifyRegistryError, type CachedVerdict, type ClassifiedFailure } from './verdict.js';
import type { ImageVerification } from './verify-once.js';

/** What the Notary server's trust data said about the image. */
export type DctOutcome =
  | { verified: true; gun: string; target: FoundTarget; expires: Date }
  | { verified: false; gun: string; failure: ClassifiedFailure };

/** A verification of a policy with `dct`: the Notation one, then what DCT said (or that the window closed). */
export interface DctVerification {
  notation: ImageVerification;
  dct: DctOutcome | 'window-closed';
  policy: DctAlternative;
  verdict: Outcome<CachedVerdict>;
}

export type ComputedVerification = ImageVerification | DctVerification;

/** The pins of a compiled block, parsed once per snapshot (the block is frozen with it). */
const pinsOf = new WeakMap<DctAlternative, TufTrustStore>();
function pins(dct: DctAlternative): TufTrustStore {
  let store = pinsOf.get(dct);
  if (!store) pinsOf.set(dct, (store = createTufTrustStore(dct.roots)));
  return store;
}

/** The image's trust data from the policy's server: the target that vouches for it, or why not. */
export async function verifyDct(
  o: Pick<ComputeOptions, 'ref' | 'artifact' | 'signal' | 'deadline' | 'now'>,
  dct: DctAlternative,
  context: DctContext,
): Promise<DctOutcome> {
  const gun = `${o.ref.registry}/${o.ref.repository}`;
  if (!isNotaryGun(gun))
    return refused(gun, 'DCT_TRUST_DATA_NOT_FOUND', `a Notary server cannot name ${gun}`);
  const digest = typeof o.artifact === 'string' ? o.artifact : o.artifact.digest;
  const size = typeof o.artifact === 'string' ? undefined : o.artifact.size;
  // A reference with a digest is pulled by it: any target with that hash vouches. A tag alone
  // is pulled by what the registry resolves it to: the tag's own target must be that digest.
  const tag = o.ref.digest === undefined ? o.ref.tag : undefined;
  const image = { digest, ...(size !== undefined && { size }), ...(tag !== undefined && { tag }) };
  const state = `${dct.server} ${gun}`;
  const key = rootKey(dct.server, gun, dct.roots);
  const now = o.now();
  const trustedRoot = context.root(key, now);
  try {
    const trusted = await context.session(dct.server, o, (source) =>
      verifyTrustData({
        gun,
        trustStore: pins(dct),
        source,
        image,
        now: new Date(now),
        state: context.state.get(state),
        roles: dct.roles,
        ...(trustedRoot && { trustedRoot }),
      }),
    );
    context.state.record(state, trusted.state);
    context.keepRoot(key, trusted.root, now);
    return { verified: true, gun, target: trusted.target, expires: trusted.expires };
  } catch (err) {
    if (isTufError(err)) return refused(gun, `DCT_${err.code}`, err.message);
    const failure = classifyRegistryError(err);
    if (failure === undefined) throw err;
    return {
      verified: false,
      gun,
      failure: { ...failure, reason: `Notary server ${dct.server}: ${failure.reason}` },
    };
  }
}

const refused = (gun: string, code: string, reason: string): DctOutcome => ({
  verified: false,
  gun,
  failure: { result: 'failed', code, reason },
});

/** The Notation verdict that did not pass, as a clause. */
function notationClause(v: Outcome<CachedVerdict>): ClassifiedFailure {
  if (v.verdict.result === 'verified')
    return {
      result: 'failed',
      code: 'INTERNAL_ERROR',
      reason: 'a passing verdict read as a failure',
    };
  return v.verdict;
}

/**
 * Notation did not pass and DCT did not either: failed when both failed definitively (the last
 * clause's code is the verdict's: DCT's when the image has no Notation signature at all, else
 * Notation's), inconclusive when either could not be asked.
 */
function neither(
  notation: ClassifiedFailure,
  dct: DctOutcome & { verified: false },
  server: string,
) {
  // verifyDct names the server for the CLI; the clause names it once.
  const own = dct.failure.reason.replace(`Notary server ${server}: `, '');
  const d = { code: dct.failure.code, reason: `Docker Content Trust (${server}): ${own}` };
  const n = { code: notation.code, reason: notation.reason };
  const clauses = notation.code === 'SIGNATURE_NOT_FOUND' ? [n, d] : [d, n];
  const inconclusive = notation.result === 'inconclusive' || dct.failure.result === 'inconclusive';
  // The code of the side that could not be asked says why the verdict is open.
  const open = notation.result === 'inconclusive' ? [d, n] : [n, d];
  const { code, reason } = joinClauses(inconclusive ? open : clauses);
  const result = inconclusive ? ('inconclusive' as const) : ('failed' as const);
  return { kind: result, verdict: { result, code, reason } };
}

/** After `until`: Notation alone decided; an image without a Notation signature says why. */
function windowClosed(
  notation: Outcome<CachedVerdict>,
  dct: DctAlternative,
): Outcome<CachedVerdict> {
  const n = notationClause(notation);
  if (n.code !== 'SIGNATURE_NOT_FOUND') return notation;
  const { code, reason } = joinClauses([
    n,
    {
      code: 'DCT_WINDOW_CLOSED',
      reason: `Docker Content Trust signatures stopped counting at ${dct.until}: sign the image with Notation`,
    },
  ]);
  return { kind: 'failed', verdict: { result: 'failed', code, reason } };
}

/**
 * The Notation verification (`notation`), then, when it did not pass and the policy accepts
 * DCT, the trust data. A DCT pass lives no longer than `until` and the metadata's own expiry.
 */
export async function withDct(
  options: ComputeOptions,
  notation: () => Promise<ImageVerification>,
): Promise<ComputedVerification> {
  const policy = options.requirements.dct;
  if (!policy) return notation();
  const first = await notation();
  if (first.verdict.kind === 'verified') return first;
  const until = Date.parse(policy.until);
  if (options.now() >= until)
    return {
      notation: first,
      dct: 'window-closed',
      policy,
      verdict: windowClosed(first.verdict, policy),
    };
  if (!options.dct) throw new Error('a policy accepts DCT but the pipeline has no DCT context');
  const dct = await verifyDct(options, policy, options.dct);
  if (dct.verified) {
    const verdict: CachedVerdict = {
      result: 'verified',
      logged: [],
      dct: { role: dct.target.role, tag: dct.target.name },
    };
    const validUntil = Math.min(until, dct.expires.getTime());
    return { notation: first, dct, policy, verdict: { kind: 'verified', verdict, validUntil } };
  }
  const verdict = neither(notationClause(first.verdict), dct, policy.server);
  return { notation: first, dct, policy, verdict };
}
