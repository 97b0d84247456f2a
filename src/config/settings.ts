// The resolved settings of `notary-admission serve` and `notary-admission verify`: plain data,
// every default applied, for the composition root to hand to the registry client, the cache and
// the server. Parsed from flags, environment and a config file by args.ts.
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_MAX_SIGNATURES } from '../verify/candidates.js';
import type { CloudCredentialSettings } from './cloud-settings.js';
import type { DctVerifySettings } from './dct-settings.js';
import type { MirrorSettings } from './mirror-settings.js';
import type { ProxySettings } from './proxy-settings.js';
import type { SelfManagedTlsSettings } from './tls-settings.js';
import type { VisibilitySettings } from './visibility-settings.js';
import type { StatementSettings } from './admission.js';
import type { NoMatchAction } from './snapshot.types.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

/** `online` checks OCSP/CRL over the network; `offline` never fetches (revocation unknown). */
export type RevocationMode = 'online' | 'offline';
export const REVOCATION_MODES: readonly RevocationMode[] = ['online', 'offline'];

export type OutputFormat = 'text' | 'json';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json'];

/** IP ranges a registry may resolve to besides public ones: true = loopback and private too. */
export type PrivateNetworks = boolean | string[];

/** The verdict cache (architecture decision 6). */
export interface CacheSettings {
  enabled: boolean;
  maxEntries: number;
  /** Upper bound of a positive verdict's life. */
  positiveTtlMs: number;
  /** Life of a definitive failure (inconclusive results are never cached). */
  failureTtlMs: number;
}

/** What the registry client needs, shared by both commands (paths; files are read later). */
export interface RegistrySettings {
  /** `host[:port]` spoken to over plain HTTP, in src/names's normal form (`host:80` kept as is). */
  insecureRegistries: string[];
  allowPrivateNetworks: PrivateNetworks;
  /** PEM CA bundle file by `host[:port]` in src/names's normal form (`:443` left out). */
  registryCaFiles: Record<string, string>;
  /** A docker `config.json` with registry credentials (re-read by `serve` when it changes). */
  registryCredentialsFile?: string;
  /** Egress through an HTTP proxy (CONNECT); absent: direct. */
  proxy?: ProxySettings;
}

/** Where `serve` reads its trust policies from. */
export type PolicySourceKind = 'file' | 'kubernetes';
export const POLICY_SOURCES: readonly PolicySourceKind[] = ['file', 'kubernetes'];

/** `--policy-source file`: notation's trust policy file and trust store directory. */
export interface FilePolicySettings {
  policySource: 'file';
  trustPolicyPath: string;
  trustStoreDir: string;
  /** `--crl-bundle`: CRLs used instead of fetching (a file or a directory), re-read on change. */
  crlBundle?: string;
  /** With `pullSecrets`: the cluster's kubeconfig file; absent: the pod's service account. */
  kubeconfig?: string;
}

/** `--policy-source kubernetes`: TrustPolicy and TrustStore objects, watched. */
export interface KubernetesPolicySettings {
  policySource: 'kubernetes';
  /** The kubeconfig file; absent: the pod's service account (in-cluster). */
  kubeconfig?: string;
  /** The only namespace whose Secrets and ConfigMaps TrustStores may reference. */
  trustNamespace: string;
  /** Events, the background verifier and its PolicyReports (issue 16). */
  visibility: VisibilitySettings;
  /** `--max-exception-duration` (issue 17): the longest a TrustPolicyException may run; 24 h. */
  maxExceptionMs?: number;
  /** `--tls-secret`: the serving pair from a Secret the service keeps (issue 19). */
  selfManagedTls?: SelfManagedTlsSettings;
}

/** The settings of `serve` whatever the policy source. */
export interface ServeCommonSettings extends RegistrySettings {
  host: string;
  port: number;
  metricsHost: string;
  /** null: no metrics listener; 0: an ephemeral port. */
  metricsPort: number | null;
  /** Both or neither; without them a self-signed pair is generated into `tlsDir`. */
  tlsCert?: string;
  tlsKey?: string;
  tlsDir: string;
  /** Subject alternative names of a generated certificate. */
  tlsDnsNames: string[];
  /**
   * Registry credentials from each pod's imagePullSecrets, then its ServiceAccount's, before
   * `registryCredentialsFile`. Needs `get` on secrets and serviceaccounts in workload namespaces.
   */
  pullSecrets: boolean;
  /**
   * Registry credentials from the cloud's workload identity (`--cloud-credentials`): consulted
   * after a pod's pull secrets, instead of `registryCredentialsFile` for the hosts they serve.
   */
  cloudCredentials?: CloudCredentialSettings;
  /** Registry mirrors (`--registry-mirror`, `--mirrors-only`; issue 15), in normal form; absent: none. */
  registryMirrors?: MirrorSettings[];
  logLevel: LogLevel;
  /** Budget of a review that carries no `?timeout=`. */
  defaultTimeoutMs: number;
  /** Kept back from the API server's timeout so the answer arrives before it gives up. */
  timeoutMarginMs: number;
  /** Reviews in flight beyond this are shed (denied at once, fail closed). */
  maxInFlight: number;
  /** After SIGTERM, how long /readyz fails before the listener closes. */
  drainDelayMs: number;
  keepAliveTimeoutMs: number;
  cache: CacheSettings;
  revocation: RevocationMode;
  /** Signatures evaluated per image, trusted thumbprints first (as `verify`'s). */
  maxSignatures: number;
  /**
   * A mutating webhook calls /mutate before /validate (the chart's `webhook.mutating.enabled`):
   * /validate then refuses the tags a `mutateDigest` statement governs that reach it unpinned.
   * False (`--no-mutating-webhook`): /validate resolves tags itself, as nothing pins them.
   */
  mutatingWebhook: boolean;
  /**
   * Admission fields and requirements (signers, userMetadata …) by trust policy statement name
   * (`policies` in the config file).
   */
  admission: Record<string, StatementSettings>;
  noMatch: NoMatchAction;
  /** The config file read, absolute. */
  configFile?: string;
}

export type ServeSettings = ServeCommonSettings & (FilePolicySettings | KubernetesPolicySettings);

export interface VerifySettings extends RegistrySettings {
  /** The image reference to verify, as given. */
  reference: string;
  trustPolicyPath: string;
  trustStoreDir: string;
  output: OutputFormat;
  timeoutMs: number;
  revocation: RevocationMode;
  /** Key/values the signature's annotations must carry (`notation verify -m`). */
  userMetadata: Record<string, string>;
  /** At most this many signatures are tried (DEFAULT_MAX_SIGNATURES; notation's default is 100). */
  maxSignatures: number;
  /**
   * notation's bare `--insecure-registry` (a boolean): the reference's own registry is spoken to
   * over plain HTTP. `--insecure-registry=HOST` names a registry instead.
   */
  insecureReference: boolean;
  /**
   * `--dct-server` (issue 18): Docker Content Trust is checked instead of Notation (then
   * `trustPolicyPath` and `trustStoreDir` are empty: notation's files are not read).
   */
  dct?: DctVerifySettings;
}

/** The kube-apiserver closes idle webhook connections after 90 s; ours must outlive that. */
export const API_SERVER_IDLE_TIMEOUT_MS = 90_000;

/** Defaults of `serve` that depend on nothing in the environment. */
export const SERVE_DEFAULTS = {
  host: '127.0.0.1',
  port: 8443,
  metricsPort: 9090,
  tlsDnsNames: ['localhost', '127.0.0.1'],
  logLevel: 'info',
  defaultTimeoutMs: 10_000,
  timeoutMarginMs: 300,
  maxInFlight: 512,
  drainDelayMs: 5_000,
  keepAliveTimeoutMs: 120_000,
  cache: { enabled: true, maxEntries: 100_000, positiveTtlMs: 300_000, failureTtlMs: 30_000 },
  revocation: 'online',
  maxSignatures: DEFAULT_MAX_SIGNATURES,
  noMatch: 'Deny',
  allowPrivateNetworks: false,
  policySource: 'file',
  pullSecrets: false,
  mutatingWebhook: true,
} as const satisfies Partial<ServeCommonSettings> & { policySource: PolicySourceKind };

export const VERIFY_DEFAULTS = {
  output: 'text',
  timeoutMs: 30_000,
  revocation: 'online',
  // A developer's machine: a registry on localhost or the LAN is the usual case.
  allowPrivateNetworks: true,
  maxSignatures: DEFAULT_MAX_SIGNATURES,
} as const satisfies Partial<VerifySettings>;

/** Where a generated self-signed pair is written by default. */
export function defaultTlsDir(): string {
  return path.join(os.tmpdir(), 'notary-admission-tls');
}
