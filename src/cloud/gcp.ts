// Google Artifact Registry and Container Registry: the access token of the pod's service account
// from the metadata server (on GKE, Workload Identity Federation for GKE answers there), sent as
// the password of `oauth2accesstoken`. One token serves every GAR/GCR host.
//
// The metadata server is a link-local address the registry transport's SSRF guard refuses; it is
// reached here, from configuration only (`GCE_METADATA_HOST` or the default), never from a name
// a Pod spec carries. Plain undici: the protocol is one GET, on a connection of its own.
import { Pool } from '../registry/undici.js';
import type { GcpSettings } from '../config/index.js';
import type { ProvidedCredentials, RegistryCredentialProvider } from '../registry/index.js';
import { CredentialCache } from './cache.js';
import { isGcpHost } from './hosts.js';
import type { ProviderOptions } from './options.js';

const TOKEN_PATH = '/computeMetadata/v1/instance/service-accounts/default/token';
const MAX_BODY_BYTES = 64 * 1024;
/** The longest an access token from the metadata server is kept (its tokens last 3,600 s). */
export const MAX_TOKEN_SECONDS = 3600;
const TOKEN_RE = /^[\x21-\x7e]{1,8192}$/;

async function readBody(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new Error(`the metadata server's answer is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The access token and its expiry (`expires_in` seconds from now) from the metadata server. */
async function metadataToken(
  host: string,
  now: () => number,
  signal: AbortSignal,
): Promise<ProvidedCredentials> {
  const pool = new Pool(`http://${host}`, { connections: 1 });
  let res: Awaited<ReturnType<Pool['request']>>;
  let text: string;
  try {
    res = await pool.request({
      path: TOKEN_PATH,
      method: 'GET',
      headers: { 'metadata-flavor': 'Google' },
      signal,
    });
    text = await readBody(res.body);
  } finally {
    pool.destroy().catch(() => undefined); // a connection of its own: nothing else waits on it
  }
  if (res.statusCode !== 200)
    throw new Error(
      `the metadata server at ${host} answered ${res.statusCode}: ${text.slice(0, 200)}`,
    );
  if (res.headers['metadata-flavor'] !== 'Google')
    throw new Error(`${host} answered without Metadata-Flavor: Google`);
  let body: { access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`the metadata server at ${host} sent invalid JSON`);
  }
  if (typeof body.access_token !== 'string' || !TOKEN_RE.test(body.access_token))
    throw new Error(`the metadata server at ${host} sent no usable access_token`);
  if (typeof body.expires_in !== 'number')
    throw new Error(`the metadata server at ${host} sent no expires_in`);
  if (!(body.expires_in > 0))
    throw new Error(
      `the metadata server at ${host} sent an access token that had already expired (expires_in ${body.expires_in})`,
    );
  return {
    username: 'oauth2accesstoken',
    password: body.access_token,
    // Google's access tokens live an hour; a longer (or infinite) expires_in is not believed.
    expiresAt: now() + Math.min(body.expires_in, MAX_TOKEN_SECONDS) * 1000,
  };
}

export function createGcpProvider(
  settings: GcpSettings,
  options: ProviderOptions,
): RegistryCredentialProvider {
  const extra = new Set(settings.hosts);
  const cache = new CredentialCache({
    code: 'GCP_CREDENTIALS_UNAVAILABLE',
    label: 'GCP',
    now: options.now,
    maxEntries: 1,
    onRefreshError: (key, err) => options.onRefreshError?.('gcp', key, err),
  });
  return {
    name: 'gcp',
    matches: (registry) => extra.has(registry) || isGcpHost(registry),
    credentials: (_registry, { signal }) =>
      cache.get('default', signal, (s) => metadataToken(settings.metadataHost, options.now, s)),
  };
}
