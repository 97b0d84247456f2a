// The scenario files: test/e2e/scenarios/<NN-name>/scenario.yaml (what to do, what to expect)
// and the objects it applies. Both the CI path and the kind path run exactly these.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import {
  REGISTRY_NAMES,
  SIGNATURES,
  type ImageSpec,
  type ReferrerSpec,
  type SignatureSpec,
} from './images.js';

export const SCENARIO_DIR = path.join(import.meta.dirname, '..', 'scenarios');

/** What the environment does for a step (the CI path and the kind path do it differently). */
export const ACTIONS = ['install', 'uninstall', 'stop-webhook', 'start-webhook'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * admitted / ok: kubectl exits 0 (admitted: the object was written, by a webhook that was asked);
 * denied: our validating webhook refused it, `message` is its message exactly;
 * failed: kubectl exits non-zero for another reason (see stderrMatches).
 */
export const OUTCOMES = ['ok', 'admitted', 'denied', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface Expectation {
  outcome: Outcome;
  message?: string;
  /** kubectl's `Warning: …` lines, exactly (default: none). */
  warnings?: string[];
  stdout?: string;
  stdoutContains?: string[];
  /** A regular expression stderr (without the warning lines) must match. */
  stderrMatches?: string;
  /** Retry until the expectation holds, at most this long after the previous step ended (`2s`). */
  withinMs?: number;
}

export interface Step {
  name: string;
  /** kubectl arguments (placeholders rendered); `--namespace` is added unless given. */
  kubectl?: string[];
  /** A file of the scenario's folder, rendered and given to kubectl on stdin (`-f -` added). */
  stdin?: string;
  action?: Action;
  expect: Expectation;
}

export interface Scenario {
  /** The folder name without its order prefix, e.g. `signed-pods`. */
  name: string;
  dir: string;
  title: string;
  images: Record<string, ImageSpec>;
  steps: Step[];
  /** An image is signed with Docker Content Trust: the environment must have a Notary server. */
  needsNotary: boolean;
}

type Raw = Record<string, unknown>;

function fail(where: string, what: string): never {
  throw new Error(`${where}: ${what}`);
}

function oneOf<T extends string>(where: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value))
    return value as T;
  return fail(where, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
}

function strings(where: string, value: unknown): string[] {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  return fail(where, 'must be a list of strings');
}

const optionalString = (where: string, value: unknown): string | undefined => {
  if (value === undefined || typeof value === 'string') return value;
  return fail(where, 'must be a string');
};

/** `500ms`, `2s`, `1m`. */
export function parseDuration(where: string, text: unknown): number {
  const m = typeof text === 'string' ? /^(\d+)(ms|s|m)$/.exec(text) : null;
  if (!m) return fail(where, `must be a duration like 2s (got ${JSON.stringify(text)})`);
  return Number(m[1]) * { ms: 1, s: 1_000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
}

function expectation(where: string, raw: Raw): Expectation {
  const outcome = oneOf(`${where}.outcome`, raw['outcome'] ?? 'ok', OUTCOMES);
  const message = optionalString(`${where}.message`, raw['message']);
  if ((outcome === 'denied') !== (message !== undefined))
    fail(where, 'a message is given with outcome denied, and only then');
  const out: Expectation = { outcome };
  if (message !== undefined) out.message = message;
  if (raw['warnings'] !== undefined) out.warnings = strings(`${where}.warnings`, raw['warnings']);
  const stdout = optionalString(`${where}.stdout`, raw['stdout']);
  if (stdout !== undefined) out.stdout = stdout;
  if (raw['stdoutContains'] !== undefined)
    out.stdoutContains = strings(`${where}.stdoutContains`, raw['stdoutContains']);
  const stderr = optionalString(`${where}.stderrMatches`, raw['stderrMatches']);
  if (stderr !== undefined) out.stderrMatches = stderr;
  if (raw['within'] !== undefined) out.withinMs = parseDuration(`${where}.within`, raw['within']);
  return out;
}

function step(where: string, raw: Raw, dir: string): Step {
  const name = optionalString(`${where}.name`, raw['name']) ?? fail(where, 'needs a name');
  const out: Step = { name, expect: expectation(`${where}.expect`, (raw['expect'] ?? {}) as Raw) };
  if (raw['action'] !== undefined) out.action = oneOf(`${where}.action`, raw['action'], ACTIONS);
  if (raw['kubectl'] !== undefined) out.kubectl = strings(`${where}.kubectl`, raw['kubectl']);
  if ((out.action === undefined) === (out.kubectl === undefined))
    fail(where, 'needs either kubectl or action');
  const stdin = optionalString(`${where}.stdin`, raw['stdin']);
  if (stdin !== undefined) {
    readFileSync(path.join(dir, stdin)); // a missing file fails at load time, not mid-run
    out.stdin = stdin;
  }
  return out;
}

/** `signatures: [{ by: trusted|stranger, format: jws|cose, userMetadata: { k: v } }]`. */
function signatures(where: string, raw: unknown): SignatureSpec[] {
  if (!Array.isArray(raw)) return fail(where, 'must be a list');
  return raw.map((item: Raw, i) => {
    const at = `${where}[${i}]`;
    const metadata = item['userMetadata'] as Record<string, unknown> | undefined;
    if (metadata !== undefined && !Object.values(metadata).every((v) => typeof v === 'string'))
      fail(`${at}.userMetadata`, 'must map keys to strings');
    return {
      by: oneOf(`${at}.by`, item['by'], ['trusted', 'stranger'] as const),
      format: oneOf(`${at}.format`, item['format'], ['jws', 'cose'] as const),
      ...(metadata && { userMetadata: metadata as Record<string, string> }),
    };
  });
}

/** `referrers: [{ artifactType: application/spdx+json, signedBy: trusted|stranger, created: … }]`. */
function referrers(where: string, raw: unknown): ReferrerSpec[] {
  if (!Array.isArray(raw)) return fail(where, 'must be a list');
  return raw.map((item: Raw, i) => {
    const at = `${where}[${i}]`;
    const artifactType =
      optionalString(`${at}.artifactType`, item['artifactType']) ?? fail(at, 'needs artifactType');
    const created = optionalString(`${at}.created`, item['created']);
    if (created !== undefined && Number.isNaN(Date.parse(created)))
      fail(`${at}.created`, 'must be an RFC 3339 time');
    return {
      artifactType,
      ...(item['signedBy'] !== undefined && {
        signedBy: oneOf(`${at}.signedBy`, item['signedBy'], ['trusted', 'stranger'] as const),
      }),
      ...(created !== undefined && { created }),
    };
  });
}

function images(where: string, raw: unknown): Record<string, ImageSpec> {
  const out: Record<string, ImageSpec> = {};
  for (const [name, spec] of Object.entries((raw ?? {}) as Record<string, Raw>)) {
    out[name] = {
      registry: oneOf(`${where}.${name}.registry`, spec['registry'], REGISTRY_NAMES),
      signature: oneOf(`${where}.${name}.signature`, spec['signature'] ?? 'none', SIGNATURES),
      ...(spec['signatures'] !== undefined && {
        signatures: signatures(`${where}.${name}.signatures`, spec['signatures']),
      }),
      ...(spec['referrers'] !== undefined && {
        referrers: referrers(`${where}.${name}.referrers`, spec['referrers']),
      }),
    };
  }
  return out;
}

/** Reads one scenario folder; throws naming the file and field of any mistake. */
export function loadScenario(dir: string): Scenario {
  const file = path.join(dir, 'scenario.yaml');
  let raw: Raw;
  try {
    raw = load(readFileSync(file, 'utf8')) as Raw;
  } catch (err) {
    throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const name = path.basename(dir).replace(/^\d+-/, '');
  const title = optionalString(`${file}: title`, raw['title']) ?? fail(file, 'needs a title');
  const rawSteps = raw['steps'];
  if (!Array.isArray(rawSteps) || rawSteps.length === 0) fail(file, 'needs steps');
  const specs = images(`${file}: images`, raw['images']);
  return {
    name,
    dir,
    title,
    images: specs,
    steps: rawSteps.map((s: Raw, i) => step(`${file}: steps[${i}]`, s, dir)),
    needsNotary: Object.values(specs).some((i) => i.signature === 'dct'),
  };
}

/** Every scenario, in the order of their folder names (`01-install`, `02-…`). */
export function loadScenarios(root = SCENARIO_DIR): Scenario[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => loadScenario(path.join(root, name)));
}
