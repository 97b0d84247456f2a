// Repository prefixes (`registry/path/*`, `registry/*`): a trust policy scope that governs every
// repository under a path, in the same normal form as repositories (standing decision 9). Not in
// notation: see docs/conformance.md. The `*` stands for one or more whole path components, so a
// prefix matches at component boundaries only: `r.io/team/*` governs `r.io/team/app` and
// `r.io/team/a/b`, never `r.io/teamx/app`, nor the repository `r.io/team` itself.
import { normaliseHost, type Normalised } from './host.js';
import { isRepositoryPath, MAX_NAME_LENGTH } from './repository.js';

/** A repository prefix in normal form. */
export interface RepositoryPrefix {
  /** `registry.example.com`, `localhost:5000`, `docker.io`. */
  registry: string;
  /** `team/apps`; undefined for a whole registry (`registry/*`). */
  path: string | undefined;
  /** `registry/path/`: what a repository's name starts with when it is under the prefix. */
  under: string;
  /** `registry/path/*`: how scopes write it. */
  scope: string;
  /** Path components the prefix fixes (0 for `registry/*`): the longer, the more specific. */
  depth: number;
}

/** A scope wildcard: `*` as the whole last component. */
export const PREFIX_WILDCARD = '/*';

const WILDCARD_PLACE =
  'a wildcard may only be the whole last component (registry/path/* or registry/*)';

/** Whether a scope is written as a prefix (ends with `/*`); it may still be malformed. */
export const isPrefixScope = (scope: string): boolean =>
  scope.length > PREFIX_WILDCARD.length && scope.endsWith(PREFIX_WILDCARD);

/**
 * The normal form of `host[:port]/*` or `host[:port]/path/*`: the host as src/names writes it
 * (`Registry.Example.com:443/team/*` is `registry.example.com/team/*`), the path by the
 * repository grammar (lower case; no library/ folding: `docker.io/nginx/*` is the `nginx`
 * organisation). A wildcard anywhere else (`r.io/team*`, or `*` between components) is refused.
 */
export function normaliseRepositoryPrefix(input: string): Normalised<RepositoryPrefix> {
  if (!isPrefixScope(input)) return { ok: false, reason: WILDCARD_PLACE };
  const body = input.slice(0, -PREFIX_WILDCARD.length);
  const slash = body.indexOf('/');
  const host = normaliseHost(slash < 0 ? body : body.slice(0, slash));
  if (!host.ok) return host;
  const path = slash < 0 ? undefined : body.slice(slash + 1);
  if (path !== undefined && !isRepositoryPath(path)) {
    const why = path.includes('*')
      ? WILDCARD_PLACE
      : path.toLowerCase() !== path
        ? 'the path must be lower-case'
        : 'the path has invalid characters';
    return { ok: false, reason: why };
  }
  const under = path === undefined ? `${host.value}/` : `${host.value}/${path}/`;
  if (under.length + 1 > MAX_NAME_LENGTH)
    return { ok: false, reason: `the prefix is longer than ${MAX_NAME_LENGTH} characters` };
  const depth = path === undefined ? 0 : path.split('/').length;
  return {
    ok: true,
    value: { registry: host.value, path, under, scope: `${under}*`, depth },
  };
}
