// T-40..T-42 through the real service: `serve --tls-cert/--tls-key` on a kubelet-style Secret
// volume that the test swaps. Reloads are observed as the service reports them (its log line and
// notary_admission_tls_reloads_total); src/main.ts polls the files every 1 s (not configurable).
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, symlink } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/telemetry/index.js';
import {
  generateSelfSigned,
  loadServingTls,
  type SelfSignedTls,
} from '../../../src/webhook/tls/index.js';
import { startTestService, type TestService } from '../../support/service.js';

const SVC = 'notary-admission.notary-admission.svc';
let root: string;
const pair: Record<'a' | 'b' | 'c', SelfSignedTls & { ca: string; fingerprint: string }> =
  {} as never;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'webhook-tls-'));
  for (const name of ['a', 'b', 'c'] as const) {
    const dnsNames = ['localhost', '127.0.0.1', SVC];
    const generated = await generateSelfSigned({ dir: join(root, name), dnsNames });
    const served = await loadServingTls(generated);
    const ca = await readFile(generated.caPath, 'utf8');
    pair[name] = { ...generated, ca, fingerprint: served.leaf.fingerprint256 };
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A Secret volume as kubelet lays it out: tls.* → ..data/tls.* and ..data → ..<timestamp>. */
async function kubeletVolume(first: SelfSignedTls) {
  const dir = await mkdtemp(join(root, 'volume-'));
  let generation = 0;
  let current = '';
  const swap = async (cert: SelfSignedTls, key: SelfSignedTls = cert): Promise<void> => {
    const next = `..2026_03_01_00_00_00.00000000${++generation}`;
    await mkdir(join(dir, next));
    await copyFile(cert.certPath, join(dir, next, 'tls.crt'));
    await copyFile(key.keyPath, join(dir, next, 'tls.key'));
    await symlink(next, join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data')); // the atomic step
    if (current) await rm(join(dir, current), { recursive: true });
    current = next;
  };
  await swap(first);
  await symlink('..data/tls.crt', join(dir, 'tls.crt'));
  await symlink('..data/tls.key', join(dir, 'tls.key'));
  return { certPath: join(dir, 'tls.crt'), keyPath: join(dir, 'tls.key'), swap };
}

/** What one detected change came to, as the service logged it. */
type Report = { ok: true } | { ok: false; error: { code?: string; message?: string } };

const RELOADED = 'serving certificate reloaded';
const REJECTED = 'new serving certificate rejected; keeping the old one';
/** main.ts polls every 1 s; a change must be served within about one period. */
const REPORT_WITHIN_MS = 3_000;

/** Sum of the samples of `name` whose labels include every pair given. */
async function metric(ts: TestService, name: string, labels: Record<string, string> = {}) {
  const text = await (await fetch(`${ts.service.metricsUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m?.[1] !== name) continue;
    const have = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`)))
      total += Number(m[3]);
  }
  return total;
}

const TRUST_POLICY = {
  version: '1.0',
  trustPolicies: [
    {
      name: 'all',
      registryScopes: ['*'],
      signatureVerification: { level: 'strict' },
      trustStores: ['ca:acme'],
      trustedIdentities: ['*'],
    },
  ],
};

/** The service under test, serving from a kubelet-style volume, and its reload reports. */
async function startServer(first: SelfSignedTls) {
  const volume = await kubeletVolume(first);
  const waiters: ((r: Report) => void)[] = [];
  const destination = {
    write(line: string): void {
      const entry = JSON.parse(line) as { msg?: string; err?: { code?: string; message?: string } };
      if (entry.msg === RELOADED) waiters.shift()?.({ ok: true });
      if (entry.msg === REJECTED) waiters.shift()?.({ ok: false, error: entry.err ?? {} });
    },
  };
  const ts = await startTestService({
    trustPolicy: TRUST_POLICY,
    trustStores: { ca: { acme: [pair.a.ca] } },
    flags: ['--tls-cert', volume.certPath, '--tls-key', volume.keyPath],
    overrides: { logger: createLogger({ level: 'info', destination }) },
  });
  /** Swaps the volume and resolves with the service's reload report. */
  const swapAndReport = async (cert: SelfSignedTls, key?: SelfSignedTls) => {
    const report = new Promise<Report>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no reload report within ${REPORT_WITHIN_MS} ms`)),
        REPORT_WITHIN_MS,
      );
      waiters.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
    await volume.swap(cert, key);
    return report;
  };
  const port = Number(new URL(ts.url).port);
  const reloads = async () => ({
    ok: await metric(ts, 'notary_admission_tls_reloads_total', { result: 'ok' }),
    error: await metric(ts, 'notary_admission_tls_reloads_total', { result: 'error' }),
  });
  return { ts, port, swapAndReport, reloads, stop: () => ts.close() };
}

type Handshake =
  | { ok: true; fingerprint: string; protocol: string; cipher: string; alpn: string | false | null }
  | { ok: false; code: string };

/** One fresh TLS handshake to 127.0.0.1:port, verifying as the API server would. */
function handshake(port: number, options: tls.ConnectionOptions = {}): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...options });
    socket.once('secureConnect', () => {
      resolve({
        ok: true,
        fingerprint: socket.getPeerCertificate().fingerprint256,
        protocol: socket.getProtocol() ?? '',
        cipher: socket.getCipher().name,
        alpn: socket.alpnProtocol,
      });
      socket.end();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      resolve({ ok: false, code: err.code ?? err.message });
      socket.destroy();
    });
  });
}

/** GET /readyz through a keep-alive agent: the status, whether the socket was reused, its peer cert. */
function get(agent: https.Agent, port: number) {
  return new Promise<{ status: number; reused: boolean; fingerprint: string }>(
    (resolve, reject) => {
      const target = { agent, host: '127.0.0.1', port, path: '/readyz', servername: 'localhost' };
      const req = https.get(target, (res) => {
        // Read before 'end': the agent takes the socket back then.
        const fingerprint = (res.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
        const status = res.statusCode ?? 0;
        res.resume();
        res.once('end', () => resolve({ status, reused: req.reusedSocket, fingerprint }));
      });
      req.once('error', reject);
    },
  );
}

describe('webhook TLS', () => {
  let s: Awaited<ReturnType<typeof startServer>>;
  let agent: https.Agent;
  beforeEach(async () => {
    s = await startServer(pair.a);
    agent = new https.Agent({
      keepAlive: true,
      maxSockets: 1,
      ca: [pair.a.ca, pair.b.ca, pair.c.ca],
    });
  });
  afterEach(async () => {
    agent.destroy();
    await s.stop();
  });
  const all = () => ({ ca: [pair.a.ca, pair.b.ca, pair.c.ca] });

  describe('when kubelet swaps the Secret volume to a new pair', () => {
    it('T-40 presents the new certificate to new handshakes; an open keep-alive connection keeps working', async () => {
      expect(await handshake(s.port, all())).toMatchObject({
        ok: true,
        fingerprint: pair.a.fingerprint,
      });
      expect(await get(agent, s.port)).toEqual({
        status: 200,
        reused: false,
        fingerprint: pair.a.fingerprint,
      });

      expect(await s.swapAndReport(pair.b)).toMatchObject({ ok: true });

      expect(await handshake(s.port, all())).toMatchObject({
        ok: true,
        fingerprint: pair.b.fingerprint,
      });
      // The connection opened before the swap carries on with the certificate it shook hands with.
      expect(await get(agent, s.port)).toEqual({
        status: 200,
        reused: true,
        fingerprint: pair.a.fingerprint,
      });
    });
  });

  describe('when the new pair is corrupt', () => {
    it('T-40 keeps serving the old certificate, reports TLS_INVALID, counts the error and stays ready', async () => {
      expect(await get(agent, s.port)).toMatchObject({ status: 200, reused: false });
      expect(await s.reloads()).toEqual({ ok: 0, error: 0 });

      const report = await s.swapAndReport(pair.b, pair.c); // b's certificate with c's key
      expect(report).toMatchObject({ ok: false, error: { code: 'TLS_INVALID' } });
      expect(!report.ok && report.error.message).toMatch(
        /^TLS key .*tls\.key does not belong to the certificate in .*tls\.crt$/,
      );
      // The alert: the error counter moved; readiness (probed on the open connection) stays 200.
      expect(await s.reloads()).toEqual({ ok: 0, error: 1 });

      expect(await handshake(s.port, all())).toMatchObject({
        ok: true,
        fingerprint: pair.a.fingerprint,
      });
      expect(await get(agent, s.port)).toEqual({
        status: 200,
        reused: true,
        fingerprint: pair.a.fingerprint,
      });

      expect(await s.swapAndReport(pair.c)).toMatchObject({ ok: true });
      expect(await s.reloads()).toEqual({ ok: 1, error: 1 });
      expect(await handshake(s.port, all())).toMatchObject({
        ok: true,
        fingerprint: pair.c.fingerprint,
      });
    });
  });

  describe('when the serving leaf moves from the old CA to the new one', () => {
    it('T-41 a client trusting old + new CA sees zero handshake failures across the switch', async () => {
      const bundle = { ca: [pair.a.ca, pair.b.ca] };
      const onlyNew = { ca: [pair.b.ca] };
      // The harness can fail: trusting only the new CA breaks before the switch.
      expect(await handshake(s.port, onlyNew)).toEqual({
        ok: false,
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      });

      const results: Handshake[] = [];
      let done = false;
      const reported = s.swapAndReport(pair.b).then(
        (r) => r,
        (err: unknown) => err,
      );
      void reported.finally(() => (done = true));
      // Handshake continuously until the switch is reported, and a few more after it.
      for (let after = 0; !done || after < 5; after += done ? 1 : 0) {
        results.push(await handshake(s.port, bundle));
      }
      expect(await reported).toMatchObject({ ok: true });

      expect(results.filter((r) => !r.ok)).toEqual([]);
      const seen = new Set(results.map((r) => (r.ok ? r.fingerprint : '')));
      expect(seen).toEqual(new Set([pair.a.fingerprint, pair.b.fingerprint]));
      expect(await handshake(s.port, onlyNew)).toMatchObject({
        ok: true,
        fingerprint: pair.b.fingerprint,
      });
      expect(await handshake(s.port, { ca: [pair.a.ca] })).toEqual({
        ok: false,
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      });
    });
  });

  describe('T-42 TLS policy', () => {
    // A server without our policy: proves each refused client can connect when allowed to.
    let lax: https.Server;
    let laxPort: number;
    beforeAll(async () => {
      const served = await loadServingTls(pair.a);
      const options = {
        cert: served.cert,
        key: served.key,
        minVersion: 'TLSv1' as const,
        ciphers: 'ALL@SECLEVEL=0',
      };
      lax = https.createServer(options, (_req, res) => res.end('ok'));
      await new Promise<void>((resolve) => lax.listen(0, '127.0.0.1', resolve));
      laxPort = (lax.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => lax.close(() => resolve()));
    });

    const legacy = (version: tls.SecureVersion) => ({
      ...all(),
      minVersion: version,
      maxVersion: version,
      ciphers: 'ALL@SECLEVEL=0',
    });
    const cbc = () => ({
      ...all(),
      maxVersion: 'TLSv1.2' as const,
      ciphers: 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA',
    });

    it.each([['TLSv1'], ['TLSv1.1']] as const)('T-42 refuses a %s handshake', async (version) => {
      expect(await handshake(laxPort, legacy(version))).toMatchObject({
        ok: true,
        protocol: version,
      });
      expect(await handshake(s.port, legacy(version))).toEqual({
        ok: false,
        code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
      });
    });

    it('T-42 refuses TLS 1.2 suites without AEAD', async () => {
      expect(await handshake(laxPort, cbc())).toMatchObject({
        ok: true,
        cipher: 'ECDHE-ECDSA-AES128-SHA256',
      });
      expect(await handshake(s.port, cbc())).toEqual({
        ok: false,
        code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      });
    });

    it.each([
      ['ECDHE-ECDSA-AES128-GCM-SHA256'],
      ['ECDHE-ECDSA-AES256-GCM-SHA384'],
      ['ECDHE-ECDSA-CHACHA20-POLY1305'],
    ])('T-42 accepts TLS 1.2 with %s', async (cipher) => {
      const result = await handshake(s.port, { ...all(), maxVersion: 'TLSv1.2', ciphers: cipher });
      expect(result).toMatchObject({ ok: true, protocol: 'TLSv1.2', cipher });
    });

    it('T-42 accepts TLS 1.3', async () => {
      expect(await handshake(s.port, all())).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
    });

    it('T-42 negotiates http/1.1 when the client offers only http/1.1', async () => {
      const result = await handshake(s.port, { ...all(), ALPNProtocols: ['http/1.1'] });
      expect(result).toMatchObject({ ok: true, alpn: 'http/1.1' });
    });

    it('T-42 verifies the leaf for <svc>.<ns>.svc and refuses another name', async () => {
      expect(await handshake(s.port, { ...all(), servername: SVC })).toMatchObject({
        ok: true,
        fingerprint: pair.a.fingerprint,
      });
      expect(
        await handshake(s.port, { ...all(), servername: 'other.notary-admission.svc' }),
      ).toEqual({
        ok: false,
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      });
    });

    it('T-42 keeps the policy after a reload', async () => {
      expect(await s.swapAndReport(pair.b)).toMatchObject({ ok: true });
      expect(await handshake(s.port, legacy('TLSv1.1'))).toEqual({
        ok: false,
        code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
      });
      expect(await handshake(s.port, cbc())).toEqual({
        ok: false,
        code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      });
      expect(await handshake(s.port, { ...all(), ALPNProtocols: ['http/1.1'] })).toMatchObject({
        ok: true,
        fingerprint: pair.b.fingerprint,
        alpn: 'http/1.1',
      });
    });
  });
});
