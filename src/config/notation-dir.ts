// Where notation keeps its configuration on Linux, so `notary-admission verify` reads the same
// trust policy and trust store as `notation verify` (notation-go dir/path.go: os.UserConfigDir
// + "notation"; trustpolicy.oci.json first, then trustpolicy.json, as notation 1.3 does).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** notation 1.3's OCI trust policy file; `trustpolicy.json` is read when it is absent. */
export const OCI_TRUST_POLICY_FILE = 'trustpolicy.oci.json';
export const LEGACY_TRUST_POLICY_FILE = 'trustpolicy.json';

/**
 * `$XDG_CONFIG_HOME/notation`, else `$HOME/.config/notation` (Go's os.UserConfigDir on Linux,
 * which also refuses a relative `$XDG_CONFIG_HOME`).
 * @throws ConfigError CONFIG_INVALID when neither variable gives an absolute directory
 */
export function notationConfigDir(env: Env): string {
  const xdg = env['XDG_CONFIG_HOME'];
  if (xdg) {
    if (!path.isAbsolute(xdg))
      throw new ConfigError('CONFIG_INVALID', `$XDG_CONFIG_HOME is a relative path (${xdg})`, {
        path: 'XDG_CONFIG_HOME',
      });
    return path.join(xdg, 'notation');
  }
  const home = env['HOME'];
  if (!home)
    throw new ConfigError(
      'CONFIG_INVALID',
      "neither $XDG_CONFIG_HOME nor $HOME is set, so notation's configuration directory is " +
        'unknown; pass --trust-policy and --trust-store',
      { path: 'HOME' },
    );
  return path.join(path.resolve(home), '.config', 'notation');
}

export interface NotationPaths {
  trustPolicyPath: string;
  trustStoreDir: string;
}

export interface NotationPathsOptions {
  /** Whether a file exists (tests inject one); default fs.existsSync. */
  exists?: (file: string) => boolean;
}

/** notation's trust policy file and trust store directory for this environment. */
export function notationPaths(env: Env, options: NotationPathsOptions = {}): NotationPaths {
  const exists = options.exists ?? existsSync;
  const dir = notationConfigDir(env);
  const oci = path.join(dir, OCI_TRUST_POLICY_FILE);
  return {
    trustPolicyPath: exists(oci) ? oci : path.join(dir, LEGACY_TRUST_POLICY_FILE),
    trustStoreDir: path.join(dir, 'truststore'),
  };
}
