import type { AuthContext } from './auth.js';
import type { Challenge } from './challenge.js';
import { basicAuthorization, type Credentials } from './credentials.js';
import { RegistryError, redact } from './errors.js';
import type { HttpResponse, Transport } from './transport.js';

/** oras-go caps token responses at 128 KiB. */
export const MAX_TOKEN_RESPONSE_BYTES = 128 * 1024;
const DEFAULT_EXPIRES_IN_S = 60;
const MAX_LIFETIME_MS = 60 * 60 * 1000;
const TOKEN_RE = /^[\x21-\x7e]{1,16384}$/;

export interface TokenRequest {
  transport: Transport;
  challenge: Challenge;
  context: AuthContext;
  credentials: Credentials | undefined;
  /** Realm origins configured for this registry: they may get its credentials, over any scheme. */
  trustedRealms: readonly string[];
}

/**
 * The realm decides where credentials go (go-containerregistry#2193): the registry's own origin
 * or a configured one gets them; any other realm must be https on a public address and is
 * asked anonymously.
 */
function checkRealm(req: TokenRequest): { realm: URL; trusted: boolean } {
  const raw = req.challenge.params['realm'];
  let realm: URL;
  try {
    realm = new URL(raw ?? '');
  } catch {
    throw new RegistryError(
      'PROTOCOL',
      `${req.context.registry} sent a Bearer challenge without a valid realm`,
    );
  }
  if (realm.username || realm.password || !/^https?:$/.test(realm.protocol))
    throw new RegistryError(
      'NOT_ALLOWED',
      `token realm ${realm.protocol}//${realm.host} is not allowed`,
    );
  const trusted = realm.origin === req.context.origin || req.trustedRealms.includes(realm.origin);
  if (!trusted && realm.protocol !== 'https:') {
    throw new RegistryError(
      'NOT_ALLOWED',
      `token realm ${redact(realm)} of ${req.context.registry} is plain HTTP on another origin and not configured`,
    );
  }
  return { realm, trusted };
}

function scopes(req: TokenRequest): string[] {
  const asked = (req.challenge.params['scope'] ?? '').split(' ').filter(Boolean);
  return [...new Set([...asked, req.context.scope])];
}

function tokenRequest(req: TokenRequest, realm: URL, creds: Credentials | undefined) {
  const service = req.challenge.params['service'];
  if (creds?.identityToken !== undefined) {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: creds.identityToken,
      client_id: 'notary-admission',
      scope: scopes(req).join(' '),
      ...(service !== undefined && { service }),
    });
    return {
      url: realm,
      method: 'POST' as const,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    };
  }
  const url = new URL(realm);
  if (service !== undefined) url.searchParams.set('service', service);
  for (const s of scopes(req)) url.searchParams.append('scope', s);
  const basic = creds && basicAuthorization(creds);
  return { url, method: 'GET' as const, headers: basic ? { authorization: basic } : {} };
}

function readToken(res: HttpResponse, realm: URL): { token: string; lifetimeMs: number } {
  let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse(Buffer.from(res.body).toString('utf8')) as typeof body;
  } catch {
    throw new RegistryError('PROTOCOL', `token server ${realm.host} sent invalid JSON`);
  }
  const token = typeof body.access_token === 'string' ? body.access_token : body.token;
  if (typeof token !== 'string' || !TOKEN_RE.test(token))
    throw new RegistryError('PROTOCOL', `token server ${realm.host} sent no usable token`);
  const expiresIn =
    typeof body.expires_in === 'number' && body.expires_in > 0
      ? body.expires_in
      : DEFAULT_EXPIRES_IN_S;
  const lifetime = Math.min(expiresIn * 1000, MAX_LIFETIME_MS);
  return { token, lifetimeMs: lifetime - Math.min(10_000, lifetime / 10) };
}

/** Fetches a bearer token for the context's scope from the challenge's realm. */
export async function fetchToken(
  req: TokenRequest,
): Promise<{ token: string; lifetimeMs: number }> {
  const { realm, trusted } = checkRealm(req);
  const creds = trusted ? req.credentials : undefined;
  const { url, method, headers, ...rest } = tokenRequest(req, realm, creds);
  const res = await req.transport.request({
    url,
    method,
    headers,
    ...rest,
    signal: req.context.signal,
    deadline: req.context.deadline,
    maxBytes: MAX_TOKEN_RESPONSE_BYTES,
    followRedirects: false,
    allowPlainHttp: trusted,
    publicOnly: !trusted,
    what: 'token',
  });
  if (res.status === 200) return readToken(res, realm);
  if (res.status === 401 || res.status === 403) {
    const who = creds ? 'refused the configured credentials' : 'refused an anonymous token';
    throw new RegistryError(
      res.status === 401 ? 'UNAUTHORIZED' : 'DENIED',
      `token server ${realm.host} ${who} for ${scopes(req).join(' ')}${trusted || !req.credentials ? '' : ' (credentials are sent only to the registry or a configured realm)'}`,
      { status: res.status },
    );
  }
  const code = res.status >= 500 ? 'NETWORK' : 'PROTOCOL';
  throw new RegistryError(code, `token server ${realm.host} answered ${res.status}`, {
    status: res.status,
  });
}
