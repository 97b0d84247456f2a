import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';
import type { RegistryCredentialProvider } from './credential-provider.js';
import type { CredentialLookup } from './credentials.js';
import { RegistryError } from './errors.js';
import { parseReference } from './reference.js';

// A Basic-auth registry with three users: one in the configured credentials file, one in a pod's
// pull secret, one a cloud identity hands out; and an `/oauth2/exchange` as ACR's.
const USERS: Record<string, string> = { file: 'file-pw', pod: 'pod-pw', cloud: 'cloud-pw' };
const MANIFEST = Buffer.from('{"schemaVersion":2}');
const DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;

function startRegistry() {
  const seen: { user?: string; path: string; body?: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const [user, password] = Buffer.from(
        (req.headers.authorization ?? '').replace(/^Basic /, ''),
        'base64',
      )
        .toString()
        .split(':');
      const known = user !== undefined && USERS[user] === password ? user : undefined;
      seen.push({ path: req.url ?? '', ...(known && { user: known }), ...(body && { body }) });
      if (req.url === '/oauth2/exchange') {
        res.end(JSON.stringify({ refresh_token: 'cloud-pw' }));
        return;
      }
      if (!known) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end();
        return;
      }
      res.setHeader('content-type', 'application/vnd.oci.image.manifest.v1+json');
      res.setHeader('docker-content-digest', DIGEST);
      res.end(MANIFEST);
    });
  });
  return { server, seen };
}

const fileCreds: CredentialLookup = () => ({ username: 'file', password: USERS['file']! });
const podCreds: CredentialLookup = () => ({ username: 'pod', password: USERS['pod']! });

describe('RegistryClient with a credential provider', () => {
  let registry: ReturnType<typeof startRegistry>;
  let host: string;
  let asked: string[];
  let fail: Error | undefined;
  const provider = (matches: boolean): RegistryCredentialProvider => ({
    name: 'test',
    matches: () => matches,
    credentials: async (reg, { exchange, signal }) => {
      asked.push(reg);
      if (fail) throw fail;
      const res = await exchange.post('/oauth2/exchange', { service: reg }, signal);
      const { refresh_token } = JSON.parse(Buffer.from(res.body).toString()) as {
        refresh_token: string;
      };
      return { username: 'cloud', password: refresh_token, expiresAt: Date.now() + 60_000 };
    },
  });
  const resolve = (p: RegistryCredentialProvider, credentials?: CredentialLookup) => {
    const client = new RegistryClient({
      credentials: fileCreds,
      credentialProviders: [p],
      insecureRegistries: [host],
      allowPrivateNetworks: true,
    });
    const ref = parseReference(`${host}/private/app:1`);
    return client
      .resolve(ref, { ...(credentials && { credentials }) })
      .finally(() => client.close());
  };
  const users = () => registry.seen.filter((s) => s.path.startsWith('/v2/')).map((s) => s.user);

  beforeEach(async () => {
    asked = [];
    fail = undefined;
    registry = startRegistry();
    await new Promise<void>((r) => registry.server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(registry.server.address() as AddressInfo).port}`;
  });
  afterEach(() => new Promise<void>((r) => registry.server.close(() => r())));

  describe('when the provider matches the registry', () => {
    it("returns the manifest with the provider's credentials, not the configured file's", async () => {
      expect((await resolve(provider(true))).digest).toBe(DIGEST);
      expect(users()).toEqual([undefined, 'cloud', 'cloud']);
      // Asked per request once challenged (HEAD, then GET): caching is the provider's (src/cloud).
      expect(asked).toEqual([host, host]);
    });

    it("posts the provider's exchange to the registry's own origin", async () => {
      await resolve(provider(true));
      const exchange = registry.seen.find((s) => s.path === '/oauth2/exchange');
      expect(exchange?.body).toBe(`service=${encodeURIComponent(host)}`);
    });
  });

  describe("when the call brings a pod's pull secret", () => {
    it('returns the manifest with the pull secret and never asks the provider', async () => {
      await resolve(provider(true), podCreds);
      expect(users()).toEqual([undefined, 'pod', 'pod']);
      expect(asked).toEqual([]);
    });
  });

  describe('when the provider does not match', () => {
    it('returns the manifest with the configured credentials', async () => {
      await resolve(provider(false));
      expect(users()).toEqual([undefined, 'file', 'file']);
      expect(asked).toEqual([]);
    });
  });

  describe('when the provider fails', () => {
    it('throws its coded error, with the configured credentials never sent', async () => {
      fail = new RegistryError('ACR_CREDENTIALS_UNAVAILABLE', 'ACR: token file missing');
      await expect(resolve(provider(true))).rejects.toMatchObject({
        code: 'ACR_CREDENTIALS_UNAVAILABLE',
        kind: 'availability',
      });
      expect(users()).toEqual([undefined]);
    });
  });
});
