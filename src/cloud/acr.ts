// Azure Container Registry: the pod's workload identity (a projected token, federated with an
// Entra ID app or managed identity) → an Entra ID access token (@azure/identity's
// WorkloadIdentityCredential, loaded on first use) → the registry's `/oauth2/exchange` for an ACR
// refresh token (Azure/acr docs/AAD-OAuth.md) → the registry's own token flow with the username
// `00000000-0000-0000-0000-000000000000` and that refresh token as the password, as `az acr login`
// leaves it for docker.
import { Agent } from 'node:https';
import type { TokenCredential, WorkloadIdentityCredentialOptions } from '@azure/identity';
import type { AcrSettings } from '../config/index.js';
import type {
  ProvidedCredentials,
  RegistryCredentialProvider,
  RegistryExchange,
} from '../registry/index.js';
import { CredentialCache } from './cache.js';
import { acrScope, isAcrHost } from './hosts.js';
import type { ProviderOptions } from './options.js';

export const ACR_USERNAME = '00000000-0000-0000-0000-000000000000';
const TOKEN_RE = /^[\x21-\x7e]{1,16384}$/;
/** ACR refresh tokens live 3 hours; one whose `exp` cannot be read is trusted no longer than this. */
const DEFAULT_REFRESH_TOKEN_MS = 60 * 60 * 1000;

/** The `exp` claim (ms) of a JWT, if it has one; the token is only read, never trusted for more. */
function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const exp = (
      JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }
    ).exp;
    return typeof exp === 'number' && exp > 0 ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** POST /oauth2/exchange: the Entra ID token for a refresh token of this registry. */
async function exchange(
  registry: string,
  entra: { tenant: string; token: string },
  via: RegistryExchange,
  signal: AbortSignal,
): Promise<string> {
  const form = {
    grant_type: 'access_token',
    service: registry,
    tenant: entra.tenant,
    access_token: entra.token,
  };
  const res = await via.post('/oauth2/exchange', form, signal);
  const text = Buffer.from(res.body).toString('utf8');
  if (res.status !== 200)
    throw new Error(`${registry}/oauth2/exchange answered ${res.status}: ${text.slice(0, 200)}`);
  let body: { refresh_token?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`${registry}/oauth2/exchange sent invalid JSON`);
  }
  if (typeof body.refresh_token !== 'string' || !TOKEN_RE.test(body.refresh_token))
    throw new Error(`${registry}/oauth2/exchange sent no usable refresh_token`);
  return body.refresh_token;
}

export function createAcrProvider(
  settings: AcrSettings,
  options: ProviderOptions,
): RegistryCredentialProvider {
  const extra = new Set(settings.hosts);
  const cache = new CredentialCache({
    code: 'ACR_CREDENTIALS_UNAVAILABLE',
    label: 'ACR',
    now: options.now,
    onRefreshError: (key, err) => options.onRefreshError?.('acr', key, err),
  });
  let credential: Promise<TokenCredential> | undefined;
  const entra = (): Promise<TokenCredential> =>
    (credential ??= import('@azure/identity').then(({ WorkloadIdentityCredential }) => {
      const o: WorkloadIdentityCredentialOptions = {
        clientId: settings.clientId,
        tenantId: settings.tenantId,
        tokenFilePath: settings.tokenFile,
        // The authority comes from configuration: no discovery of it at login.microsoftonline.com.
        ...(settings.authorityHost !== undefined && {
          authorityHost: settings.authorityHost,
          disableInstanceDiscovery: true,
        }),
        ...(options.extraCa !== undefined && { agent: new Agent({ ca: options.extraCa }) }),
        retryOptions: { maxRetries: 1 },
      };
      return new WorkloadIdentityCredential(o);
    })).catch((err: unknown) => {
      credential = undefined;
      throw err;
    });

  const fetch = async (
    registry: string,
    via: RegistryExchange,
    signal: AbortSignal,
  ): Promise<ProvidedCredentials> => {
    const scope = settings.scope ?? acrScope(registry);
    // @azure/identity caches the Entra ID token itself (MSAL) and refreshes it before expiry.
    const token = await (await entra()).getToken(scope, { abortSignal: signal });
    if (!token) throw new Error('Entra ID gave no token for the workload identity');
    const entraToken = { tenant: settings.tenantId, token: token.token };
    const refresh = await exchange(registry, entraToken, via, signal);
    const expiresAt = Math.min(
      jwtExpiry(refresh) ?? options.now() + DEFAULT_REFRESH_TOKEN_MS,
      options.now() + 3 * DEFAULT_REFRESH_TOKEN_MS,
    );
    return { username: ACR_USERNAME, password: refresh, expiresAt };
  };

  return {
    name: 'acr',
    matches: (registry) => extra.has(registry) || isAcrHost(registry),
    credentials: (registry, { signal, exchange: via }) =>
      cache.get(registry, signal, (s) => fetch(registry, via, s)),
  };
}
