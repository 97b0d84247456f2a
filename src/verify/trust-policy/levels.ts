// Verification levels (trust-store-trust-policy.md §"Signature Verification details"; notation-go
// trustpolicy.go LevelStrict/…, GetVerificationLevel). This file is the one place that decides
// whether a validation's failure is enforced, logged or not run.
import { PolicyError, type ValidationType } from '../errors.js';
import type { ValidationAction, VerificationLevel } from '../types.js';
import type { SignatureVerification } from './document.js';

type Actions = Record<ValidationType, ValidationAction>;

const LEVELS: Readonly<Record<VerificationLevel, Readonly<Actions>>> = {
  strict: {
    integrity: 'enforce',
    authenticity: 'enforce',
    authenticTimestamp: 'enforce',
    expiry: 'enforce',
    revocation: 'enforce',
  },
  permissive: {
    integrity: 'enforce',
    authenticity: 'enforce',
    authenticTimestamp: 'log',
    expiry: 'log',
    revocation: 'log',
  },
  audit: {
    integrity: 'enforce',
    authenticity: 'log',
    authenticTimestamp: 'log',
    expiry: 'log',
    revocation: 'log',
  },
  skip: {
    integrity: 'skip',
    authenticity: 'skip',
    authenticTimestamp: 'skip',
    expiry: 'skip',
    revocation: 'skip',
  },
};

/** What `override` may set per validation; integrity is absent because it is never overridable. */
const OVERRIDABLE: Readonly<Partial<Record<string, readonly ValidationAction[]>>> = {
  authenticity: ['enforce', 'log'],
  authenticTimestamp: ['enforce', 'log'],
  expiry: ['enforce', 'log'],
  revocation: ['enforce', 'log', 'skip'],
};

const VERIFY_TIMESTAMP = ['always', 'afterCertExpiry'];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const isVerificationLevel = (value: unknown): value is VerificationLevel =>
  typeof value === 'string' && Object.hasOwn(LEVELS, value);

function overrideErrors(level: unknown, override: Record<string, unknown>, path: string) {
  const errors: PolicyError[] = [];
  const keys = Object.keys(override);
  if (level === 'skip' && keys.length > 0) {
    errors.push(
      new PolicyError('OVERRIDE_INVALID', path, 'level "skip" cannot be customised with override'),
    );
  }
  for (const key of keys) {
    const value = override[key];
    // hasOwn: a key such as `constructor` must not reach Object.prototype.
    const allowed = Object.hasOwn(OVERRIDABLE, key) ? OVERRIDABLE[key] : undefined;
    if (key === 'integrity') {
      errors.push(
        new PolicyError('OVERRIDE_INVALID', `${path}.${key}`, 'integrity cannot be overridden'),
      );
    } else if (!allowed) {
      const names = Object.keys(OVERRIDABLE).join(', ');
      const message = `unknown validation "${key}" (expected one of ${names})`;
      errors.push(new PolicyError('OVERRIDE_INVALID', `${path}.${key}`, message));
    } else if (!allowed.includes(value as ValidationAction)) {
      const message = `${shown(value)} is not allowed for ${key} (expected ${allowed.join(' or ')})`;
      errors.push(new PolicyError('OVERRIDE_INVALID', `${path}.${key}`, message));
    }
  }
  return errors;
}

/** A configured value for a message: JSON, cut short so a huge value cannot flood the log. */
const shown = (value: unknown): string => {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
};

const isAbsent = (value: unknown): value is undefined | null =>
  value === undefined || value === null;

function memberErrors(raw: Record<string, unknown>, path: string): PolicyError[] {
  const errors = Object.keys(raw)
    .filter((key) => !['level', 'override', 'verifyTimestamp'].includes(key))
    .map((key) => new PolicyError('POLICY_MALFORMED', `${path}.${key}`, 'unknown member'));
  const { level, override, verifyTimestamp } = raw;
  if (!isVerificationLevel(level)) {
    const got = shown(level);
    const message = `level must be one of strict, permissive, audit, skip (got ${got})`;
    errors.push(new PolicyError('LEVEL_INVALID', `${path}.level`, message));
  }
  if (isRecord(override)) errors.push(...overrideErrors(level, override, `${path}.override`));
  else if (!isAbsent(override)) {
    errors.push(new PolicyError('POLICY_MALFORMED', `${path}.override`, 'must be an object'));
  }
  // notation-go treats "" like an absent member: the default, `always`.
  if (
    !isAbsent(verifyTimestamp) &&
    !['', ...VERIFY_TIMESTAMP].includes(verifyTimestamp as string)
  ) {
    const got = shown(verifyTimestamp);
    const message = `verifyTimestamp must be "always" or "afterCertExpiry" (got ${got})`;
    errors.push(new PolicyError('VERIFY_TIMESTAMP_INVALID', `${path}.verifyTimestamp`, message));
  }
  return errors;
}

/**
 * Checks a statement's `signatureVerification` object and returns it normalised (no empty
 * override, no empty verifyTimestamp), or every problem found.
 */
export function checkSignatureVerification(
  raw: unknown,
  path: string,
): { value?: SignatureVerification; errors: PolicyError[] } {
  if (isAbsent(raw)) {
    return { errors: [new PolicyError('LEVEL_INVALID', `${path}.level`, 'level is required')] };
  }
  if (!isRecord(raw)) {
    return { errors: [new PolicyError('POLICY_MALFORMED', path, 'must be an object')] };
  }
  const errors = memberErrors(raw, path);
  const { level, override, verifyTimestamp } = raw;
  if (errors.length > 0 || !isVerificationLevel(level)) return { errors };
  const value: SignatureVerification = { level };
  if (isRecord(override) && Object.keys(override).length > 0) {
    value.override = { ...(override as SignatureVerification['override']) };
  }
  if (verifyTimestamp === 'always' || verifyTimestamp === 'afterCertExpiry') {
    value.verifyTimestamp = verifyTimestamp;
  }
  return { value, errors };
}

/**
 * The action (enforce | log | skip) of each validation under a statement's level, with its
 * override applied. Throws PolicyError for a setting that parseTrustPolicyDocument rejects, so
 * an unvalidated statement can never loosen verification.
 */
export function validationActions(
  sv: SignatureVerification,
): Record<ValidationType, ValidationAction> {
  const { errors } = checkSignatureVerification(sv, 'signatureVerification');
  if (errors[0]) throw errors[0];
  return { ...LEVELS[sv.level], ...sv.override };
}
