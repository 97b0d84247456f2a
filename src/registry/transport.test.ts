import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostResolver } from './address-guard.js';
import { configuredHosts } from './options.js';
import { OriginStates } from './origin-state.js';
import { Transport, type HttpRequest, type TransportOptions } from './transport.js';

// A plain-HTTP server on 127.0.0.1 that can hold an answer, reached under made-up names.
let server: Server;
let port: number;
let hold: Promise<void> | undefined;
let arrived: (() => void) | undefined;
const transports: Transport[] = [];

beforeEach(async () => {
  hold = undefined;
  server = createServer((_req, res: ServerResponse) => {
    arrived?.();
    void (hold ?? Promise.resolve()).then(() => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const DNS: Record<string, string[]> = {
  'registry.internal.test': ['127.0.0.1'],
  'other.internal.test': ['127.0.0.1'],
  'metadata.internal.test': ['169.254.169.254'],
  'link.internal.test': ['169.254.10.10'],
};
const resolver: HostResolver = (name) => Promise.resolve(DNS[name] ?? []);

function transport(options: Partial<TransportOptions> = {}): Transport {
  const t = new Transport({
    insecureHosts: [],
    caBundles: {},
    allowPrivateNetworks: false,
    resolver,
    maxRedirects: 3,
    perHostConcurrency: 4,
    connectTimeoutMs: 2_000,
    now: Date.now,
    breaker: false,
    ...options,
  });
  transports.push(t);
  return t;
}

function get(host: string, extra: Partial<HttpRequest> = {}): HttpRequest {
  return {
    url: new URL(`http://${host}/v2/`),
    signal: AbortSignal.timeout(5_000),
    deadline: Date.now() + 5_000,
    maxBytes: 1024,
    what: 'probe',
    ...extra,
  };
}

/** The NOT_ALLOWED error a request fails with. */
async function refusal(request: Promise<unknown>): Promise<Error> {
  const err = await request.then(
    () => new Error('no refusal'),
    (e: Error) => e,
  );
  expect(err).toMatchObject({ code: 'NOT_ALLOWED' });
  return err;
}

describe('Transport', () => {
  describe('when the per-origin state forgets an origin with a request under way', () => {
    it('returns that request’s answer and closes the forgotten pool', async () => {
      const states = new OriginStates({ maxOrigins: 1, now: Date.now });
      const a = `registry.internal.test:${port}`;
      const b = `other.internal.test:${port}`;
      const t = transport({ insecureHosts: [a, b], states, isConfigured: () => true });
      let release!: () => void;
      hold = new Promise((resolve) => (release = resolve));
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      const first = t.request(get(a));
      await reached;
      const pool = states.find(`http://${a}`)!.pools.get('configured')!;
      arrived = undefined;
      hold = undefined;
      expect((await t.request(get(b))).status).toBe(200); // over the cap: `a` is forgotten
      expect(states.size).toBe(1);
      expect(states.find(`http://${a}`)).toBeUndefined();
      expect(pool.closed).toBe(true);
      release();
      const res = await first;
      expect(res.status).toBe(200);
      expect(Buffer.from(res.body).toString()).toBe('ok');
    });
  });

  describe('when the configuration names a host on a loopback address', () => {
    it('returns its answer without any private network allowed; the address itself stays refused', async () => {
      const host = `registry.internal.test:${port}`;
      const t = transport({
        insecureHosts: [host, `127.0.0.1:${port}`],
        isConfigured: configuredHosts({ insecureRegistries: [host] }),
      });
      expect((await t.request(get(host))).status).toBe(200);
      await expect(t.request(get(`127.0.0.1:${port}`))).rejects.toMatchObject({
        code: 'NOT_ALLOWED',
      });
    });

    it('returns its answer when only the configured credentials name it', async () => {
      const host = `registry.internal.test:${port}`;
      const credentials = { auths: { [host]: { username: 'u', password: 'p' } } };
      const t = transport({
        insecureHosts: [host],
        isConfigured: configuredHosts({ credentials }),
      });
      expect((await t.request(get(host))).status).toBe(200);
    });

    it('judges it as the configuration now stands (credentials reloaded while it runs)', async () => {
      const host = `registry.internal.test:${port}`;
      let named = false;
      const t = transport({ insecureHosts: [host], isConfigured: () => named });
      await refusal(t.request(get(host)));
      named = true;
      expect((await t.request(get(host))).status).toBe(200);
      named = false;
      await refusal(t.request(get(host)));
    });

    it('throws NOT_ALLOWED for it as an unconfigured token realm (public only)', async () => {
      const host = `registry.internal.test:${port}`;
      const t = transport({ insecureHosts: [host], isConfigured: () => true });
      const err = await refusal(t.request(get(host, { publicOnly: true })));
      expect(err.message).toMatch(
        /loopback address .*; a token realm not configured for the registry must be on a public address$/,
      );
    });
  });

  describe('when a configured host resolves to a metadata or link-local address', () => {
    it.each(['metadata.internal.test', 'link.internal.test', '169.254.169.254'])(
      'throws NOT_ALLOWED for %s, naming the CIDR setting only',
      async (name) => {
        const host = `${name}:${port}`;
        const t = transport({
          insecureHosts: [host],
          isConfigured: () => true,
          allowPrivateNetworks: true,
        });
        const err = await refusal(t.request(get(host)));
        expect(err.message).toMatch(
          /(metadata|link-local) address .*; only a CIDR that names it in --allow-private-network allows it$/,
        );
      },
    );
  });

  describe('when no configuration names a host on a loopback address', () => {
    it('throws NOT_ALLOWED naming the settings that would allow it', async () => {
      const host = `other.internal.test:${port}`;
      const t = transport({
        insecureHosts: [host],
        isConfigured: (h) => h === `registry.internal.test:${port}`,
        guardSettings: { registries: '--insecure-registry', networks: '--allow-private-network' },
      });
      await expect(t.request(get(host))).rejects.toMatchObject({
        code: 'NOT_ALLOWED',
        message:
          'registry not allowed: other.internal.test (127.0.0.1) is a loopback address and is ' +
          `not in the allowed networks; name ${host} in --insecure-registry, or allow the range ` +
          'with --allow-private-network',
      });
    });
  });
});
