import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';
import { credentialsFingerprint, type CredentialLookup } from './credentials.js';
import { parseReference, type ImageReference } from './reference.js';

// A private registry with Basic or Bearer auth (token realm on the same origin), two users, and
// a log of what every request carried: enough to see whose token went where.
const USERS: Record<string, string> = { alice: 'alice-pw', bob: 'bob-pw' };
const MANIFEST = Buffer.from('{"schemaVersion":2}');
const DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;

interface Seen {
  path: string;
  authorization: string | undefined;
}

function userOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return undefined;
  const [user, password] = Buffer.from(header.slice(6), 'base64').toString().split(':');
  return user !== undefined && USERS[user] === password ? user : undefined;
}

function startRegistry(mode: 'basic' | 'bearer') {
  const seen: Seen[] = [];
  const tokens = new Map<string, string>();
  let issued = 0;
  /** Anyone gets a token; only a user's token opens the private repository. */
  const issue = (req: IncomingMessage): string => {
    const token = `tok-${userOf(req) ?? 'anon'}-${++issued}`;
    tokens.set(token, userOf(req) ?? 'anon');
    return JSON.stringify({ token, expires_in: 300 });
  };
  const challenge = (req: IncomingMessage): string =>
    mode === 'basic'
      ? 'Basic realm="test"'
      : `Bearer realm="http://${req.headers.host}/token",service="test",scope="repository:private/app:pull"`;
  const server: Server = createServer((req, res): void => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
    if (req.url?.startsWith('/token')) {
      res.end(issue(req));
      return;
    }
    const bearer = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    const user = mode === 'basic' ? userOf(req) : bearer;
    if (user === undefined || user === 'anon') {
      res.statusCode = 401;
      res.setHeader('www-authenticate', challenge(req));
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/vnd.oci.image.manifest.v1+json');
    res.setHeader('docker-content-digest', DIGEST);
    res.setHeader('content-length', String(MANIFEST.length));
    res.end(req.method === 'HEAD' ? undefined : MANIFEST);
  });
  return { server, seen };
}

/** The user behind an Authorization header: Basic's username, or whom the token was issued to. */
function whoSent(authorization: string | undefined): string | undefined {
  if (authorization?.startsWith('Basic '))
    return Buffer.from(authorization.slice(6), 'base64').toString().split(':')[0];
  return /^Bearer tok-([a-z]+)-\d+$/.exec(authorization ?? '')?.[1];
}

const creds =
  (user: string, password = USERS[user]): CredentialLookup =>
  () => ({ username: user, ...(password !== undefined && { password }) });

describe.each(['basic', 'bearer'] as const)('RegistryClient with %s auth', (mode) => {
  let registry: ReturnType<typeof startRegistry>;
  let ref: ImageReference;
  let host: string;
  let client: RegistryClient;

  const newClient = (configured?: CredentialLookup): RegistryClient =>
    new RegistryClient({
      insecureRegistries: [host],
      allowPrivateNetworks: true,
      ...(configured && { credentials: configured }),
    });

  /** The Authorization headers the registry (not the token endpoint) saw during `fn`. */
  async function sentDuring(fn: () => Promise<unknown>): Promise<(string | undefined)[]> {
    const from = registry.seen.length;
    await fn().catch(() => undefined);
    return registry.seen
      .slice(from)
      .filter((s) => !s.path.startsWith('/token'))
      .map((s) => s.authorization);
  }

  const tokenRequests = (): (string | undefined)[] =>
    registry.seen.filter((s) => s.path.startsWith('/token')).map((s) => s.authorization);

  beforeEach(async () => {
    registry = startRegistry(mode);
    await new Promise<void>((r) => registry.server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(registry.server.address() as AddressInfo).port}`;
    ref = parseReference(`${host}/private/app:v1`);
    client = newClient();
  });

  afterEach(async () => {
    await client.close();
    await new Promise((r) => registry.server.close(r));
  });

  describe('when a call brings its own credentials', () => {
    it('returns the descriptor, authorised as that call', async () => {
      const d = await client.resolve(ref, { credentials: creds('alice') });
      expect(d.digest).toBe(DIGEST);
    });
  });

  describe('when a later call brings none', () => {
    it('throws UNAUTHORIZED and never sends the earlier call’s authorization', async () => {
      const alice = await sentDuring(() => client.resolve(ref, { credentials: creds('alice') }));
      expect(whoSent(alice.at(-1))).toBe('alice');
      const anonymous = await sentDuring(() => client.resolve(ref));
      await expect(client.resolve(ref)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      // Basic: no header at all; bearer: an anonymous token (the challenge is remembered).
      expect(anonymous.map(whoSent)).toEqual(mode === 'basic' ? [undefined] : ['anon', 'anon']);
    });
  });

  describe('when another identity calls after a token was cached', () => {
    it('returns with its own authorization, and the first identity reuses its own', async () => {
      const first = await sentDuring(() => client.resolve(ref, { credentials: creds('alice') }));
      const bob = await sentDuring(() => client.resolve(ref, { credentials: creds('bob') }));
      const again = await sentDuring(() => client.resolve(ref, { credentials: creds('alice') }));
      expect(bob.map(whoSent)).toEqual(['bob']);
      // alice's second call: her own authorization up front (for bearer her cached token).
      expect(again).toEqual([first.at(-1)]);
      expect(whoSent(first.at(-1))).toBe('alice');
      if (mode === 'bearer')
        expect(tokenRequests().map((a) => whoSent(a))).toEqual(['alice', 'bob']);
    });
  });

  describe('when a call brings a wrong password', () => {
    it('throws UNAUTHORIZED', async () => {
      await expect(
        client.resolve(ref, { credentials: creds('alice', 'wrong') }),
      ).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    });
  });

  describe('when the client has configured credentials too', () => {
    it('returns authorised by the call’s lookup first, then by the configured one', async () => {
      await client.close();
      client = newClient(creds('bob'));
      const perCall = await sentDuring(() => client.resolve(ref, { credentials: creds('alice') }));
      // A call lookup that does not name this registry falls back to the configured credentials.
      const fallback = await sentDuring(() =>
        client.resolve(ref, { credentials: () => undefined }),
      );
      expect(whoSent(perCall.at(-1))).toBe('alice');
      expect(whoSent(fallback.at(-1))).toBe('bob');
    });
  });
  describe('when the configured credentials are replaced while the client runs (a reloaded file)', () => {
    it('returns authorised as the new identity, never with a token fetched under the old one', async () => {
      await client.close();
      let current = creds('alice');
      client = newClient((registry) => current(registry));
      const before = await sentDuring(() => client.resolve(ref));
      current = creds('bob');
      const after = await sentDuring(() => client.resolve(ref));
      expect(whoSent(before.at(-1))).toBe('alice');
      expect(after.map(whoSent)).toEqual(['bob']);
      expect(after).not.toContain(before.at(-1));
      if (mode === 'bearer')
        expect(tokenRequests().map((a) => whoSent(a))).toEqual(['alice', 'bob']);
    });

    it('fetches a new token for the same user with a new password (the key is the secret)', async () => {
      await client.close();
      let password = 'alice-pw';
      client = newClient(() => ({ username: 'alice', password }));
      await client.resolve(ref);
      const tokensBefore = tokenRequests().length;
      password = 'rotated';
      USERS['alice'] = 'rotated';
      try {
        await client.resolve(ref);
      } finally {
        USERS['alice'] = 'alice-pw';
      }
      if (mode === 'bearer') {
        expect(tokenRequests().length).toBe(tokensBefore + 1);
        const last = tokenRequests().at(-1)!;
        expect(Buffer.from(last.slice(6), 'base64').toString()).toBe('alice:rotated');
      }
    });
  });
});

describe('credentialsFingerprint', () => {
  it('returns anonymous without credentials and a distinct digest per secret', () => {
    expect(credentialsFingerprint(undefined)).toBe('anonymous');
    const a = credentialsFingerprint({ username: 'u', password: 'p1' });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(credentialsFingerprint({ username: 'u', password: 'p1' })).toBe(a);
    expect(credentialsFingerprint({ username: 'u', password: 'p2' })).not.toBe(a);
    expect(credentialsFingerprint({ username: 'u:p1' })).not.toBe(a);
  });
});
