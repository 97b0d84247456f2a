import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Credentials } from './oci.js';
import { run, type RunResult } from './run.js';
import { requireTool } from './tools.js';
import { makeWorkdir } from './workdir.js';

/** Where and how to reach the registry of a reference; `Registry` from registry.ts fits. */
export interface RegistryAccess {
  url: string;
  caPath?: string | undefined;
  credentials?: Credentials | undefined;
}

export interface SignOptions {
  /** PEM private key of the leaf. */
  key: string;
  /** PEM chain: leaf first, up to the root. */
  certChain: string;
  format?: 'jws' | 'cose';
  /** true: use the referrers API (`--force-referrers-tag=false`); default: the tag schema. */
  referrersApi?: boolean;
  /** RFC 3161 TSA URL and the PEM root it chains to (notation wants both). */
  timestampUrl?: string;
  timestampRootCert?: string;
  /** Signature expiry as notation takes it, e.g. `24h`, `10m`. */
  expiry?: string;
  userMetadata?: Record<string, string>;
}

export type TrustStoreType = 'ca' | 'signingAuthority' | 'tsa';

export interface VerifyOptions {
  /** The trust policy document (trustpolicy.json). */
  trustPolicy: unknown;
  /** `{ ca: { e2e: ['/path/root.crt'] }, tsa: { … } }` → truststore/x509/<type>/<name>/. */
  trustStores: Partial<Record<TrustStoreType, Record<string, string[]>>>;
  userMetadata?: Record<string, string>;
}

export interface NotationResult extends RunResult {
  /** `notation verify` exited 0. */
  verified: boolean;
  /** Where notation's config lived for this call (trustpolicy.json, truststore/). */
  configDir: string;
}

/** Runs the real notation CLI with a private config and cache, so calls never share state. */
async function notation(
  args: string[],
  access: RegistryAccess,
  setup: (configDir: string) => void,
): Promise<NotationResult> {
  const home = makeWorkdir('notation');
  const configDir = path.join(home, 'config', 'notation');
  mkdirSync(configDir, { recursive: true });
  setup(configDir);
  const plainHttp = access.url.startsWith('http:') ? ['--insecure-registry'] : [];
  const creds = access.credentials
    ? ['--username', access.credentials.username, '--password', access.credentials.password]
    : [];
  const env: Record<string, string> = {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
    // notation has no --ca-file: Go reads extra roots from SSL_CERT_FILE.
    ...(access.caPath && { SSL_CERT_FILE: access.caPath }),
  };
  const [command = '', ...rest] = args;
  const result = await run(requireTool('notation'), [command, ...plainHttp, ...creds, ...rest], {
    env,
  });
  return { ...result, verified: result.code === 0, configDir };
}

function metadataArgs(metadata: Record<string, string> | undefined): string[] {
  return Object.entries(metadata ?? {}).flatMap(([k, v]) => ['--user-metadata', `${k}=${v}`]);
}

/** `notation sign` of a reference (use `host/repo@sha256:…`); throws with notation's output on failure. */
export async function notationSign(
  reference: string,
  access: RegistryAccess,
  options: SignOptions,
): Promise<NotationResult> {
  const args = ['sign', '--signature-format', options.format ?? 'jws', '--key', 'test'];
  if (options.referrersApi) args.push('--force-referrers-tag=false');
  if (options.timestampUrl) {
    args.push(
      '--timestamp-url',
      options.timestampUrl,
      '--timestamp-root-cert',
      options.timestampRootCert ?? '',
    );
  }
  if (options.expiry) args.push('--expiry', options.expiry);
  args.push(...metadataArgs(options.userMetadata), reference);
  const result = await notation(args, access, (configDir) => {
    const keys = {
      default: 'test',
      keys: [{ name: 'test', keyPath: options.key, certPath: options.certChain }],
    };
    writeFileSync(path.join(configDir, 'signingkeys.json'), JSON.stringify(keys));
  });
  if (!result.verified)
    throw new Error(
      `notation sign ${reference} failed (${result.code}):\n${result.stderr}${result.stdout}`,
    );
  return result;
}

/** `notation verify`: the reference verdict our verifier is compared to. Never throws on "not verified". */
export function notationVerify(
  reference: string,
  access: RegistryAccess,
  options: VerifyOptions,
): Promise<NotationResult> {
  const args = ['verify', ...metadataArgs(options.userMetadata), reference];
  return notation(args, access, (configDir) => {
    writeFileSync(path.join(configDir, 'trustpolicy.json'), JSON.stringify(options.trustPolicy));
    for (const [type, stores] of Object.entries(options.trustStores)) {
      for (const [name, certs] of Object.entries(stores)) {
        const dir = path.join(configDir, 'truststore', 'x509', type, name);
        mkdirSync(dir, { recursive: true });
        for (const cert of certs) copyFileSync(cert, path.join(dir, path.basename(cert)));
      }
    }
  });
}

/** A one-statement trust policy document for tests: scope `*` unless given. */
export function simpleTrustPolicy(options: {
  trustStores: string[];
  level?: 'strict' | 'permissive' | 'audit' | 'skip';
  override?: Record<string, 'enforce' | 'log' | 'skip'>;
  trustedIdentities?: string[];
  registryScopes?: string[];
  verifyTimestamp?: 'always' | 'afterCertExpiry';
}): unknown {
  return {
    version: '1.0',
    trustPolicies: [
      {
        name: 'test',
        registryScopes: options.registryScopes ?? ['*'],
        signatureVerification: {
          level: options.level ?? 'strict',
          ...(options.override && { override: options.override }),
          ...(options.verifyTimestamp && { verifyTimestamp: options.verifyTimestamp }),
        },
        trustStores: options.level === 'skip' ? [] : options.trustStores,
        trustedIdentities: options.level === 'skip' ? [] : (options.trustedIdentities ?? ['*']),
      },
    ],
  };
}
