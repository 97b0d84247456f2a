// Registry mirrors of `serve` (issue 15 item 1; docs/adr/0006): `--registry-mirror PREFIX=MIRROR`
// (repeatable, tried in the order given), `--mirrors-only PREFIX` (never ask the origin), also as
// `NOTARY_ADMISSION_*` lists and the config file's `registryMirrors: { "<prefix>": ["<mirror>",
// …] }` and `mirrorsOnly: ["<prefix>"]` (the chart renders these into its ConfigMap). Prefixes and
// mirrors are written `host[:port][/path]` and kept in src/names's normal form.
import { normaliseRepositoryPrefix } from '../names/index.js';
import { ConfigError } from './errors.js';
import { each, type Layers, type FlagSpec, type RawValue } from './sources.js';
import { BadValue, parseKeyValue } from './values.js';

/** One mirror entry, in normal form (src/registry's MirrorEntry has the same shape). */
export interface MirrorSettings {
  prefix: string;
  /** In the order they are tried. */
  mirrors: string[];
  mirrorsOnly: boolean;
}

/** Bounds (decision 10), as src/registry's MirrorTable enforces them. */
const MAX_ENTRIES = 256;
const MAX_MIRRORS = 8;

/** `registryMirrors: { prefix: [mirror, …] }` in a config file is `--registry-mirror` flags. */
function mirrorsFromJson(value: unknown): RawValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BadValue('must be an object of registry prefix to a list of mirrors');
  return Object.entries(value).flatMap(([prefix, mirrors]) => {
    if (!Array.isArray(mirrors) || !mirrors.every((m) => typeof m === 'string'))
      throw new BadValue(`${prefix} must name a list of mirrors`);
    return mirrors.map((m) => `${prefix}=${m}`);
  });
}

export const MIRROR_FLAGS: FlagSpec[] = [
  {
    flag: 'registry-mirror',
    kind: 'list',
    key: 'registryMirrors',
    placeholder: 'PREFIX=MIRROR',
    help:
      'look for images under PREFIX (host[/path]) on MIRROR (host[/path]) first; repeatable, ' +
      'tried in order, then the origin',
    default: 'none',
    fromJson: mirrorsFromJson,
  },
  {
    flag: 'mirrors-only',
    kind: 'list',
    key: 'mirrorsOnly',
    placeholder: 'PREFIX',
    help: 'never ask the origin of PREFIX, only its mirrors (air-gapped; repeatable)',
    default: 'none',
  },
];

/** `host[:port][/path]` in normal form (a trailing `/` or `/*` is the same prefix). */
function location(text: string): string {
  const body = text.trim().replace(/\/\*$/, '').replace(/\/+$/, '');
  const parsed = normaliseRepositoryPrefix(`${body}/*`);
  if (!parsed.ok) throw new BadValue(`"${text}": ${parsed.reason}`);
  return parsed.value.under.slice(0, -1);
}

const hostOf = (loc: string): string => loc.split('/')[0]!;

/** The mirror entries, in the order their prefixes first appear; [] when none is given. */
export function mirrorSettings(layers: Layers): MirrorSettings[] {
  const pairs = layers.get(
    'registry-mirror',
    each((t) => {
      const [prefix, mirror] = parseKeyValue(t, 'PREFIX=MIRROR');
      return [location(prefix), location(mirror)] as const;
    }),
    [],
  );
  const entries = new Map<string, MirrorSettings>();
  for (const [prefix, mirror] of pairs) {
    const entry = entries.get(prefix) ?? { prefix, mirrors: [], mirrorsOnly: false };
    if (hostOf(mirror) === hostOf(prefix))
      throw badFlag(layers, 'registry-mirror', `${mirror} is on the registry it mirrors`);
    if (!entry.mirrors.includes(mirror)) entry.mirrors.push(mirror);
    if (entry.mirrors.length > MAX_MIRRORS)
      throw badFlag(layers, 'registry-mirror', `${prefix} has more than ${MAX_MIRRORS} mirrors`);
    entries.set(prefix, entry);
  }
  if (entries.size > MAX_ENTRIES)
    throw badFlag(layers, 'registry-mirror', `more than ${MAX_ENTRIES} prefixes`);
  for (const prefix of layers.get('mirrors-only', each(location), [])) {
    const entry = entries.get(prefix);
    if (!entry)
      throw badFlag(layers, 'mirrors-only', `${prefix} has no mirror (--registry-mirror)`);
    entry.mirrorsOnly = true;
  }
  return [...entries.values()];
}

/** A problem across entries, named by the source of the flag (as Layers names a bad value). */
function badFlag(layers: Layers, flag: string, message: string): ConfigError {
  const raw = layers.raw(flag);
  const from = raw?.from ?? `--${flag}`;
  return new ConfigError(raw?.code ?? 'FLAG_INVALID', `${from}: ${message}`, { path: from });
}
