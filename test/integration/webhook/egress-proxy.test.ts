// Issue 15 item 4 through the real HTTPS service and a real proxy (Debian's tinyproxy): with
// `--https-proxy` and `--http-proxy`, every connection to the registry (https, Basic auth) and to
// the CRL server goes through the proxy. Proof from the proxy's own log: each of them sits behind
// a byte relay that counts the connections it accepts, and every one of those is a CONNECT line
// in tinyproxy's log (tinyproxy may CONNECT only to those two ports). Then the proxy stops, and a
// review of an image not verified yet is answered in time as inconclusive ("could not verify").
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makePki,
  notationSign,
  pushImage,
  serveCrl,
  startProxy,
  startRegistry,
  type CrlServer,
  type HttpProxy,
  type PushedImage,
  type Registry,
} from '../../harness/index.js';
import { makeWorkdir } from '../../harness/workdir.js';
import type { ApiServerClient } from '../../support/api-server.js';
import { podReview } from '../../support/reviews.js';
import { startTestService, type TestService } from '../../support/service.js';
import { startTcpRelay } from '../../support/tcp-relay.js';

type Relay = Awaited<ReturnType<typeof startTcpRelay>>;

let registry: Registry;
let crl: CrlServer;
let registryRelay: Relay;
let crlRelay: Relay;
let proxy: HttpProxy;
let svc: TestService;
let api: ApiServerClient;
const images: Record<'signed' | 'unsigned' | 'later', PushedImage> = {} as never;

/** The image as the Pod names it: through the relay, so its connections are counted. */
const viaRelay = (image: PushedImage): string =>
  `${registryRelay.host}/${image.repository}@${image.digest}`;

beforeAll(async () => {
  registry = await startRegistry({ kind: 'olareg', auth: 'basic', tls: true });
  registryRelay = await startTcpRelay({
    host: '127.0.0.1',
    port: Number(registry.host.split(':')[1]),
  });
  crl = await serveCrl();
  crlRelay = await startTcpRelay({ host: '127.0.0.1', port: Number(new URL(crl.url).port) });
  // The certificates name the CRL behind its relay.
  const relayedCrl: CrlServer = {
    ...crl,
    publish: (name, file) => crl.publish(name, file).replace(crl.url, `http://${crlRelay.host}`),
  };
  const pki = await makePki({
    key: 'ec-p256',
    name: 'Egress Signer',
    revocation: { crl: relayedCrl },
  });
  for (const key of ['signed', 'unsigned', 'later'] as const) {
    images[key] = await pushImage(registry, `egress/${key}`, { credentials: registry.credentials });
    if (key !== 'unsigned')
      await notationSign(images[key].reference, registry, {
        key: pki.leaf.keyPath,
        certChain: pki.chainPath,
        format: 'cose',
        referrersApi: true,
      });
  }
  proxy = await startProxy({ connectPorts: [registryRelay.port, crlRelay.port] });
  const dir = makeWorkdir('egress-service');
  const credentials = path.join(dir, 'docker-config.json');
  const { username, password } = registry.credentials!;
  await writeFile(
    credentials,
    JSON.stringify({ auths: { [registryRelay.host]: { username, password } } }),
  );
  svc = await startTestService({
    trustPolicy: {
      version: '1.0',
      trustPolicies: [
        {
          name: 'egress',
          registryScopes: ['*'],
          signatureVerification: { level: 'strict' },
          trustStores: ['ca:egress'],
          trustedIdentities: ['*'],
        },
      ],
    },
    trustStores: { ca: { egress: [pki.root.pem] } },
    flags: [
      ...['--https-proxy', proxy.url, '--http-proxy', proxy.url],
      ...['--registry-ca', `${registryRelay.host}=${registry.caPath!}`],
      ...['--registry-credentials', credentials],
    ],
  });
  api = svc.client({ timeoutSeconds: 5 });
});
afterAll(async () => {
  await svc?.close();
  await proxy?.stop();
  await Promise.allSettled([
    registryRelay?.stop(),
    crlRelay?.stop(),
    crl?.stop(),
    registry?.stop(),
  ]);
});

const review = async (image: PushedImage) => {
  const outcome = await api.review(podReview({ images: [viaRelay(image)] }));
  return { kind: outcome.kind, message: outcome.response?.status?.message };
};

describe('egress through tinyproxy (service)', () => {
  describe('when the proxy runs', () => {
    it('verifies through it: every registry and CRL connection is a CONNECT in the proxy log', async () => {
      expect(await review(images.signed)).toEqual({ kind: 'admitted', message: undefined });
      const unsigned = await review(images.unsigned);
      expect(unsigned.kind).toBe('denied');
      expect(unsigned.message).toMatch(/\[SIGNATURE_NOT_FOUND\]$/);
      const connects = proxy.connects();
      const to = (relay: Relay) => connects.filter((c) => c === relay.host).length;
      expect(crl.requests.length).toBeGreaterThan(0);
      expect({
        registry: registryRelay.connections(),
        crl: crlRelay.connections(),
      }).toEqual({ registry: to(registryRelay), crl: to(crlRelay) });
      expect(to(registryRelay)).toBeGreaterThan(0);
      expect(to(crlRelay)).toBeGreaterThan(0);
      expect(connects.filter((c) => c !== registryRelay.host && c !== crlRelay.host)).toEqual([]);
      expect([proxy.refused(), proxy.forwarded()]).toEqual([[], []]);
    });
  });

  describe('when the proxy is stopped', () => {
    it('answers a review in time as inconclusive, never reaching the registry directly', async () => {
      const before = registryRelay.connections();
      await proxy.stop();
      const outcome = await review(images.later);
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toContain('could not verify');
      expect(outcome.message).toContain(`proxy 127.0.0.1:${proxy.port} unreachable (ECONNREFUSED)`);
      expect(registryRelay.connections()).toBe(before);
    });
  });
});
