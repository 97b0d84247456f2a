import type { GuardSettings, HostResolver, NetworkAllowance } from './address-guard.js';
import {
  credentialsFromDockerConfig,
  type CredentialLookup,
  type DockerConfig,
} from './credentials.js';
import type { RegistryCredentialProvider } from './credential-provider.js';
import type { OriginStates } from './origin-state.js';
import { Egress, type ProxyOptions } from './proxy.js';
import { apiHost } from './reference.js';
import type { TransportOptions } from './transport.js';
import { normaliseHost, normalisePlainHttpHosts } from '../names/index.js';

export interface RegistryClientOptions {
  /** Docker config JSON documents (imagePullSecrets), or a lookup by registry. */
  credentials?: DockerConfig | string | CredentialLookup;
  /**
   * Registries (`host[:port]`) spoken to over plain HTTP, HTTPS everywhere else. Matched in
   * normal form (src/names): `LOCALHOST:05000` is `localhost:5000`; `host` and `host:80` are
   * different names (listing both, or port 443, throws a TypeError).
   */
  insecureRegistries?: readonly string[];
  /** PEM CA bundle per registry host (matched in normal form), instead of the system roots. */
  caBundles?: Readonly<Record<string, string>>;
  /**
   * The hosts of the registry mirrors (`MirrorTable.hosts()`, normal form): configuration like
   * the hosts above, so a mirror is reached on a private address without `allowPrivateNetworks`.
   * Plain HTTP, CA bundles and credentials of a mirror are set per host as for any registry.
   */
  mirrorHosts?: readonly string[];
  /**
   * See NetworkAllowance: default public addresses only. A registry named in
   * `insecureRegistries`, `caBundles` or `credentials` is trusted configuration and is reached
   * on loopback and private addresses whatever this says (link-local and metadata still need a
   * CIDR here).
   */
  allowPrivateNetworks?: NetworkAllowance;
  /** How an address refusal names the settings that would allow it (default: the CLI flags). */
  guardSettings?: GuardSettings;
  /**
   * Cloud identities (src/cloud) supplying credentials for their registries: after a call's own
   * credentials, before (and instead of) `credentials` for the hosts they match. Their hosts are
   * not configuration: the address guard treats them as any other registry.
   */
  credentialProviders?: readonly RegistryCredentialProvider[];
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
  /** The bounded per-origin state (pools, challenges, referrers support); tests inject one. */
  originStates?: OriginStates;
  /**
   * Egress through an HTTP proxy (CONNECT tunnels to checked addresses; proxy.ts): registries
   * and their token realms. Absent: direct. Throws a TypeError for a URL or entry it cannot use.
   */
  proxy?: ProxyOptions;
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
    insecureHosts: insecureRegistries(o).map((r) => urlHost(r, 'http')),
    caBundles: Object.fromEntries(
      Object.entries(caBundles(o)).map(([r, pem]) => [urlHost(r, 'https'), pem]),
    ),
    allowPrivateNetworks: o.allowPrivateNetworks ?? false,
    isConfigured: configuredHosts(o),
    guardSettings: o.guardSettings,
    resolver: o.resolver,
    maxRedirects: o.maxRedirects ?? 3,
    perHostConcurrency: o.perRegistryConcurrency ?? 16,
    connectTimeoutMs: o.connectTimeoutMs ?? 5_000,
    now,
    onResponse: o.onResponse,
    ...(o.proxy && { egress: new Egress(o.proxy) }),
  };
}

/**
 * The hosts the configuration names: insecure registries, CA bundle hosts, and registries the
 * configured credentials cover (never a call's own credentials: those come from pod specs).
 * Compared in the form those lists hold them.
 */
export function configuredHosts(o: RegistryClientOptions): (host: string) => boolean {
  const listed = new Set([
    ...insecureRegistries(o).map((r) => urlHost(r, 'http')),
    ...Object.keys(caBundles(o)).map((r) => urlHost(r, 'https')),
    ...(o.mirrorHosts ?? []).map((r) => urlHost(r, 'https')),
  ]);
  const credentials = credentialLookup(o.credentials);
  return (host) => listed.has(host) || credentials(host) !== undefined;
}

export function credentialLookup(creds: RegistryClientOptions['credentials']): CredentialLookup {
  if (typeof creds === 'function') return creds;
  return creds === undefined ? () => undefined : credentialsFromDockerConfig(creds);
}

/** The plain-HTTP registries in normal form, as references name them (src/names). */
export function insecureRegistries(o: RegistryClientOptions): string[] {
  const hosts = normalisePlainHttpHosts(o.insecureRegistries ?? []);
  if (!hosts.ok) throw new TypeError(`insecureRegistries: ${hosts.reason}`);
  return hosts.value;
}

/** The CA bundles keyed by registry in normal form. */
function caBundles(o: RegistryClientOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, pem] of Object.entries(o.caBundles ?? {})) {
    const host = normaliseHost(key);
    if (!host.ok) throw new TypeError(`caBundles: ${host.reason}`);
    if (Object.hasOwn(out, host.value) && out[host.value] !== pem)
      throw new TypeError(`caBundles: two bundles for ${host.value}`);
    out[host.value] = pem;
  }
  return out;
}

/**
 * A registry (normal form) as the transport sees it in a request's `URL.host`: `docker.io` is
 * served by registry-1.docker.io, and plain HTTP's URL leaves out its default `:80`.
 */
function urlHost(registry: string, scheme: 'http' | 'https'): string {
  return new URL(`${scheme}://${apiHost(registry)}`).host;
}
