// The admission fields of trust policy statements as a config file gives them
// (`policies: { "<statement>": { action, onError, mutateDigest } }`), checked strictly: a
// misspelt `acton: Warn` silently ignored would keep denying, or worse, a misspelt `Deny`. The
// same entries carry a statement's requirements (signers, userMetadata …: requirements.ts),
// kept as given here and compiled against the statement when the trust policy is loaded.
import { ConfigError } from './errors.js';
import { REQUIREMENT_KEYS, type RequirementFields } from './requirements.js';
import {
  DEFAULT_ADMISSION,
  type AdmissionAction,
  type AdmissionOverrides,
  type NoMatchAction,
  type OnError,
  type PolicyAdmission,
} from './snapshot.types.js';

export const ADMISSION_ACTIONS: readonly AdmissionAction[] = ['Deny', 'Warn', 'Audit'];
export const ON_ERROR_ACTIONS: readonly OnError[] = ['Deny', 'Allow'];
export const NO_MATCH_ACTIONS: readonly NoMatchAction[] = ['Deny', 'Warn', 'Allow'];

/** One `policies.<statement>` entry: admission overrides and requirement fields (as given). */
export type StatementSettings = AdmissionOverrides & RequirementFields;

const EXPECTED = ['action', 'onError', 'mutateDigest', ...REQUIREMENT_KEYS].join(', ');

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function invalid(where: string, message: string): ConfigError {
  return new ConfigError('CONFIG_INVALID', `${where}: ${message}`, { path: where });
}

/** `value` if it is one of `allowed`. @throws ConfigError CONFIG_INVALID naming `where` */
export function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined)
    throw invalid(where, `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  return found;
}

function overridesOf(raw: unknown, where: string): StatementSettings {
  if (!isRecord(raw)) throw invalid(where, `must be an object with ${EXPECTED}`);
  const out: StatementSettings = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const at = `${where}.${key}`;
    if (key === 'action') out.action = oneOf(value, ADMISSION_ACTIONS, at);
    else if (key === 'onError') out.onError = oneOf(value, ON_ERROR_ACTIONS, at);
    else if (key === 'mutateDigest') {
      if (typeof value !== 'boolean') throw invalid(at, 'must be true or false');
      out.mutateDigest = value;
    } else if ((REQUIREMENT_KEYS as readonly string[]).includes(key))
      out[key as (typeof REQUIREMENT_KEYS)[number]] = value;
    else throw invalid(at, `unknown member (expected ${EXPECTED})`);
  }
  return out;
}

/**
 * Validates admission overrides by statement name; `where` names their place for messages
 * (`config.json: policies`).
 * @throws ConfigError CONFIG_INVALID
 */
export function parseAdmissionOverrides(
  raw: unknown,
  where = 'policies',
): Record<string, StatementSettings> {
  if (!isRecord(raw))
    throw invalid(where, 'must be an object keyed by trust policy statement name');
  // fromEntries defines own members, so a statement named "__proto__" stays data.
  return Object.fromEntries(
    Object.entries(raw).map(([name, value]) => [name, overridesOf(value, `${where}.${name}`)]),
  );
}

/** The full admission fields of a statement: defaults, then its overrides (nothing else). */
export function resolveAdmission(
  policy: string,
  overrides: AdmissionOverrides | undefined,
): PolicyAdmission {
  const { action, onError, mutateDigest } = overrides ?? {};
  return {
    policy,
    ...DEFAULT_ADMISSION,
    ...(action !== undefined && { action }),
    ...(onError !== undefined && { onError }),
    ...(mutateDigest !== undefined && { mutateDigest }),
  };
}
