import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startAuthProxy } from './auth-proxy.js';
import { httpRequest } from './http.js';
import { makeServingCert, type ServingCert } from './pki.js';
import { freePort, startProcess } from './process.js';
import { runOk } from './run.js';
import { startTokenServer, type RegistryUser, type TokenServer } from './token-server.js';
import { requireTool } from './tools.js';
import { makeWorkdir } from './workdir.js';

/**
 * `distribution`: Debian's docker-registry 2.8 (no referrers API: the tag-schema path), with its
 * own htpasswd and token auth. `olareg`: a registry with the native OCI 1.1 referrers API
 * (stands in for zot, which the Go module proxy here does not serve; see docs/adr/0002),
 * with auth played by a small proxy in front of it.
 */
export type RegistryKind = 'distribution' | 'olareg';
export type RegistryAuth = 'none' | 'basic' | 'bearer';

/** Every registry kind with every auth mode: for tests that must hold on all of them. */
export const REGISTRY_SETUPS = [
  { kind: 'distribution', auth: 'none' },
  { kind: 'distribution', auth: 'basic' },
  { kind: 'distribution', auth: 'bearer' },
  { kind: 'olareg', auth: 'none' },
  { kind: 'olareg', auth: 'basic' },
  { kind: 'olareg', auth: 'bearer' },
] as const satisfies readonly { kind: RegistryKind; auth: RegistryAuth }[];

export interface RegistryOptions {
  kind: RegistryKind;
  auth?: RegistryAuth;
  tls?: boolean;
  /** Users for basic and bearer auth (default: one user with pull and push everywhere). */
  users?: RegistryUser[];
  tokenTtlSeconds?: number;
}

export interface Registry {
  kind: RegistryKind;
  auth: RegistryAuth;
  /** `127.0.0.1:PORT`, the host part of image references. */
  host: string;
  url: string;
  /** PEM file of the CA of its TLS certificate (tls only). */
  caPath: string | undefined;
  /** The first user, for tests that need one pair of working credentials. */
  credentials: { username: string; password: string } | undefined;
  users: RegistryUser[];
  tokenServer: TokenServer | undefined;
  /** A Docker config JSON (`.dockerconfigjson`) with the given user's credentials for this registry. */
  dockerConfigJson(user?: RegistryUser): string;
  stop(): Promise<void>;
}

async function v2Answers(url: string, caPath: string | undefined): Promise<boolean> {
  const ca = caPath ? readFileSync(caPath) : undefined;
  const res = await httpRequest(`${url}/v2/`, { ...(ca && { ca }), timeoutMs: 1_000 });
  return res.status === 200 || res.status === 401;
}

function distributionConfig(o: {
  dir: string;
  port: number;
  auth: RegistryAuth;
  htpasswd?: string;
  token?: TokenServer;
  tls?: { certPath: string; keyPath: string };
}): string {
  const lines = [
    'version: 0.1',
    'log: {level: info, accesslog: {disabled: false}}',
    `storage: {filesystem: {rootdirectory: ${o.dir}/data}, delete: {enabled: true}}`,
    'http:',
    `  addr: 127.0.0.1:${o.port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  if (o.tls) lines.push(`  tls: {certificate: ${o.tls.certPath}, key: ${o.tls.keyPath}}`);
  if (o.auth === 'basic')
    lines.push(`auth: {htpasswd: {realm: notary-admission-test, path: ${o.htpasswd}}}`);
  if (o.auth === 'bearer' && o.token) {
    lines.push(
      `auth: {token: {realm: "${o.token.realm}", service: ${o.token.service}, issuer: ${o.token.issuer}, rootcertbundle: ${o.token.certPath}}}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** What both registry kinds are started from. */
interface Setup {
  dir: string;
  auth: RegistryAuth;
  users: RegistryUser[];
  token: TokenServer | undefined;
  tls: ServingCert | undefined;
}

/** A started registry: its URL and how to stop it, front first. */
interface Started {
  url: string;
  stops: (() => Promise<void>)[];
}

async function writeHtpasswd(dir: string, users: RegistryUser[]): Promise<string> {
  const file = path.join(dir, 'htpasswd');
  const htpasswd = requireTool('htpasswd');
  const entries = await Promise.all(
    users.map((u) => runOk(htpasswd, ['-Bbn', u.username, u.password])),
  );
  writeFileSync(file, entries.map((e) => e.trim()).join('\n') + '\n');
  return file;
}

async function startDistribution({ dir, auth, users, token, tls }: Setup): Promise<Started> {
  const port = await freePort();
  const htpasswd = auth === 'basic' ? await writeHtpasswd(dir, users) : undefined;
  const config = path.join(dir, 'config.yml');
  const settings = {
    dir,
    port,
    auth,
    ...(htpasswd && { htpasswd }),
    ...(token && { token }),
    ...(tls && { tls }),
  };
  writeFileSync(config, distributionConfig(settings));
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const proc = await startProcess('docker-registry', requireTool('docker-registry'), {
    args: ['serve', config],
    dir,
    ready: () => v2Answers(url, tls?.caPath),
  });
  return { url, stops: [() => proc.stop()] };
}

/** olareg, alone or, with auth, behind the auth proxy (which then owns TLS). */
async function startOlareg({ dir, auth, users, token, tls }: Setup): Promise<Started> {
  const port = await freePort();
  mkdirSync(path.join(dir, 'data'));
  const args = [
    'serve',
    '--addr',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    path.join(dir, 'data'),
    '--api-delete',
  ];
  const ownTls = auth === 'none' ? tls : undefined;
  if (ownTls) args.push('--tls-cert', ownTls.certPath, '--tls-key', ownTls.keyPath);
  const url = `${ownTls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const proc = await startProcess('olareg', requireTool('olareg'), {
    args,
    dir,
    ready: () => v2Answers(url, ownTls?.caPath),
  });
  if (auth === 'none') return { url, stops: [() => proc.stop()] };
  const tlsPem = tls && { cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) };
  const proxy = await startAuthProxy({
    upstream: url,
    mode: auth,
    users,
    ...(token && { tokenServer: token }),
    ...(tlsPem && { tls: tlsPem }),
  });
  return { url: proxy.url, stops: [() => proxy.stop(), () => proc.stop()] };
}

/** Starts a real OCI registry on a free 127.0.0.1 port. */
export async function startRegistry(options: RegistryOptions): Promise<Registry> {
  const auth = options.auth ?? 'none';
  const users = options.users ?? [
    { username: 'tester', password: randomBytes(12).toString('base64url') },
  ];
  const ttl = options.tokenTtlSeconds;
  const setup: Setup = {
    dir: makeWorkdir(`registry-${options.kind}`),
    auth,
    users,
    tls: options.tls ? await makeServingCert() : undefined,
    token:
      auth === 'bearer'
        ? await startTokenServer({ users, ...(ttl !== undefined && { tokenTtlSeconds: ttl }) })
        : undefined,
  };
  const started = await (options.kind === 'distribution'
    ? startDistribution(setup)
    : startOlareg(setup));
  const stops = [...started.stops, ...(setup.token ? [() => setup.token!.stop()] : [])];
  const host = new URL(started.url).host;
  return {
    kind: options.kind,
    auth,
    host,
    url: started.url,
    caPath: setup.tls?.caPath,
    credentials: auth === 'none' ? undefined : users[0],
    users,
    tokenServer: setup.token,
    dockerConfigJson(user = users[0]!) {
      const encoded = Buffer.from(`${user.username}:${user.password}`).toString('base64');
      return JSON.stringify({
        auths: { [host]: { username: user.username, password: user.password, auth: encoded } },
      });
    },
    async stop() {
      for (const stop of stops) await stop();
    },
  };
}
