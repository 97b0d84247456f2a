// Registry mirrors (issue 15 item 1), with containerd's hosts.toml semantics: the mirrors of the
// most specific entry are tried in order, then the origin unless the entry is `mirrorsOnly` (an
// air-gapped cluster). Prefixes and locations are in src/names's normal form (decision 9). A
// location replaces the prefix it mirrors (CRI-O's registries.conf): `origin.example/team` →
// `mirror.internal/copies` maps `origin.example/team/app` to `mirror.internal/copies/app`; a
// registry-wide entry with a bare host keeps the repository (`docker.io/library/nginx` →
// `mirror.internal/library/nginx`, as containerd asks a mirror).
import { normalisePath, normaliseRepositoryPrefix } from '../names/index.js';
import type { ImageReference } from './reference.js';

/** One entry as the configuration gives it (src/config's settings, plain data). */
export interface MirrorEntry {
  /** `origin.example` or `origin.example/team`. */
  prefix: string;
  /** `mirror.internal` or `mirror.internal/path`, tried in this order. */
  mirrors: readonly string[];
  /** Never ask the origin (air-gapped): only the mirrors. */
  mirrorsOnly?: boolean;
}

/** Where to ask for an image: a mirror (or the origin) with the reference rewritten for it. */
export interface Endpoint {
  /** The reference as this host names the image (tag and digest kept). */
  ref: ImageReference;
  /** The host asked (`mirror.internal:5000`), for verdicts and messages. */
  host: string;
  mirror: boolean;
}

/** Bounds (decision 10): configuration, but each entry multiplies the requests of a miss. */
export const MAX_MIRROR_ENTRIES = 256;
export const MAX_MIRRORS_PER_ENTRY = 8;

interface Location {
  registry: string;
  /** Without trailing slash; undefined for a whole registry. */
  path: string | undefined;
  /** `registry` or `registry/path`: what a name equals or starts with (plus `/`). */
  base: string;
  depth: number;
}

function location(input: string, what: string): Location {
  const trimmed = input.trim().replace(/\/+$/, '');
  const parsed = normaliseRepositoryPrefix(`${trimmed}/*`);
  if (!parsed.ok) throw new TypeError(`${what} "${input}": ${parsed.reason}`);
  const { registry, path, depth } = parsed.value;
  return { registry, path, base: path === undefined ? registry : `${registry}/${path}`, depth };
}

interface Entry {
  prefix: Location;
  mirrors: Location[];
  mirrorsOnly: boolean;
}

function compile(e: MirrorEntry, i: number): Entry {
  const prefix = location(e.prefix, `mirrors[${i}].prefix`);
  if (e.mirrors.length === 0 || e.mirrors.length > MAX_MIRRORS_PER_ENTRY)
    throw new TypeError(
      `mirrors[${i}] (${prefix.base}): 1 to ${MAX_MIRRORS_PER_ENTRY} mirrors, not ${e.mirrors.length}`,
    );
  const mirrors = e.mirrors.map((m, j) => location(m, `mirrors[${i}].mirrors[${j}]`));
  const self = mirrors.find((m) => m.registry === prefix.registry);
  if (self)
    throw new TypeError(
      `mirrors[${i}] (${prefix.base}): ${self.base} is on the registry it mirrors (a loop)`,
    );
  return { prefix, mirrors, mirrorsOnly: e.mirrorsOnly === true };
}

/** The registry mirrors of a cluster, compiled once; `endpoints` is pure and cheap. */
export class MirrorTable {
  readonly #entries: Entry[];

  /** @throws TypeError for an entry not in normal form, a duplicate prefix or a bound exceeded */
  constructor(entries: readonly MirrorEntry[] = []) {
    if (entries.length > MAX_MIRROR_ENTRIES)
      throw new TypeError(`${entries.length} mirror entries; at most ${MAX_MIRROR_ENTRIES}`);
    const compiled = entries.map(compile);
    const seen = new Set<string>();
    for (const e of compiled) {
      if (seen.has(e.prefix.base))
        throw new TypeError(`two mirror entries for ${e.prefix.base}; merge their mirrors`);
      seen.add(e.prefix.base);
    }
    // Most specific first: the first match is the longest prefix.
    this.#entries = compiled.sort((a, b) => b.prefix.depth - a.prefix.depth);
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Every mirror host (normal form): configuration the address guard trusts. */
  hosts(): string[] {
    return [...new Set(this.#entries.flatMap((e) => e.mirrors.map((m) => m.registry)))];
  }

  /**
   * Where to look for `ref`, in order: the mirrors of the most specific entry whose prefix is the
   * repository or one of its parent paths, then the origin unless `mirrorsOnly`. Undefined when no
   * entry applies (the reference's own registry alone, as without mirrors). A mirror under which
   * the rewritten name would not be a repository name is left out.
   */
  endpoints(ref: ImageReference): Endpoint[] | undefined {
    const name = `${ref.registry}/${ref.repository}`;
    const entry = this.#entries.find(
      (e) => name === e.prefix.base || name.startsWith(`${e.prefix.base}/`),
    );
    if (!entry) return undefined;
    const rest = name.slice(entry.prefix.base.length + 1);
    const out: Endpoint[] = [];
    for (const m of entry.mirrors) {
      const path = [m.path, rest].filter((p) => p !== undefined && p !== '').join('/');
      const mapped = normalisePath(m.registry, path);
      if (!mapped.ok) continue;
      const { registry, repository } = mapped.value;
      out.push({ ref: { ...ref, registry, repository }, host: registry, mirror: true });
    }
    if (!entry.mirrorsOnly) out.push({ ref, host: ref.registry, mirror: false });
    return out;
  }
}
