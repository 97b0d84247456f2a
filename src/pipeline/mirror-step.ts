// Registry mirrors in the pipeline (issue 15 item 1). The trust policy is chosen by the reference
// as the Pod writes it (the image's identity); the image is then looked for on the mirrors of
// its entry in order (then the origin unless `mirrorsOnly`), and the first host that has it
// serves everything else: manifest, referrers, envelopes. The verdict names that host.
import { Singleflight, type Outcome } from '../cache/index.js';
import {
  atEndpoint,
  credentialsFingerprint,
  locateArtifact,
  repositoryName,
  type CredentialLookup,
  type Endpoint,
  type ImageReference,
  type Located,
  type RegistryClient,
} from '../registry/index.js';
import type { Descriptor } from '../verify/index.js';
import type { TagResolver } from './resolve.js';
import type { CachedVerdict } from './verdict.js';

/** Which hosts to ask for a reference (src/registry's MirrorTable). */
export interface MirrorRouting {
  endpoints(ref: ImageReference): Endpoint[] | undefined;
}

/** Finds the host of a mirrored reference; shared by concurrent callers, never remembered. */
export type MirrorLocator = (
  ref: ImageReference,
  endpoints: readonly Endpoint[],
  caller: { signal: AbortSignal; credentials?: CredentialLookup },
) => Promise<Located>;

/**
 * Concurrent callers naming the same reference with the same identities share one search, as
 * tags share one HEAD (resolve.ts); nothing is kept once it settles, so the next review asks
 * again and a mirror that lost the image, or came back, is noticed at once.
 */
export function createMirrorLocator(options: {
  registry: Pick<RegistryClient, 'resolve'>;
  now: () => number;
  budgetMs: number;
}): MirrorLocator {
  const searching = new Singleflight<Located>();
  return async (ref, endpoints, caller) => {
    const who = endpoints
      .map((e) => credentialsFingerprint(caller.credentials?.(e.host)))
      .join(',');
    const at = ref.digest !== undefined ? `@${ref.digest}` : `:${ref.tag ?? 'latest'}`;
    const key = `${repositoryName(ref)}${at}\n${who}`;
    const call = {
      deadline: options.now() + options.budgetMs,
      ...(caller.credentials && { credentials: caller.credentials }),
    };
    return searching.do(
      key,
      (signal) => locateArtifact(options.registry, endpoints, { signal, ...call }),
      caller.signal,
    ).result;
  };
}

/** What a review verifies: the artifact and, under a mirror entry, the host that has it. */
export interface FoundArtifact {
  artifact: Descriptor | string;
  located?: Located;
}

/**
 * The artifact of a reference: found on its mirror entry's hosts when `mirrors` has one for it
 * (a digest too: which host has it must be known), else the tag resolved on its own registry.
 */
export function createArtifactFinder(options: {
  registry: Pick<RegistryClient, 'resolve'>;
  mirrors: MirrorRouting | undefined;
  resolve: TagResolver;
  now: () => number;
  budgetMs: number;
}): (ref: ImageReference, caller: Parameters<TagResolver>[1]) => Promise<FoundArtifact> {
  const { mirrors, resolve } = options;
  const locate = mirrors && createMirrorLocator(options);
  return async (ref, caller) => {
    const endpoints = mirrors?.endpoints(ref);
    if (!locate || !endpoints) return { artifact: await resolve(ref, caller) };
    const located = await locate(ref, endpoints, caller);
    return { artifact: located.artifact, located };
  };
}

/** The registry for the rest of one verification: bound to the host that has the image. */
export const boundRegistry = <R extends object>(
  registry: R,
  ref: ImageReference,
  located: Located,
): R => atEndpoint(registry, ref, located.endpoint);

const role = (e: Endpoint): string => `${e.mirror ? 'mirror' : 'origin'} ${e.host}`;

/**
 * A verdict reached on a mirror entry's host, saying which host it was; a mirror that has the
 * image but none of its signatures says how that usually happens.
 */
export function namingHost(
  outcome: Outcome<CachedVerdict>,
  endpoint: Endpoint,
): Outcome<CachedVerdict> {
  if (outcome.kind === 'verified') return outcome;
  const v = outcome.verdict as Exclude<CachedVerdict, { result: 'verified' }>;
  const reason =
    endpoint.mirror && v.code === 'SIGNATURE_NOT_FOUND'
      ? `${v.reason} on ${role(endpoint)}, which has the image: were its signatures copied ` +
        'with it? (`oras cp -r` copies an image with its signatures)'
      : `${v.reason} (on ${role(endpoint)})`;
  return { ...outcome, verdict: { ...v, reason } };
}
