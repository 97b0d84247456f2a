import { lookup } from 'node:dns/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  RegistryClient,
  parseReference,
  type RegistryClientOptions,
  type RegistryErrorCode,
} from '../../../src/registry/index.js';
import {
  bytes,
  dribble,
  endless,
  fakeArtifact,
  gzipBomb,
  json,
  redirect,
  serveArtifact,
  sha256,
  stall,
  startHostileRegistry,
  tooManyRequests,
  type FakeArtifact,
  type HostileRegistry,
} from '../../support/hostile-registry.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const NOTARY = 'application/vnd.cncf.notary.signature';

let reg: HostileRegistry;
let sentinel: HostileRegistry;
let clients: RegistryClient[];

beforeEach(async () => {
  reg = await startHostileRegistry();
  sentinel = await startHostileRegistry();
  clients = [];
});
afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await reg.stop();
  await sentinel.stop();
});

function client(options: RegistryClientOptions = {}): RegistryClient {
  const c = new RegistryClient({
    insecureRegistries: [reg.host, sentinel.host],
    allowPrivateNetworks: ['127.0.0.1/32'],
    timeoutMs: 2_000,
    ...options,
  });
  clients.push(c);
  return c;
}

/** Runs `fn`, expecting a RegistryError with `code`; returns how long it took. */
async function failsWith(code: RegistryErrorCode, fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  const err = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ name: 'RegistryError', code });
  return performance.now() - start;
}

async function signaturesOf(c: RegistryClient, ref: string, a?: FakeArtifact) {
  const r = parseReference(ref);
  const desc = await c.resolve(r);
  if (a) expect(desc.digest).toBe(a.digest);
  const sigs = await c.listSignatures(r, desc);
  const envelopes = await Promise.all(sigs.map((s) => c.fetchEnvelope(r, s)));
  return { desc, sigs, envelopes };
}

describe('RegistryClient against a scripted registry', () => {
  describe('when counting requests for one cold verification input set', () => {
    it('makes 4 requests for a digest reference: manifest, referrers, signature manifest, envelope', async () => {
      const a = fakeArtifact();
      serveArtifact(reg, 'app', a);
      const { envelopes } = await signaturesOf(client(), `${reg.host}/app@${a.digest}`, a);
      expect(envelopes.map((e) => [e.mediaType, Buffer.from(e.bytes)])).toEqual([
        ['application/jose+json', a.envelope],
      ]);
      expect(reg.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
        `GET /v2/app/manifests/${a.digest}`,
        `GET /v2/app/referrers/${a.digest}`,
        `GET /v2/app/manifests/${a.signatureDigest}`,
        `GET /v2/app/blobs/${a.envelopeDigest}`,
      ]);
    });

    it('makes 4 requests for a tag: HEAD resolves it, then the same three', async () => {
      const a = fakeArtifact();
      serveArtifact(reg, 'app', a);
      await signaturesOf(client(), `${reg.host}/app:v1`, a);
      expect(reg.requests.map((r) => r.method)).toEqual(['HEAD', 'GET', 'GET', 'GET']);
      expect(reg.requests[0]!.headers.accept).toContain(OCI_INDEX);
    });

    it('T-19 falls back to the tag schema on a text/plain 404 and skips the API next time', async () => {
      const a = fakeArtifact({ form: 'legacy' });
      serveArtifact(reg, 'app', a, 'tag');
      const c = client();
      const first = await signaturesOf(c, `${reg.host}/app@${a.digest}`, a);
      expect(first.sigs.map((s) => s.digest)).toEqual([a.signatureDigest]);
      expect(reg.count('/v2/app/referrers/')).toBe(1);
      await signaturesOf(c, `${reg.host}/app@${a.digest}`, a);
      expect(reg.count('/v2/app/referrers/')).toBe(1);
      expect(reg.count(`/v2/app/manifests/sha256-`)).toBe(2);
    });
  });

  describe('when the registry stalls (T-12, T-14)', () => {
    it('T-12 ends a stalled request at the deadline and leaves no socket open', async () => {
      const a = fakeArtifact();
      serveArtifact(reg, 'app', a);
      reg.route('GET', `/v2/app/referrers/${a.digest}`, stall());
      // Idle keep-alive sockets of earlier tests' clients may still be open; this request must add none.
      const before = reg.openSockets();
      const c = client();
      const ms = await failsWith('TIMEOUT', () =>
        c.listSignatures(parseReference(`${reg.host}/app@${a.digest}`), a.digest, {
          timeoutMs: 400,
        }),
      );
      expect(ms).toBeGreaterThanOrEqual(390);
      expect(ms).toBeLessThan(900);
      await new Promise((r) => setTimeout(r, 100));
      expect(reg.openSockets()).toBeLessThanOrEqual(before);
    });

    it('T-14 aborts a slow-loris body at the total deadline, not an idle timeout', async () => {
      reg.route('GET', /\/manifests\//, dribble(100));
      const signal = AbortSignal.timeout(600);
      const ms = await failsWith('TIMEOUT', () =>
        client().resolve(parseReference(`${reg.host}/app@${sha256('x')}`), { signal }),
      );
      expect(ms).toBeLessThan(1_100);
    });
  });

  describe('when the registry rate limits (T-17)', () => {
    it('T-17 fails at once on a Retry-After past the deadline and then makes no call until it ends', async () => {
      reg.route('*', /\/manifests\//, tooManyRequests('30'));
      const c = client();
      const ref = parseReference(`${reg.host}/app:v1`);
      const ms = await failsWith('RATE_LIMITED', () => c.resolve(ref));
      expect(ms).toBeLessThan(300);
      await failsWith('RATE_LIMITED', () => c.resolve(ref));
      expect(reg.count('/v2/')).toBe(1);
    });

    it('T-17 waits a Retry-After that fits the deadline and retries once', async () => {
      const a = fakeArtifact();
      serveArtifact(reg, 'app', a);
      let calls = 0;
      const ok = bytes(200, a.manifest, { 'content-type': OCI_MANIFEST });
      reg.route('GET', `/v2/app/manifests/${a.digest}`, (req, res, url) => {
        if (calls++ === 0) return tooManyRequests('1')(req, res, url);
        return ok(req, res, url);
      });
      const start = performance.now();
      const desc = await client().resolve(parseReference(`${reg.host}/app@${a.digest}`));
      expect(desc.digest).toBe(a.digest);
      expect(performance.now() - start).toBeGreaterThanOrEqual(950);
      expect(calls).toBe(2);
    });
  });

  describe('when the registry fails with 5xx (T-18)', () => {
    it('T-18 retries an idempotent GET once and then reports NETWORK', async () => {
      reg.route('*', /\/manifests\//, json(503, { errors: [] }));
      await failsWith('NETWORK', () =>
        client().resolve(parseReference(`${reg.host}/app@${sha256('x')}`)),
      );
      expect(reg.count('/v2/')).toBe(2);
    });
  });

  describe('when the registry asks for a bearer token (T-20)', () => {
    function bearerRegistry(realm: string, token = 'good-token'): void {
      const a = fakeArtifact();
      serveArtifact(reg, 'app', a);
      const inner = bytes(200, a.manifest, {
        'content-type': OCI_MANIFEST,
        'docker-content-digest': a.digest,
      });
      reg.route('*', /^\/v2\/app\//, (req, res, url) => {
        if (req.headers.authorization === `Bearer ${token}`) {
          if (url.pathname.includes('/referrers/'))
            return bytes(200, a.index, { 'content-type': OCI_INDEX })(req, res, url);
          return inner(req, res, url);
        }
        const challenge = `Bearer realm="${realm}",service="reg",scope="repository:app:pull"`;
        return json(401, { errors: [{ code: 'UNAUTHORIZED' }] }, { 'www-authenticate': challenge })(
          req,
          res,
          url,
        );
      });
      reg.route('GET', '/token', json(200, { token, expires_in: 300 }));
    }

    it('T-20 fetches a same-origin token once and reuses it across parallel requests', async () => {
      bearerRegistry(`${'http://'}${'127.0.0.1'}:${reg.host.split(':')[1]}/token`);
      const c = client({
        credentials: { auths: { [reg.host]: { username: 'u', password: 'p' } } },
      });
      const ref = parseReference(`${reg.host}/app@${fakeArtifact().digest}`);
      await c.resolve(ref).catch(() => undefined); // warm the challenge
      const before = reg.count('/token');
      const digest = sha256('y');
      await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          c.listSignatures(
            parseReference(`${reg.host}/app@${digest}`),
            `sha256:${String(i).repeat(64)}`,
          ),
        ),
      );
      expect(reg.count('/token') - before).toBeLessThanOrEqual(1);
      const tokenReq = reg.requests.find((r) => r.path.startsWith('/token'))!;
      expect(tokenReq.path).toContain('scope=repository%3Aapp%3Apull');
      expect(tokenReq.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    });

    it.each([
      ['plain http on another origin', () => `${sentinel.url}/token`],
      [
        'https on a loopback address',
        () => `https://127.0.0.1:${sentinel.host.split(':')[1]}/token`,
      ],
      ['the metadata address', () => 'https://169.254.169.254/token'],
    ])('T-20 refuses a realm that is %s and sends it nothing', async (_name, realm) => {
      bearerRegistry(realm());
      const c = client({
        credentials: { auths: { [reg.host]: { username: 'u', password: 'secret' } } },
      });
      await failsWith('NOT_ALLOWED', () => c.resolve(parseReference(`${reg.host}/app:v1`)));
      expect(sentinel.requests).toEqual([]);
      for (const r of reg.requests) expect(r.headers.authorization).toBeUndefined();
    });

    it('T-20 sends credentials to a configured realm on another origin', async () => {
      bearerRegistry(`${sentinel.url}/token`);
      sentinel.route('GET', '/token', json(200, { access_token: 'good-token' }));
      const c = client({
        credentials: { auths: { [reg.host]: { username: 'u', password: 'p' } } },
        tokenRealms: { [reg.host]: [sentinel.url] },
      });
      const desc = await c.resolve(parseReference(`${reg.host}/app:v1`));
      expect(desc.mediaType).toBe(OCI_MANIFEST);
      expect(sentinel.requests.map((r) => r.headers.authorization)).toEqual([
        `Basic ${Buffer.from('u:p').toString('base64')}`,
      ]);
    });
  });

  describe('when credentials come in other forms', () => {
    const a = fakeArtifact();
    function guarded(
      accept: (authorization: string | undefined) => boolean,
      challenge: string,
    ): void {
      const ok = bytes(200, a.manifest, {
        'content-type': OCI_MANIFEST,
        'docker-content-digest': a.digest,
      });
      reg.route('*', /^\/v2\/app\//, (req, res, url) =>
        accept(req.headers.authorization)
          ? ok(req, res, url)
          : json(401, {}, { 'www-authenticate': challenge })(req, res, url),
      );
    }

    it('sends a registrytoken as the bearer token without a token exchange', async () => {
      guarded((h) => h === 'Bearer direct', `Bearer realm="${reg.url}/token"`);
      const c = client({ credentials: { auths: { [reg.host]: { registrytoken: 'direct' } } } });
      await c.resolve(parseReference(`${reg.host}/app:v1`));
      expect(reg.requests.map((r) => r.headers.authorization)).toEqual(['Bearer direct']);
    });

    it('exchanges an identitytoken with a refresh_token POST at the realm', async () => {
      guarded((h) => h === 'Bearer from-refresh', `Bearer realm="${reg.url}/token",service="svc"`);
      let form = '';
      reg.route('POST', '/token', async (req, res, url) => {
        for await (const chunk of req) form += String(chunk);
        return json(200, { access_token: 'from-refresh' })(req, res, url);
      });
      const c = client({ credentials: { auths: { [reg.host]: { identitytoken: 'rt-1' } } } });
      await c.resolve(parseReference(`${reg.host}/app:v1`));
      expect(Object.fromEntries(new URLSearchParams(form))).toMatchObject({
        grant_type: 'refresh_token',
        refresh_token: 'rt-1',
        service: 'svc',
        scope: 'repository:app:pull',
      });
    });

    it('fetches a new token once the cached one expires', async () => {
      guarded((h) => h?.startsWith('Bearer t') ?? false, `Bearer realm="${reg.url}/token"`);
      let n = 0;
      reg.route('GET', '/token', (req, res, url) =>
        json(200, { token: `t${n++}`, expires_in: 60 })(req, res, url),
      );
      let now = Date.now();
      const c = client({ now: () => now });
      const ref = parseReference(`${reg.host}/app:v1`);
      await c.resolve(ref);
      await c.resolve(ref);
      expect(reg.count('/token')).toBe(1);
      now += 61_000;
      await c.resolve(ref);
      expect(reg.count('/token')).toBe(2);
    });

    it('C-15 throws UNAUTHORIZED on a Basic challenge without credentials', async () => {
      guarded(() => false, 'Basic realm="r"');
      await failsWith('UNAUTHORIZED', () => client().resolve(parseReference(`${reg.host}/app:v1`)));
      expect(reg.count('/v2/')).toBe(1);
    });
  });

  describe('when many requests go to one registry (T-22)', () => {
    it('T-22 keeps at most perRegistryConcurrency requests in flight', async () => {
      let inFlight = 0;
      let peak = 0;
      const a = fakeArtifact();
      const ok = bytes(200, a.manifest, { 'content-type': OCI_MANIFEST });
      reg.route('GET', /\/manifests\//, (req, res, url) => {
        peak = Math.max(peak, ++inFlight);
        setTimeout(() => {
          inFlight--;
          void ok(req, res, url);
        }, 30);
      });
      const c = client({ perRegistryConcurrency: 2 });
      await Promise.all(
        Array.from({ length: 10 }, () => c.resolve(parseReference(`${reg.host}/app@${a.digest}`))),
      );
      expect(peak).toBe(2);
      expect(reg.count('/v2/')).toBe(10);
    });
  });

  describe('when a manifest is huge (T-23)', () => {
    it('T-23 refuses a 1 GiB Content-Length before reading it', async () => {
      reg.route('GET', /\/manifests\//, (_req, res) => {
        res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': 1024 ** 3 });
        res.write('{');
      });
      const ms = await failsWith('TOO_LARGE', () =>
        client().resolve(parseReference(`${reg.host}/app@${sha256('x')}`)),
      );
      expect(ms).toBeLessThan(500);
    });

    it('T-23 stops an endless chunked body at the 4 MiB cap within bounded memory', async () => {
      reg.route('GET', /\/manifests\//, endless());
      const before = process.memoryUsage().rss;
      await failsWith('TOO_LARGE', () =>
        client().resolve(parseReference(`${reg.host}/app@${sha256('x')}`)),
      );
      expect(process.memoryUsage().rss - before).toBeLessThan(32 * 1024 * 1024);
    });
  });

  describe('when content does not match its descriptor (T-24)', () => {
    it('T-24 rejects a manifest that does not hash to the requested digest', async () => {
      const a = fakeArtifact();
      reg.route(
        'GET',
        `/v2/app/manifests/${a.digest}`,
        bytes(200, `${a.manifest.toString()} `, { 'content-type': OCI_MANIFEST }),
      );
      await failsWith('DIGEST_MISMATCH', () =>
        client().resolve(parseReference(`${reg.host}/app@${a.digest}`)),
      );
    });

    it('T-24 rejects an envelope blob whose size differs from its descriptor', async () => {
      const a = fakeArtifact();
      serveArtifact(reg, 'app', a);
      reg.route(
        'GET',
        `/v2/app/blobs/${a.envelopeDigest}`,
        bytes(200, Buffer.concat([a.envelope, Buffer.from('x')])),
      );
      const c = client();
      const ref = parseReference(`${reg.host}/app@${a.digest}`);
      const [sig] = await c.listSignatures(ref, a.digest);
      await failsWith('DIGEST_MISMATCH', () => c.fetchEnvelope(ref, sig!));
    });

    it('C-02 rejects a tag whose Docker-Content-Digest does not match the bytes on GET fallback', async () => {
      const a = fakeArtifact();
      reg.route('HEAD', '/v2/app/manifests/v1', bytes(405, ''));
      reg.route(
        'GET',
        '/v2/app/manifests/v1',
        bytes(200, a.manifest, {
          'content-type': OCI_MANIFEST,
          'docker-content-digest': sha256('other'),
        }),
      );
      await failsWith('DIGEST_MISMATCH', () =>
        client().resolve(parseReference(`${reg.host}/app:v1`)),
      );
    });
  });

  describe('when referrers paginate badly (T-25)', () => {
    const subject = sha256('subject');
    const page = (link: string) =>
      bytes(200, JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }), {
        'content-type': OCI_INDEX,
        link: `<${link}>; rel="next"`,
      });

    it('T-25 stops endless pagination at the page cap', async () => {
      let n = 0;
      reg.route('GET', `/v2/app/referrers/${subject}`, (req, res, url) =>
        page(`/v2/app/referrers/${subject}?n=${n++}`)(req, res, url),
      );
      await failsWith('TOO_LARGE', () =>
        client({ maxReferrerPages: 5 }).listSignatures(parseReference(`${reg.host}/app`), subject),
      );
      expect(reg.count('/v2/app/referrers/')).toBe(5);
    });

    it('T-25 stops a pagination cycle', async () => {
      reg.route('GET', `/v2/app/referrers/${subject}`, (req, res, url) =>
        page(
          url.searchParams.has('last')
            ? `/v2/app/referrers/${subject}?artifactType=${encodeURIComponent(NOTARY)}`
            : `?last=1`,
        )(req, res, url),
      );
      await failsWith('PROTOCOL', () =>
        client().listSignatures(parseReference(`${reg.host}/app`), subject),
      );
      expect(reg.count('/v2/app/referrers/')).toBe(2);
    });

    it('T-25 never follows a cross-origin next link', async () => {
      reg.route(
        'GET',
        `/v2/app/referrers/${subject}`,
        page(`${sentinel.url}/v2/app/referrers/${subject}`),
      );
      await failsWith('PROTOCOL', () =>
        client().listSignatures(parseReference(`${reg.host}/app`), subject),
      );
      expect(sentinel.requests).toEqual([]);
    });
  });

  describe('when there are 10,000 referrers (T-26)', () => {
    it('T-26 lists them without fetching any and filters non-signatures out', async () => {
      const subject = sha256('subject');
      const manifests = Array.from({ length: 10_000 }, (_, i) => ({
        mediaType: OCI_MANIFEST,
        digest: sha256(String(i)),
        size: 100,
        artifactType: i % 2 === 0 ? NOTARY : 'application/spdx+json',
      }));
      reg.route(
        'GET',
        `/v2/app/referrers/${subject}`,
        bytes(200, JSON.stringify({ schemaVersion: 2, manifests }), { 'content-type': OCI_INDEX }),
      );
      const start = performance.now();
      const candidates = await client().signatureCandidates(
        parseReference(`${reg.host}/app`),
        subject,
      );
      expect(candidates).toHaveLength(5_000);
      expect(performance.now() - start).toBeLessThan(1_000);
      expect(reg.requests).toHaveLength(1);
    });
  });

  describe('when the registry redirects (T-27)', () => {
    it('T-27 caps a redirect loop at 3 hops', async () => {
      reg.route('GET', /\/manifests\//, redirect('/v2/app/manifests/loop'));
      await failsWith('PROTOCOL', () =>
        client().resolve(parseReference(`${reg.host}/app@${sha256('x')}`)),
      );
      expect(reg.count('/v2/')).toBe(4);
    });

    it('T-27 never connects to a metadata address a redirect points at', async () => {
      reg.route('GET', /\/manifests\//, redirect('http://169.254.169.254/latest/meta-data/'));
      await failsWith('NOT_ALLOWED', () =>
        client({ insecureRegistries: [reg.host, '169.254.169.254'] }).resolve(
          parseReference(`${reg.host}/app@${sha256('x')}`),
        ),
      );
    });

    it('T-27 strips Authorization on a cross-origin blob redirect', async () => {
      const a = fakeArtifact();
      serveArtifact(reg, 'app', a);
      reg.route('GET', `/v2/app/blobs/${a.envelopeDigest}`, redirect(`${sentinel.url}/blob`, 307));
      sentinel.route('GET', '/blob', bytes(200, a.envelope));
      const basic = `Basic ${Buffer.from('u:secret').toString('base64')}`;
      const inner = reg.requests;
      reg.route('*', /^\/v2\/app\/manifests\//, (req, res, url) => {
        if (req.headers.authorization !== basic)
          return json(401, {}, { 'www-authenticate': 'Basic realm="x"' })(req, res, url);
        const body = url.pathname.endsWith(a.digest) ? a.manifest : a.signature;
        return bytes(200, body, { 'content-type': OCI_MANIFEST })(req, res, url);
      });
      const c = client({
        credentials: {
          auths: { [reg.host]: { auth: Buffer.from('u:secret').toString('base64') } },
        },
      });
      const { envelopes } = await signaturesOf(c, `${reg.host}/app@${a.digest}`, a);
      expect(Buffer.from(envelopes[0]!.bytes)).toEqual(a.envelope);
      expect(inner.some((r) => r.headers.authorization === basic)).toBe(true);
      expect(sentinel.requests.map((r) => r.headers.authorization)).toEqual([undefined]);
    });
  });

  describe('when a body is a decompression bomb (T-28)', () => {
    it('T-28 rejects gzip whose decoded bytes pass the cap, within bounded memory', async () => {
      reg.route(
        'GET',
        /\/manifests\//,
        gzipBomb(256 * 1024 * 1024, { 'content-type': OCI_MANIFEST }),
      );
      const before = process.memoryUsage().rss;
      await failsWith('TOO_LARGE', () =>
        client().resolve(parseReference(`${reg.host}/app@${sha256('x')}`)),
      );
      expect(process.memoryUsage().rss - before).toBeLessThan(32 * 1024 * 1024);
    });
  });

  describe('when an envelope descriptor is oversized (T-29)', () => {
    it('T-29 refuses a 50 MiB envelope before any GET of the blob', async () => {
      const a = fakeArtifact({ layerSize: 50 * 1024 * 1024 });
      serveArtifact(reg, 'app', a);
      const c = client();
      const ref = parseReference(`${reg.host}/app@${a.digest}`);
      const [sig] = await c.listSignatures(ref, a.digest);
      await failsWith('TOO_LARGE', () => c.fetchEnvelope(ref, sig!));
      expect(reg.count('/v2/app/blobs/')).toBe(0);
    });
  });

  describe('when a reference points at a private or metadata address (T-54)', () => {
    const port = (): string => sentinel.host.split(':')[1]!;
    const names: Record<string, string[]> = {
      'kubernetes.default.svc': ['10.96.0.1'],
      'evil.test': ['127.0.0.1'],
      'registry.internal.test': ['127.0.0.1'],
    };
    /** Plays DNS for the made-up names; real names (localhost) resolve as usual. */
    const resolver = async (host: string): Promise<string[]> =>
      names[host] ?? (await lookup(host, { all: true })).map((a) => a.address);

    it.each([
      `169.254.169.254/x@${sha256('x')}`,
      'localhost:PORT/x:v1',
      '[::1]:PORT/x:v1',
      '0x7f000001:PORT/x:v1',
      '127.0.0.1:PORT/x:v1',
      'kubernetes.default.svc:PORT/x:v1',
      'evil.test:PORT/x:v1',
    ])('T-54 refuses %s without a connection attempt', async (image) => {
      const ref = parseReference(image.replace('PORT', port()));
      // Not named in insecureRegistries: a registry the configuration names is trusted on
      // loopback (issue 13 item 10); https is tried, and the guard refuses before connecting.
      const c = new RegistryClient({ resolver, timeoutMs: 2_000 });
      clients.push(c);
      await failsWith('NOT_ALLOWED', () => c.resolve(ref));
      expect(sentinel.requests).toEqual([]);
    });

    it('T-54 reaches an explicitly allowed private registry by name', async () => {
      const a = fakeArtifact();
      serveArtifact(sentinel, 'app', a);
      const registry = `registry.internal.test:${port()}`;
      const c = new RegistryClient({
        insecureRegistries: [registry],
        resolver,
        allowPrivateNetworks: ['127.0.0.0/8'],
      });
      clients.push(c);
      const desc = await c.resolve(parseReference(`${registry}/app:v1`));
      expect(desc.digest).toBe(a.digest);
    });

    it('T-54 refuses plain HTTP to a registry not listed as insecure', async () => {
      const c = new RegistryClient({ allowPrivateNetworks: true });
      clients.push(c);
      // https is attempted against a plain-HTTP server: a protocol failure, never a downgrade.
      await failsWith('NETWORK', () =>
        c.resolve(parseReference(`${sentinel.host}/x:v1`), { timeoutMs: 1_000 }),
      );
      expect(sentinel.requests).toEqual([]);
    });
  });
});
