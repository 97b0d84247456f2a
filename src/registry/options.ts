import type { HostResolver, NetworkAllowance } from './address-guard.js';
import {
  credentialsFromDockerConfig,
  type CredentialLookup,
  type DockerConfig,
} from './credentials.js';
import type { TransportOptions } from './transport.js';

export interface RegistryClientOptions {
  /** Docker config JSON documents (imagePullSecrets), or a lookup by registry. */
  credentials?: DockerConfig | string | CredentialLookup;
  /** Registries (`host[:port]`) spoken to over plain HTTP. HTTPS everywhere else. */
  insecureRegistries?: readonly string[];
  /** PEM CA bundle per registry host, instead of the system roots. */
  caBundles?: Readonly<Record<string, string>>;
  /** See NetworkAllowance: default public addresses only. */
  allowPrivateNetworks?: NetworkAllowance;
  /** Token realm origins (besides the registry's own) that may receive a registry's credentials. */
  tokenRealms?: Readonly<Record<string, readonly string[]>>;
  /** DNS for the address guard (tests inject one). */
  resolver?: HostResolver;
  /** Default 4 MiB (oras-go, notation-go). */
  maxManifestBytes?: number;
  /** Default 1 MiB (notation-go allows 32 MiB; envelopes are a few KiB). */
  maxEnvelopeBytes?: number;
  /** Default 10. */
  maxReferrerPages?: number;
  /** Default 3. */
  maxRedirects?: number;
  /** Sockets per registry origin, default 16. */
  perRegistryConcurrency?: number;
  /** Deadline of a call that brings none, default 10 s. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  now?: () => number;
  /** Told of every HTTP exchange (for metrics): host and status, or 'error'. */
  onResponse?: (host: string, status: number | 'error') => void;
}

const MiB = 1024 * 1024;

/** Docker Hub's token realm may receive Docker Hub credentials. */
export const DEFAULT_REALMS: Record<string, readonly string[]> = {
  'docker.io': ['https://auth.docker.io'],
};

export interface Limits {
  manifest: number;
  envelope: number;
  pages: number;
  timeoutMs: number;
}

export function limitsOf(o: RegistryClientOptions): Limits {
  return {
    manifest: o.maxManifestBytes ?? 4 * MiB,
    envelope: o.maxEnvelopeBytes ?? MiB,
    pages: o.maxReferrerPages ?? 10,
    timeoutMs: o.timeoutMs ?? 10_000,
  };
}

export function transportOptions(o: RegistryClientOptions, now: () => number): TransportOptions {
  return {
    insecureHosts: o.insecureRegistries ?? [],
    caBundles: o.caBundles ?? {},
    allowPrivateNetworks: o.allowPrivateNetworks ?? false,
    resolver: o.resolver,
    maxRedirects: o.maxRedirects ?? 3,
    perHostConcurrency: o.perRegistryConcurrency ?? 16,
    connectTimeoutMs: o.connectTimeoutMs ?? 5_000,
    now,
    onResponse: o.onResponse,
  };
}

export function credentialLookup(creds: RegistryClientOptions['credentials']): CredentialLookup {
  if (typeof creds === 'function') return creds;
  return creds === undefined ? () => undefined : credentialsFromDockerConfig(creds);
}
