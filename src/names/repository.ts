// Fully qualified repositories (`registry/path`) in their one normal form: the host as host.ts
// writes it, the path as distribution/reference allows it (lower case only: a path with capitals
// is refused, not folded, because registries treat paths as case-sensitive), and Docker Hub's
// one-component names under `library/`.
import { DOCKER_HUB, normaliseHost, type Normalised } from './host.js';

/** A repository in normal form. */
export interface RepositoryName {
  /** `registry.example.com`, `localhost:5000`, `[::1]:5000`, `docker.io`. */
  registry: string;
  /** `team/app`, `library/nginx`. */
  repository: string;
  /** `registry/repository`: what trust policy scopes name. */
  name: string;
}

// distribution/reference's path grammar. Linear on a near-miss: every run of `[a-z0-9]+` is
// separated by a non-empty separator, so the engine never has two ways to split it.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const PATH = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
/** distribution/reference's limit on `registry/path`. */
export const MAX_NAME_LENGTH = 255;

/** Whether `path` is a repository path by distribution/reference's grammar (lower case). */
export const isRepositoryPath = (path: string): boolean =>
  path.length <= MAX_NAME_LENGTH && PATH.test(path);

/** The normal form of `path` in `registry`, which must already be in normal form. */
export function normalisePath(registry: string, path: string): Normalised<RepositoryName> {
  if (!isRepositoryPath(path)) {
    const why = path.toLowerCase() !== path ? 'must be lower-case' : 'has invalid characters';
    return { ok: false, reason: `the repository name ${why}` };
  }
  const repository = registry === DOCKER_HUB && !path.includes('/') ? `library/${path}` : path;
  const name = `${registry}/${repository}`;
  if (name.length > MAX_NAME_LENGTH)
    return { ok: false, reason: `the name is longer than ${MAX_NAME_LENGTH} characters` };
  return { ok: true, value: { registry, repository, name } };
}

/**
 * The normal form of a fully qualified repository `host[:port]/path` (no scheme, tag, digest or
 * wildcard; the first component is always the registry). `Registry.Example.com:443/apps/x` is
 * `registry.example.com/apps/x`; `index.docker.io/nginx` is `docker.io/library/nginx`.
 */
export function normaliseRepositoryName(input: string): Normalised<RepositoryName> {
  const slash = input.indexOf('/');
  if (slash <= 0)
    return { ok: false, reason: 'it is not a fully qualified repository (registry/path)' };
  const host = normaliseHost(input.slice(0, slash));
  if (!host.ok) return host;
  return normalisePath(host.value, input.slice(slash + 1));
}
