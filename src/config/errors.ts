/**
 * Coded configuration errors (architecture decision 8). A ConfigError never reaches an admission
 * decision: it stops the service from starting, or is reported while the last good snapshot stays
 * in force.
 */
import { PolicyError } from '../verify/index.js';

export type ConfigErrorCode =
  'FLAG_INVALID' | 'FILE_UNREADABLE' | 'CONFIG_INVALID' | 'POLICY_INVALID' | 'TRUST_STORE_INVALID';

/** One problem of a trust policy or trust store, as the verifier reported it. */
export interface ConfigProblem {
  code: string;
  /** JSON path in the document (`trustPolicies[1].registryScopes[0]`) or `type:name`. */
  path: string;
  message: string;
}

export interface ConfigErrorOptions {
  /** The file, flag (`--port`), environment variable or config key at fault. */
  path?: string;
  /** Every problem found, when there were several (a policy document is checked whole). */
  problems?: readonly ConfigProblem[];
  cause?: unknown;
}

/** A flag, setting, file, trust policy or trust store that cannot be used. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: ConfigErrorCode;
  readonly path: string | undefined;
  readonly problems: readonly ConfigProblem[];

  constructor(code: ConfigErrorCode, message: string, options: ConfigErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options.path;
    this.problems = options.problems ?? [];
  }
}

export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}

/** `trustPolicies[1].registryScopes[0]: … [SCOPE_INVALID]`: the verifier's path and code kept. */
export function describePolicyError(err: PolicyError): string {
  return `${err.message} [${err.code}]`;
}

/**
 * Every PolicyError of a document as one ConfigError, so an administrator fixes them all at once.
 * The code is TRUST_STORE_INVALID when the problems are all about trust stores themselves.
 */
export function fromPolicyErrors(errors: readonly PolicyError[], file: string): ConfigError {
  const stores = errors.every((e) => e.code === 'TRUST_STORE_INVALID');
  const what = stores ? 'trust store' : 'trust policy';
  const count = errors.length === 1 ? '' : ` (${errors.length} problems)`;
  const message = `${what} ${file} is invalid${count}: ${errors.map(describePolicyError).join('; ')}`;
  return new ConfigError(stores ? 'TRUST_STORE_INVALID' : 'POLICY_INVALID', message, {
    path: file,
    problems: errors.map((e) => ({ code: e.code, path: e.path, message: e.message })),
    cause: errors[0],
  });
}

/** A ConfigError as is; a PolicyError wrapped; anything else re-thrown (a bug, not a config). */
export function toConfigError(err: unknown, file: string): ConfigError {
  if (err instanceof ConfigError) return err;
  if (err instanceof PolicyError) return fromPolicyErrors([err], file);
  throw err;
}
