import http from 'node:http';
import { listenLocal } from './http.js';
import type { RegistryUser, TokenServer } from './token-server.js';

/**
 * olareg has no authentication, so this proxy in front of it plays the registry's auth layer:
 * Basic against the user list, or Bearer tokens from the token server, checked per repository
 * and action (GET/HEAD = pull, anything else = push) exactly like distribution's token auth.
 */
export interface AuthProxyOptions {
  upstream: string; // http://127.0.0.1:PORT
  mode: 'basic' | 'bearer';
  users: RegistryUser[];
  tokenServer?: TokenServer;
  tls?: { cert: string | Buffer; key: string | Buffer };
}

const REPO_PATH = /^\/v2\/(.+?)\/(manifests|blobs|tags|referrers)\//;

function challenge(options: AuthProxyOptions, repo: string | undefined, action: string): string {
  if (options.mode === 'basic') return 'Basic realm="notary-admission-test"';
  const ts = options.tokenServer!;
  const scope = repo ? `,scope="repository:${repo}:${action}"` : '';
  return `Bearer realm="${ts.realm}",service="${ts.service}"${scope}`;
}

function allowedActions(user: RegistryUser, repo: string): string[] {
  return user.access ? (user.access[repo] ?? user.access['*'] ?? []) : ['pull', 'push'];
}

function basicAuthorized(
  options: AuthProxyOptions,
  header: string | undefined,
  repo: string | undefined,
  action: string,
): boolean {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : undefined;
  const user = options.users.find((u) => `${u.username}:${u.password}` === decoded);
  if (!user) return false;
  return repo === undefined || allowedActions(user, repo).includes(action);
}

function bearerAuthorized(
  options: AuthProxyOptions,
  header: string | undefined,
  repo: string | undefined,
  action: string,
): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  const claims = m ? options.tokenServer!.verifyToken(m[1]!) : undefined;
  if (!claims) return false;
  return (
    repo === undefined || claims.access.some((a) => a.name === repo && a.actions.includes(action))
  );
}

export async function startAuthProxy(
  options: AuthProxyOptions,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const upstream = new URL(options.upstream);
  const server = await listenLocal((req, res) => {
    const path = req.url ?? '/';
    const repo = REPO_PATH.exec(path)?.[1];
    const action = req.method === 'GET' || req.method === 'HEAD' ? 'pull' : 'push';
    const check = options.mode === 'basic' ? basicAuthorized : bearerAuthorized;
    if (!check(options, req.headers.authorization, repo, action)) {
      req.resume();
      res
        .writeHead(401, {
          'www-authenticate': challenge(options, repo, action),
          'content-type': 'application/json',
        })
        .end(
          JSON.stringify({
            errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }],
          }),
        );
      return;
    }
    const headers = { ...req.headers, host: upstream.host };
    delete headers.authorization;
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path, headers },
      (up) => {
        const location = up.headers.location;
        if (location?.startsWith(upstream.origin))
          up.headers.location = location.slice(upstream.origin.length);
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  }, options.tls);
  return { url: server.url, stop: server.close };
}
