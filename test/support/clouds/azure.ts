// A local Microsoft Entra ID for workload identity, over HTTPS (MSAL refuses any other authority):
// the OpenID metadata and instance discovery MSAL reads, and the v2.0 token endpoint's
// client_credentials grant with a `client_assertion` (the pod's projected token). Plus ACR's
// `/oauth2/exchange` (Azure/acr docs/AAD-OAuth.md), served on the registry's own origin.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import { listenLocal, readBody } from '../../harness/http.js';
import { makeWorkdir } from '../../harness/workdir.js';
import { generateSelfSigned } from '../../../src/webhook/tls/index.js';
import { identityToken, validToken } from './identity-token.js';
import type { Route } from './registry-front.js';

export interface FakeEntra {
  /** `https://127.0.0.1:PORT`: AZURE_AUTHORITY_HOST. */
  url: string;
  /** PEM of the CA of its certificate. */
  ca: string;
  /** Access tokens issued so far. */
  issued: Set<string>;
  calls: { token: number };
  stop(): Promise<void>;
}

const json = (res: http.ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

export async function startFakeEntra(o: {
  tenantId: string;
  clientId: string;
  subject: string;
}): Promise<FakeEntra> {
  const tls = await generateSelfSigned({ dir: makeWorkdir('fake-entra'), dnsNames: ['127.0.0.1'] });
  const [cert, key, ca] = await Promise.all([
    readFile(tls.certPath, 'utf8'),
    readFile(tls.keyPath, 'utf8'),
    readFile(tls.caPath ?? '', 'utf8'),
  ]);
  const issued = new Set<string>();
  const calls = { token: 0 };
  let base = '';
  const server = await listenLocal(
    (req, res) => {
      void readBody(req).then((body) => {
        const path = (req.url ?? '').split('?')[0];
        const t = o.tenantId;
        if (path === `/${t}/v2.0/.well-known/openid-configuration`)
          return json(res, 200, {
            token_endpoint: `${base}/${t}/oauth2/v2.0/token`,
            authorization_endpoint: `${base}/${t}/oauth2/v2.0/authorize`,
            issuer: `${base}/${t}/v2.0`,
            end_session_endpoint: `${base}/${t}/oauth2/v2.0/logout`,
            jwks_uri: `${base}/${t}/discovery/v2.0/keys`,
          });
        if (path === '/common/discovery/instance')
          return json(res, 200, {
            tenant_discovery_endpoint: `${base}/${t}/v2.0/.well-known/openid-configuration`,
            'api-version': '1.1',
            metadata: [
              {
                preferred_network: new URL(base).host,
                preferred_cache: new URL(base).host,
                aliases: [new URL(base).host],
              },
            ],
          });
        if (path !== `/${t}/oauth2/v2.0/token` || req.method !== 'POST')
          return json(res, 404, { error: 'not_found' });
        calls.token++;
        const form = new URLSearchParams(body.toString('utf8'));
        const assertion = validToken(form.get('client_assertion') ?? '', o.subject);
        if (form.get('client_id') !== o.clientId || assertion !== 'ok')
          return json(res, 400, {
            error: 'invalid_client',
            error_description:
              assertion === 'expired'
                ? 'AADSTS700024: Client assertion is not within its valid time range.'
                : 'AADSTS700211: No matching federated identity record found for presented assertion.',
          });
        const accessToken = identityToken(`entra:${o.clientId}`, 3600);
        issued.add(accessToken);
        json(res, 200, {
          token_type: 'Bearer',
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: accessToken,
        });
      });
    },
    { cert, key },
  );
  base = server.url;
  return { url: server.url, ca, issued, calls, stop: server.close };
}

/** ACR's `/oauth2/exchange`: an Entra token this Entra ID issued → the given refresh token. */
export function acrExchange(
  entra: FakeEntra,
  refreshToken: string,
  calls: { exchange: number },
): Route {
  return (req, res) => {
    void readBody(req).then((body) => {
      calls.exchange++;
      const form = new URLSearchParams(body.toString('utf8'));
      if (
        req.method !== 'POST' ||
        form.get('grant_type') !== 'access_token' ||
        !entra.issued.has(form.get('access_token') ?? '')
      )
        return json(res, 401, {
          errors: [{ code: 'UNAUTHORIZED', message: 'invalid access token' }],
        });
      json(res, 200, { refresh_token: refreshToken });
    });
  };
}

/** A refresh token as ACR issues them: a JWT (its `exp` is 3 h out). */
export const acrRefreshToken = (): string =>
  identityToken(`acr-refresh-${randomBytes(8).toString('hex')}`, 3 * 3600);
