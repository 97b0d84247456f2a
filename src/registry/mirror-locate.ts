// Which host of a mirror entry has the image (containerd's resolver: a 404 or an unavailable host
// moves on to the next), and a client bound to that host for the rest of the verification: the
// manifest, the referrers and the envelopes all come from where the digest was found.
import type { Descriptor } from '../verify/types.js';
import type { CallOptions } from './deadline.js';
import { isRegistryError, RegistryError, type RegistryErrorCode } from './errors.js';
import type { Endpoint } from './mirrors.js';
import type { ImageReference } from './reference.js';

/** What one host answered when it did not have the image. */
export interface HostAnswer {
  host: string;
  mirror: boolean;
  code: RegistryErrorCode;
  kind: RegistryError['kind'];
  message: string;
}

/** The host that has the image, the image there, and who was asked before it. */
export interface Located {
  endpoint: Endpoint;
  artifact: Descriptor;
  missed: HostAnswer[];
}

/** "Not there" (404) or "could not be asked" (availability): containerd tries the next host. */
const NOT_FOUND: ReadonlySet<RegistryErrorCode> = new Set(['NAME_UNKNOWN', 'MANIFEST_UNKNOWN']);
const movesOn = (err: RegistryError): boolean =>
  err.kind === 'availability' || NOT_FOUND.has(err.code);

const role = (a: { host: string; mirror: boolean }): string =>
  `${a.mirror ? 'mirror' : 'origin'} ${a.host}`;

/** `mirror a.internal does not have it; origin o.example could not be asked (NETWORK: …)` */
export function describeAnswers(answers: readonly HostAnswer[]): string {
  return answers
    .map((a) =>
      NOT_FOUND.has(a.code)
        ? `${role(a)} does not have it`
        : `${role(a)} could not be asked (${a.code}: ${a.message})`,
    )
    .join('; ');
}

/**
 * Resolves the reference (a tag by HEAD, a digest by a checked GET) on each endpoint in order and
 * returns the first that has it. Anything else a host answers (a digest mismatch, junk, a refused
 * address) stops the search as a failure naming that host: the kubelet would pull the same answer
 * from it. When no host has it: inconclusive if one could not be asked, else not found.
 */
export async function locateArtifact(
  registry: { resolve(ref: ImageReference, options?: CallOptions): Promise<Descriptor> },
  endpoints: readonly Endpoint[],
  call: CallOptions,
): Promise<Located> {
  const missed: HostAnswer[] = [];
  for (const endpoint of endpoints) {
    try {
      return { endpoint, artifact: await registry.resolve(endpoint.ref, call), missed };
    } catch (err) {
      if (!isRegistryError(err) || call.signal?.aborted) throw err;
      const answer = { host: endpoint.host, mirror: endpoint.mirror, message: err.message };
      if (!movesOn(err))
        throw new RegistryError(err.code, `${role(answer)}: ${err.message}`, {
          cause: err,
          ...(err.status !== undefined && { status: err.status }),
        });
      missed.push({ ...answer, code: err.code, kind: err.kind });
    }
  }
  const unavailable = missed.find((a) => a.kind === 'availability');
  const message = `not found on any host of its mirror entry: ${describeAnswers(missed)}`;
  // Availability first: the image may be on the host that could not be asked (decision 3).
  if (unavailable) throw new RegistryError(unavailable.code, message);
  throw new RegistryError('MANIFEST_UNKNOWN', message, { status: 404 });
}

const sameRepository = (value: unknown, ref: ImageReference): value is ImageReference =>
  typeof value === 'object' &&
  value !== null &&
  (value as ImageReference).registry === ref.registry &&
  (value as ImageReference).repository === ref.repository;

/**
 * The client with every call about `identity`'s repository sent to `endpoint` instead (each
 * method's first argument is the reference; tag and digest are kept). Any method, present or
 * added later, is bound alike, so no step can reach the origin by a method forgotten here.
 */
export function atEndpoint<R extends object>(
  registry: R,
  identity: ImageReference,
  endpoint: Endpoint,
): R {
  if (!endpoint.mirror) return registry;
  const to = { registry: endpoint.ref.registry, repository: endpoint.ref.repository };
  return new Proxy(registry, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        const [first, ...rest] = args;
        const ref = sameRepository(first, identity) ? { ...first, ...to } : first;
        return (value as (...a: unknown[]) => unknown).apply(target, [ref, ...rest]);
      };
    },
  });
}
