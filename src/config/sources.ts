// Where a setting can come from: a flag, an environment variable `NOTARY_ADMISSION_<FLAG>` or a
// JSON config file (camelCase keys). Each is read into the flag's raw form; `Layers` picks the
// first source that has a value (flags > environment > config file) and parses it, turning a bad
// value into a ConfigError that names its source and what is accepted.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, type ConfigErrorCode } from './errors.js';
import type { Env } from './notation-dir.js';
import { BadValue, parseBoolean } from './values.js';

export type Kind = 'string' | 'boolean' | 'list';
export type RawValue = string | boolean | string[];

export interface FlagSpec {
  /** Long name without dashes (`metrics-port`). */
  flag: string;
  short?: string;
  kind: Kind;
  /** Config file key, dotted when nested (`cache.maxEntries`); none: not settable there. */
  key?: string;
  /** What the value looks like in help (`DURATION`). */
  placeholder?: string;
  help: string;
  /** The default, as help shows it. */
  default?: string;
  /** A config file's JSON value in the flag's form; default: by kind. */
  fromJson?: (value: unknown) => RawValue;
}

/** A value with where it came from. */
export interface Raw {
  value: RawValue;
  /** `--port`, `NOTARY_ADMISSION_PORT` or `/etc/na.json: port`, for messages. */
  from: string;
  code: ConfigErrorCode;
  /** The directory relative paths are resolved against. */
  base: string;
}

export const ENV_PREFIX = 'NOTARY_ADMISSION_';

export function envName(flag: string): string {
  return ENV_PREFIX + flag.toUpperCase().replaceAll('-', '_');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Turns parseArgs' TypeErrors into FLAG_INVALID with our wording. */
function flagError(err: unknown, command: string): ConfigError {
  const message = err instanceof Error ? err.message : String(err);
  const quoted = /'(-[^' ]*)/.exec(message)?.[1];
  const name = quoted ?? /'([^']*)'/.exec(message)?.[1] ?? '';
  const see = `(see \`notary-admission ${command} --help\`)`;
  const text = message.includes('Unknown option')
    ? `unknown flag ${name}`
    : message.includes('argument missing')
      ? `flag ${name} needs a value`
      : message.includes('does not take an argument')
        ? `flag ${name} takes no value`
        : message.includes('Unexpected argument')
          ? `unexpected argument "${name}"`
          : (message.split('. ')[0] ?? message);
  return new ConfigError('FLAG_INVALID', `${text} ${see}`, {
    ...(quoted !== undefined && { path: quoted }),
  });
}

/** Flags, strictly: unknown flags and values for boolean flags are errors. */
export function readFlags(
  argv: readonly string[],
  specs: readonly FlagSpec[],
  options: { command: string; positionals: boolean },
): { layer: Map<string, Raw>; positionals: string[] } {
  const config = Object.fromEntries(
    specs.map((s) => [
      s.flag,
      {
        type: s.kind === 'boolean' ? ('boolean' as const) : ('string' as const),
        multiple: s.kind === 'list',
        ...(s.short !== undefined && { short: s.short }),
      },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: config,
      strict: true,
      allowPositionals: options.positionals,
    });
  } catch (err) {
    throw flagError(err, options.command);
  }
  const layer = new Map<string, Raw>();
  for (const [flag, value] of Object.entries(parsed.values)) {
    if (value === undefined) continue;
    // Boolean flags are never `multiple`, so a list holds strings only.
    const raw = value as RawValue;
    layer.set(flag, { value: raw, from: `--${flag}`, code: 'FLAG_INVALID', base: process.cwd() });
  }
  return { layer, positionals: parsed.positionals };
}

/** `NOTARY_ADMISSION_<FLAG>`; lists are comma-separated; empty means unset. */
export function readEnv(env: Env, specs: readonly FlagSpec[]): Map<string, Raw> {
  const layer = new Map<string, Raw>();
  for (const spec of specs) {
    const name = envName(spec.flag);
    const text = env[name]?.trim();
    if (!text) continue;
    const from = name;
    let value: RawValue = text;
    try {
      if (spec.kind === 'boolean') value = parseBoolean(text);
      if (spec.kind === 'list') value = text.split(',').map((v) => v.trim());
    } catch (err) {
      throw new ConfigError('FLAG_INVALID', `${from}: ${(err as Error).message}`, { path: from });
    }
    layer.set(spec.flag, { value, from, code: 'FLAG_INVALID', base: process.cwd() });
  }
  return layer;
}

/** A config file's JSON value in the raw form of a flag of `kind`. */
export function jsonByKind(kind: Kind, value: unknown): RawValue {
  if (kind === 'boolean') {
    if (typeof value !== 'boolean') throw new BadValue('must be true or false');
    return value;
  }
  if (kind === 'list') {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
      throw new BadValue('must be an array of strings');
    return value;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new BadValue('must be a string or a number');
}

interface FileContext {
  file: string;
  byKey: Map<string, FlagSpec>;
  groups: Set<string>;
  extraKeys: readonly string[];
  layer: Map<string, Raw>;
  extra: Record<string, unknown>;
}

function walkConfig(object: Record<string, unknown>, prefix: string, ctx: FileContext): void {
  for (const [name, value] of Object.entries(object)) {
    const key = prefix ? `${prefix}.${name}` : name;
    const from = `${ctx.file}: ${key}`;
    const spec = ctx.byKey.get(key);
    const bad = (message: string) =>
      new ConfigError('CONFIG_INVALID', `${from}: ${message}`, { path: from });
    if (spec) {
      try {
        const raw = (spec.fromJson ?? ((v: unknown) => jsonByKind(spec.kind, v)))(value);
        const base = path.dirname(ctx.file);
        ctx.layer.set(spec.flag, { value: raw, from, code: 'CONFIG_INVALID', base });
      } catch (err) {
        throw err instanceof BadValue ? bad(err.message) : err;
      }
    } else if (ctx.groups.has(key)) {
      if (!isRecord(value)) throw bad('must be an object');
      walkConfig(value, key, ctx);
    } else if (!prefix && ctx.extraKeys.includes(name)) {
      ctx.extra[name] = value;
    } else {
      const siblings = [...ctx.byKey.keys(), ...ctx.groups, ...ctx.extraKeys]
        .filter((k) => (prefix ? k.startsWith(`${prefix}.`) : !k.includes('.')))
        .map((k) => k.slice(prefix ? prefix.length + 1 : 0));
      throw bad(`unknown key (accepted: ${siblings.join(', ')})`);
    }
  }
}

/** A JSON config file: known keys into a layer, `extraKeys` (e.g. `policies`) returned as is. */
export function readConfigFile(
  file: string,
  specs: readonly FlagSpec[],
  extraKeys: readonly string[],
): { layer: Map<string, Raw>; extra: Record<string, unknown> } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'error';
    throw new ConfigError('FILE_UNREADABLE', `config file ${file} cannot be read (${code})`, {
      path: file,
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError('CONFIG_INVALID', `config file ${file} is not valid JSON`, {
      path: file,
    });
  }
  if (!isRecord(json))
    throw new ConfigError('CONFIG_INVALID', `config file ${file} must hold a JSON object`, {
      path: file,
    });
  const keyed = specs.filter((s) => s.key !== undefined);
  const ctx: FileContext = {
    file,
    byKey: new Map(keyed.map((s) => [s.key!, s])),
    groups: new Set(keyed.flatMap((s) => (s.key!.includes('.') ? [s.key!.split('.')[0]!] : []))),
    extraKeys,
    layer: new Map(),
    extra: {},
  };
  walkConfig(json, '', ctx);
  return { layer: ctx.layer, extra: ctx.extra };
}

/** The sources in precedence order, highest first. */
export class Layers {
  readonly #layers: readonly Map<string, Raw>[];

  constructor(layers: readonly Map<string, Raw>[]) {
    this.#layers = layers;
  }

  raw(flag: string): Raw | undefined {
    for (const layer of this.#layers) {
      const raw = layer.get(flag);
      if (raw !== undefined) return raw;
    }
    return undefined;
  }

  /** The parsed value of `flag`, or `fallback` when no source sets it. */
  get<T, F = T>(flag: string, parse: (raw: Raw) => T, fallback: F): T | F {
    const raw = this.raw(flag);
    if (raw === undefined) return fallback;
    try {
      return parse(raw);
    } catch (err) {
      if (!(err instanceof BadValue)) throw err;
      throw new ConfigError(raw.code, `${raw.from}: ${err.message}`, { path: raw.from });
    }
  }
}

/** A parser of a string-kind raw value. */
export const str =
  <T>(parse: (text: string, raw: Raw) => T) =>
  (raw: Raw): T =>
    parse(String(raw.value), raw);

/** A parser of each entry of a list-kind raw value. */
export const each =
  <T>(parse: (text: string, raw: Raw) => T) =>
  (raw: Raw): T[] =>
    (Array.isArray(raw.value) ? raw.value : [String(raw.value)]).map((v) => parse(v, raw));

/** A path resolved against where it was given (the working directory, or the config file's). */
export const pathOf = str((text, raw) => {
  if (text.trim() === '') throw new BadValue('must not be empty');
  return path.resolve(raw.base, text);
});
