// Tag → digest, before anything is verified (architecture.md: the tag is never trusted; what is
// verified, cached and pinned is the digest it names now).
import { Singleflight } from '../cache/index.js';
import {
  credentialsFingerprint,
  repositoryName,
  type CallOptions,
  type CredentialLookup,
  type ImageReference,
  type RegistryClient,
} from '../registry/index.js';
import type { Descriptor } from '../verify/index.js';

/**
 * The artifact to verify: a tag resolved to its descriptor, or a digest reference's digest as it
 * is (not resolved: each signature's subject binds size and media type to it).
 */
export async function resolveArtifact(
  registry: Pick<RegistryClient, 'resolve'>,
  ref: ImageReference,
  call: CallOptions,
): Promise<Descriptor | string> {
  if (ref.digest !== undefined) return ref.digest;
  return registry.resolve(ref, call);
}

export interface TagResolverOptions {
  registry: Pick<RegistryClient, 'resolve'>;
  now: () => number;
  /** Budget of one resolution shared by concurrent callers (ms). */
  budgetMs: number;
}

/** The resolver a service shares between its concurrent callers. */
export type TagResolver = (
  ref: ImageReference,
  caller: { signal: AbortSignal; credentials?: CredentialLookup },
) => Promise<Descriptor | string>;

/**
 * Concurrent callers naming the same tag with the same identity share one HEAD; nothing is kept
 * once it settles, so every later caller resolves the tag afresh (a tag is never trusted, T-37).
 * Per identity: a pod resolves its tag with its own credentials, never rides on another's.
 */
export function createTagResolver(options: TagResolverOptions): TagResolver {
  const resolving = new Singleflight<Descriptor | string>();
  return async (ref, caller) => {
    if (ref.digest !== undefined) return ref.digest;
    const who = credentialsFingerprint(caller.credentials?.(ref.registry));
    const key = `${repositoryName(ref)}:${ref.tag ?? 'latest'}\n${who}`;
    const deadline = options.now() + options.budgetMs;
    const call = { deadline, ...(caller.credentials && { credentials: caller.credentials }) };
    return resolving.do(
      key,
      (signal) => resolveArtifact(options.registry, ref, { signal, ...call }),
      caller.signal,
    ).result;
  };
}
