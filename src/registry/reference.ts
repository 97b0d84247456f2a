import { DOCKER_HUB, MAX_NAME_LENGTH, normaliseHost, normalisePath } from '../names/index.js';
import { RegistryError } from './errors.js';

export { DOCKER_HUB } from '../names/index.js';

/**
 * An image reference normalised the way container runtimes do (distribution/reference), with its
 * registry and repository in the one normal form of src/names (standing decision 9).
 */
export interface ImageReference {
  /** `docker.io`, `ghcr.io`, `127.0.0.1:5000`, `[::1]:5000`: src/names's normal form. */
  registry: string;
  /** `library/nginx`. */
  repository: string;
  /** Present when the reference names one (`latest` when it names neither tag nor digest). */
  tag?: string;
  /** `sha256:<hex>`; when present it wins over the tag. */
  digest?: string;
}

const TAG_RE = /^[\w][\w.-]{0,127}$/;
/** The digests this client can check: sha256 and sha512, lower-case hex, exact length. */
export const DIGEST_RE = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

function invalid(input: string, why: string): RegistryError {
  const shown = input.length > 300 ? `${input.slice(0, 300)}…` : input;
  return new RegistryError('INVALID_REFERENCE', `invalid image reference "${shown}": ${why}`);
}

/** Splits `name[:tag][@digest]`; the tag colon is the last one after the last slash. */
function split(input: string): { name: string; tag?: string; digest?: string } {
  const at = input.indexOf('@');
  const rest = at < 0 ? input : input.slice(0, at);
  const digest = at < 0 ? undefined : input.slice(at + 1);
  const colon = rest.lastIndexOf(':');
  const hasTag = colon > rest.lastIndexOf('/') && !rest.endsWith(']');
  const name = hasTag ? rest.slice(0, colon) : rest;
  const tag = hasTag ? rest.slice(colon + 1) : undefined;
  return { name, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/** Docker's rule: the first component is a registry if it has a dot or colon, is localhost, or has capitals. */
function splitDomain(name: string): { registry: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const isDomain =
    slash >= 0 &&
    (/[.:]/.test(first) ||
      first.startsWith('[') ||
      first === 'localhost' ||
      first.toLowerCase() !== first);
  if (!isDomain) return { registry: DOCKER_HUB, path: name };
  return { registry: first, path: name.slice(slash + 1) };
}

function checkTagAndDigest(input: string, tag?: string, digest?: string): void {
  if (tag !== undefined && !TAG_RE.test(tag)) throw invalid(input, `"${tag}" is not a valid tag`);
  if (digest !== undefined && !DIGEST_RE.test(digest))
    throw invalid(input, 'the digest must be sha256 or sha512 with lower-case hex of full length');
}

/**
 * Parses and normalises an image reference as container runtimes do: `nginx` is
 * `docker.io/library/nginx:latest`, `index.docker.io` is `docker.io`, `name:tag@digest` keeps
 * both (the digest is what is pulled); the registry is in normal form (`LOCALHOST:05000` is
 * `localhost:5000`, `Registry.Example.com:443` is `registry.example.com`). Throws
 * `INVALID_REFERENCE` otherwise.
 */
export function parseReference(input: string): ImageReference {
  const known = parsed.get(input);
  if (known !== undefined) return known;
  const ref = Object.freeze(parseFresh(input));
  if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value as string);
  parsed.set(input, ref);
  return ref;
}

// A review names the same references over and over, and each image's reference is read by the
// webhook, the pipeline and its layers: parsing (a `URL` for the host) is about 1 µs each time.
// Valid references only, frozen (shared by every caller), at most MAX_PARSED of them, the oldest
// dropped first (decision 10: a Pod writer can name any number of references).
export const MAX_PARSED = 512;
const parsed = new Map<string, Readonly<ImageReference>>();

function parseFresh(input: string): ImageReference {
  if (input.length === 0 || input.length > 4096 || /\s/.test(input))
    throw invalid(input, 'empty, too long or containing whitespace');
  const { name, tag, digest } = split(input);
  checkTagAndDigest(input, tag, digest);
  if (name.length === 0) throw invalid(input, 'no repository name');
  if (name.length > MAX_NAME_LENGTH)
    throw invalid(input, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  const { registry, repository } = normalised(input, splitDomain(name));
  const effectiveTag = tag ?? (digest === undefined ? 'latest' : undefined);
  return {
    registry,
    repository,
    ...(effectiveTag !== undefined && { tag: effectiveTag }),
    ...(digest !== undefined && { digest }),
  };
}

/** The registry and repository in normal form (src/names), or INVALID_REFERENCE. */
function normalised(
  input: string,
  { registry, path }: { registry: string; path: string },
): { registry: string; repository: string } {
  const host = normaliseHost(registry);
  if (!host.ok) throw invalid(input, host.reason);
  const name = normalisePath(host.value, path);
  if (!name.ok) throw invalid(input, name.reason);
  return name.value;
}

/** `docker.io/library/nginx`: the fully qualified repository that trust-policy scopes name. */
export function repositoryName(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The canonical string: `registry/repository[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  const tag = ref.tag === undefined ? '' : `:${ref.tag}`;
  const digest = ref.digest === undefined ? '' : `@${ref.digest}`;
  return `${repositoryName(ref)}${tag}${digest}`;
}

/** The host the registry API answers on (`docker.io` is served by `registry-1.docker.io`). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}
