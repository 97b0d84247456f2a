import { createHash } from 'node:crypto';
import { normaliseHost } from '../names/index.js';

/** Credentials for one registry, as a Docker config JSON entry carries them. */
export interface Credentials {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (`identitytoken`), exchanged at the token realm. */
  identityToken?: string;
  /** A bearer token sent to the registry as it is (`registrytoken`). */
  registryToken?: string;
}

/** An entry of `auths` in a Docker config JSON (`.dockerconfigjson`). */
export interface DockerAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface DockerConfig {
  auths?: Record<string, DockerAuthEntry>;
}

/** Credentials by registry (`docker.io`, `127.0.0.1:5000`), or undefined for anonymous. */
export type CredentialLookup = (registry: string) => Credentials | undefined;

/**
 * `https://index.docker.io/v1/`, `HOST:PORT`, `http://Host:443/path` → the registry it names, in
 * normal form (src/names); undefined for a key that names none (userinfo, junk). The scheme and
 * path are dropped as docker's own `ConvertToHostname` drops them.
 */
export function normaliseRegistryKey(key: string): string | undefined {
  const host = normaliseHost(key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0]!);
  return host.ok ? host.value : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** `auth` is base64 of `username:password`. */
function decodeAuth(auth: string | undefined): { username?: string; password?: string } {
  const decoded = auth === undefined ? '' : Buffer.from(auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : {};
}

function fromEntry(entry: DockerAuthEntry): Credentials | undefined {
  const decoded = decodeAuth(str(entry.auth));
  const fields: [keyof Credentials, string | undefined][] = [
    ['username', str(entry.username) ?? decoded.username],
    ['password', str(entry.password) ?? decoded.password],
    ['identityToken', str(entry.identitytoken)],
    ['registryToken', str(entry.registrytoken)],
  ];
  const out: Credentials = {};
  for (const [k, v] of fields) if (v !== undefined) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Credentials from Docker config JSON documents (the content of `kubernetes.io/dockerconfigjson`
 * secrets), as a string or parsed. Keys and lookups meet in normal form (`Registry.Example.com:443`
 * is `registry.example.com`); the first document that names a registry, however spelt, wins.
 */
export function credentialsFromDockerConfig(
  ...configs: (DockerConfig | string)[]
): CredentialLookup {
  const table = new Map<string, Credentials>();
  for (const config of configs) {
    const parsed = (typeof config === 'string' ? JSON.parse(config) : config) as DockerConfig;
    for (const [key, entry] of Object.entries(parsed.auths ?? {})) {
      const registry = normaliseRegistryKey(key);
      const creds = typeof entry === 'object' && entry !== null ? fromEntry(entry) : undefined;
      if (registry !== undefined && creds && !table.has(registry)) table.set(registry, creds);
    }
  }
  // References arrive in normal form already; a caller's own spelling is normalised too.
  return (registry) => {
    const host = table.has(registry) ? registry : normaliseRegistryKey(registry);
    return host === undefined ? undefined : table.get(host);
  };
}

export function basicAuthorization(creds: Credentials): string | undefined {
  if (creds.username === undefined || creds.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
}

/**
 * Who a request speaks as, for keys of what must not cross identities (tokens): `anonymous`, or
 * the SHA-256 of the credentials. A one-way digest, never shown: the secret stays out of keys.
 */
export function credentialsFingerprint(creds: Credentials | undefined): string {
  if (creds === undefined) return 'anonymous';
  const fields = [creds.username, creds.password, creds.identityToken, creds.registryToken];
  return createHash('sha256')
    .update(JSON.stringify(fields.map((f) => f ?? null)))
    .digest('hex');
}
