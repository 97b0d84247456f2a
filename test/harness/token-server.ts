import {
  createPrivateKey,
  createPublicKey,
  randomUUID,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { listenLocal } from './http.js';
import { makePki } from './pki.js';

export type Action = 'pull' | 'push';

export interface RegistryUser {
  username: string;
  password: string;
  /** Repository name (or `*`) → actions granted. Default: every repository, pull and push. */
  access?: Record<string, Action[]>;
}

export interface AccessEntry {
  type: 'repository';
  name: string;
  actions: string[];
}

export interface TokenServer {
  /** The realm URL registries send clients to. */
  realm: string;
  service: string;
  issuer: string;
  /** PEM file of the certificate that signs tokens (the registry's `rootcertbundle`). */
  certPath: string;
  /** Every token request: the scopes asked for, who asked (undefined: anonymous), what was granted. */
  readonly requests: readonly {
    scopes: string[];
    user: string | undefined;
    granted: AccessEntry[];
  }[];
  /** Checks a bearer token and returns its claims, or undefined when invalid or expired. */
  verifyToken(token: string): { sub: string; access: AccessEntry[] } | undefined;
  stop(): Promise<void>;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

function parseBasic(
  header: string | undefined,
): { username: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const at = decoded.indexOf(':');
  return at < 0 ? undefined : { username: decoded.slice(0, at), password: decoded.slice(at + 1) };
}

/** What `user` may do on the requested `repository:<name>:<actions>` scopes. */
function grant(scopes: string[], user: RegistryUser | undefined): AccessEntry[] {
  const granted: AccessEntry[] = [];
  for (const scope of scopes) {
    const m = /^repository:([^:]+):(.+)$/.exec(scope);
    if (!m || !user) continue;
    const allowed = user.access ? (user.access[m[1]!] ?? user.access['*'] ?? []) : ['pull', 'push'];
    const actions = m[2]!.split(',').filter((a) => allowed.includes(a as Action));
    if (actions.length > 0) granted.push({ type: 'repository', name: m[1]!, actions });
  }
  return granted;
}

/**
 * The `realm` of the Docker token authentication flow, as a registry's auth server plays it:
 * Basic credentials in, an RS256 JWT out (x5c header, per-repository `access`, expiry).
 */
export async function startTokenServer(options: {
  users: RegistryUser[];
  service?: string;
  tokenTtlSeconds?: number;
}): Promise<TokenServer> {
  const pki = await makePki({
    levels: 2,
    key: 'rsa-2048',
    name: 'Token Issuer',
    leaf: { profile: 'no-eku' },
  });
  const key: KeyObject = createPrivateKey(readFileSync(pki.root.keyPath));
  const publicKey = createPublicKey(readFileSync(pki.root.certPath));
  const x5c = certificateBase64(pki.root.pem);
  const service = options.service ?? 'notary-admission-test-registry';
  const issuer = 'notary-admission-test-token-issuer';
  const ttl = options.tokenTtlSeconds ?? 300;
  const requests: { scopes: string[]; user: string | undefined; granted: AccessEntry[] }[] = [];

  const http = await listenLocal((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' '));
    const basic = parseBasic(req.headers.authorization);
    const user =
      basic &&
      options.users.find((u) => u.username === basic.username && u.password === basic.password);
    if (basic && !user) {
      requests.push({ scopes, user: basic.username, granted: [] });
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"details":"incorrect username or password"}');
      return;
    }
    const access = grant(scopes, user);
    requests.push({ scopes, user: user?.username, granted: access });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [x5c] }));
    const claims = b64url(
      JSON.stringify({
        iss: issuer,
        sub: user?.username ?? '',
        aud: service,
        exp: now + ttl,
        nbf: now - 10,
        iat: now,
        jti: randomUUID(),
        access,
      }),
    );
    const token = `${header}.${claims}.${b64url(sign('sha256', Buffer.from(`${header}.${claims}`), key))}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        token,
        access_token: token,
        expires_in: ttl,
        issued_at: new Date(now * 1000).toISOString(),
      }),
    );
  });

  return {
    realm: `${http.url}/token`,
    service,
    issuer,
    certPath: pki.root.certPath,
    requests,
    verifyToken(token) {
      const [h, c, s] = token.split('.');
      if (!h || !c || !s) return undefined;
      if (!verify('sha256', Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s, 'base64url')))
        return undefined;
      const claims = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as {
        sub: string;
        exp: number;
        aud: string;
        access: AccessEntry[];
      };
      if (claims.aud !== service || claims.exp < Date.now() / 1000) return undefined;
      return claims;
    },
    stop: http.close,
  };
}

function certificateBase64(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}
