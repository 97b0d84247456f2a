import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';
import { configuredHosts } from './options.js';
import { REFERRERS_VERDICT_TTL_MS } from './origin-state.js';
import { parseReference } from './reference.js';

// A registry on 127.0.0.1 without the referrers API until `upgraded`, with no signatures.
const SUBJECT = `sha256:${'5a'.repeat(32)}`;
const EMPTY_INDEX = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [],
});

let server: Server;
let host: string;
let upgraded: boolean;
let paths: string[];
const clients: RegistryClient[] = [];

beforeEach(async () => {
  upgraded = false;
  paths = [];
  server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    paths.push(path);
    if (path.includes('/referrers/') && upgraded) {
      res.setHeader('content-type', 'application/vnd.oci.image.index.v1+json');
      res.end(EMPTY_INDEX);
      return;
    }
    res.statusCode = 404;
    res.setHeader('content-type', 'text/plain');
    res.end('404 page not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function client(options: ConstructorParameters<typeof RegistryClient>[0] = {}): RegistryClient {
  const c = new RegistryClient({ insecureRegistries: [host], ...options });
  clients.push(c);
  return c;
}

const referrers = () => paths.filter((p) => p.includes('/referrers/')).length;
const tags = () => paths.filter((p) => p.includes('/manifests/sha256-')).length;

describe('RegistryClient per-origin state', () => {
  describe('when a registry without the referrers API is upgraded to it', () => {
    it('returns to the referrers API once the "no API" verdict expires', async () => {
      const clock = { t: 1_000_000 };
      const c = client({ now: () => clock.t });
      const ref = parseReference(`${host}/app@${SUBJECT}`);
      expect(await c.listSignatures(ref, SUBJECT)).toEqual([]);
      expect([referrers(), tags()]).toEqual([1, 1]);
      upgraded = true;
      clock.t += REFERRERS_VERDICT_TTL_MS - 1;
      await c.listSignatures(ref, SUBJECT);
      expect([referrers(), tags()]).toEqual([1, 2]); // still believed: tag schema straight away
      clock.t += 1;
      await c.listSignatures(ref, SUBJECT);
      // Probed again, the tag schema asked beside it (not after its 404); the API answered.
      expect([referrers(), tags()]).toEqual([2, 3]);
      await c.listSignatures(ref, SUBJECT);
      expect([referrers(), tags()]).toEqual([3, 3]); // the API alone from then on
    });
  });

  describe('when a burst of calls probes the referrers API again once the verdict expired', () => {
    it('returns their listings with one tag-schema request beside the API, not one each', async () => {
      const clock = { t: 1_000_000 };
      const c = client({ now: () => clock.t });
      const ref = parseReference(`${host}/app@${SUBJECT}`);
      await c.listSignatures(ref, SUBJECT);
      expect([referrers(), tags()]).toEqual([1, 1]); // a cold client: the API, then the tag
      upgraded = true;
      clock.t += REFERRERS_VERDICT_TTL_MS;
      await Promise.all(Array.from({ length: 8 }, () => c.listSignatures(ref, SUBJECT)));
      expect([referrers(), tags()]).toEqual([9, 2]);
    });
  });

  describe('when a registry on loopback is named only by a call’s own credentials', () => {
    it('throws NOT_ALLOWED: a pod’s pull secret is no configuration', async () => {
      const c = new RegistryClient();
      clients.push(c);
      const ref = parseReference(`${host}/app@${SUBJECT}`);
      const credentials = () => ({ username: 'u', password: 'p' });
      const err = await c.listSignatures(ref, SUBJECT, { credentials }).catch((e: Error) => e);
      expect(err).toMatchObject({ code: 'NOT_ALLOWED' });
      expect((err as Error).message).toContain('is a loopback address');
      expect(paths).toEqual([]);
    });
  });

  describe('when a registry on loopback is named by insecureRegistries', () => {
    it('returns its answer without any private network allowed', async () => {
      const c = client();
      const ref = parseReference(`${host}/app@${SUBJECT}`);
      expect(await c.listSignatures(ref, SUBJECT)).toEqual([]);
      expect(paths.length).toBeGreaterThan(0);
    });
  });
});

describe('configuredHosts', () => {
  describe('when options name registries', () => {
    it('returns true for insecure registries, CA bundle hosts and credential entries only', () => {
      const is = configuredHosts({
        insecureRegistries: ['10.0.0.5:5000'],
        caBundles: { 'registry.internal': 'PEM' },
        credentials: { auths: { '10.0.0.7': { username: 'u', password: 'p' } } },
      });
      expect(['10.0.0.5:5000', 'registry.internal', '10.0.0.7'].map(is)).toEqual([
        true,
        true,
        true,
      ]);
      expect(['10.0.0.5', '10.0.0.6', 'registry.internal:5000'].map(is)).toEqual([
        false,
        false,
        false,
      ]);
    });
  });
});
