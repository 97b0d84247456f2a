// Issue 15 item 4 through the real HTTPS service and a real proxy (Debian's tinyproxy): with
// `--https-proxy` and `--http-proxy`, every connection to the registry (https, Basic auth) and to
// the CRL server goes through the proxy. Proof from the proxy's own log: each of them sits behind
// a byte relay that counts the connections it accepts, and every one of those is a CONNECT line
// in tinyproxy's log (tinyproxy may CONNECT only to the targets' ports). Then the proxy stops,
// and a review of an image not verified yet is answered in time as inconclusive ("could not
// verify").
// The same holds for a bearer registry's token realm and for an OCSP responder: the token server
// sits behind an https front on the registry's own origin (the only realm `serve` gives
// credentials to), and the certificates of a second signer name an OCSP responder behind a
// relay. The responder and the token server are never named to the service directly, so what
// they answer reached them through the front or the relay; every connection those accept is a
// CONNECT in the proxy's log. Plain-HTTP targets (OCSP, CRL) are tunnelled too (src/registry/
// proxy.ts), so the proxy forwards no absolute-URI request (`GET http://…`) at all.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makePki,
  notationSign,
  pushImage,
  serveCrl,
  startOcspResponder,
  startProxy,
  startRegistry,
  type CrlServer,
  type HttpProxy,
  type OcspResponder,
  type PushedImage,
  type Registry,
} from '../../harness/index.js';
import { makeWorkdir } from '../../harness/workdir.js';
import type { ApiServerClient } from '../../support/api-server.js';
import { podReview } from '../../support/reviews.js';
import { startSameOriginRealm, type SameOriginRealm } from '../../support/same-origin-realm.js';
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
/** A bearer registry (olareg) and its same-origin https front, which the Pods name. */
let bearer: Registry;
let bearerFront: SameOriginRealm;
let bearerImage: PushedImage;
let ocsp: OcspResponder;
let ocspRelay: Relay;
/** Signed by leaves of a PKI that names only an OCSP responder (behind `ocspRelay`). */
const ocspImages: Record<'good' | 'revoked', PushedImage> = {} as never;

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

  bearer = await startRegistry({ kind: 'olareg', auth: 'bearer' });
  bearerFront = await startSameOriginRealm(bearer.url, bearer.tokenServer!.realm);
  bearerImage = await pushImage(bearer, 'egress/bearer', { credentials: bearer.credentials });
  await notationSign(bearerImage.reference, bearer, {
    key: pki.leaf.keyPath,
    certChain: pki.chainPath,
    format: 'cose',
    referrersApi: true,
  });

  ocsp = await startOcspResponder();
  ocspRelay = await startTcpRelay({ host: '127.0.0.1', port: Number(new URL(ocsp.url).port) });
  // The certificates name the responder behind its relay.
  const relayedOcsp: OcspResponder = {
    ...ocsp,
    register: (name, ca) => ocsp.register(name, ca).replace(ocsp.url, `http://${ocspRelay.host}`),
  };
  const ocspPki = await makePki({
    key: 'ec-p256',
    name: 'Egress OCSP Signer',
    revocation: { ocsp: relayedOcsp },
  });
  const revokedLeaf = await ocspPki.issue('revoked');
  await ocspPki.revoke(revokedLeaf);
  for (const [key, leaf] of [
    ['good', ocspPki.leaf],
    ['revoked', revokedLeaf],
  ] as const) {
    ocspImages[key] = await pushImage(registry, `egress/ocsp-${key}`, {
      credentials: registry.credentials,
    });
    await notationSign(ocspImages[key].reference, registry, {
      key: leaf.keyPath,
      certChain: ocspPki.chainFor(leaf),
      format: 'cose',
      referrersApi: true,
    });
  }

  proxy = await startProxy({
    connectPorts: [registryRelay.port, crlRelay.port, bearerFront.port, ocspRelay.port],
  });
  const dir = makeWorkdir('egress-service');
  const credentials = path.join(dir, 'docker-config.json');
  const { username, password } = registry.credentials!;
  await writeFile(
    credentials,
    JSON.stringify({
      auths: {
        [registryRelay.host]: { username, password },
        [bearerFront.host]: {
          username: bearer.credentials!.username,
          password: bearer.credentials!.password,
        },
      },
    }),
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
    trustStores: { ca: { egress: [pki.root.pem, ocspPki.root.pem] } },
    flags: [
      ...['--https-proxy', proxy.url, '--http-proxy', proxy.url],
      ...['--registry-ca', `${registryRelay.host}=${registry.caPath!}`],
      ...['--registry-ca', `${bearerFront.host}=${bearerFront.caPath}`],
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
    bearerFront?.stop(),
    bearer?.stop(),
    ocspRelay?.stop(),
    ocsp?.stop(),
  ]);
});

const reviewReference = async (reference: string) => {
  const outcome = await api.review(podReview({ images: [reference] }));
  return { kind: outcome.kind, message: outcome.response?.status?.message };
};
const review = (image: PushedImage) => reviewReference(viaRelay(image));

/**
 * For every target behind a relay or front: the connections it accepted, and the CONNECTs to it
 * in the proxy's log (equal when nothing bypassed the proxy); `other`: CONNECTs to anything else.
 */
const tunnels = () => {
  const connects = proxy.connects();
  const targets = { registry: registryRelay, crl: crlRelay, bearer: bearerFront, ocsp: ocspRelay };
  const each = (count: (target: { host: string; connections: () => number }) => number) =>
    Object.fromEntries(Object.entries(targets).map(([k, t]) => [k, count(t)])) as Record<
      keyof typeof targets,
      number
    >;
  const known = Object.values(targets).map((t) => t.host);
  return {
    accepted: each((t) => t.connections()),
    connects: each((t) => connects.filter((c) => c === t.host).length),
    other: connects.filter((c) => !known.includes(c)),
  };
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

  describe('when the registry sends the service to its token realm (bearer)', () => {
    it('admits the image, the token fetched through the proxy like every registry request', async () => {
      const token = bearer.tokenServer!;
      // The pushes and signing above asked the token server directly; from here, only the service.
      const before = token.requests.length;
      const reference = `${bearerFront.host}/${bearerImage.repository}@${bearerImage.digest}`;
      expect(await reviewReference(reference)).toEqual({ kind: 'admitted', message: undefined });
      const asked = token.requests.slice(before);
      expect(asked).toContainEqual({
        scopes: expect.arrayContaining(['repository:egress/bearer:pull']) as unknown,
        user: bearer.credentials!.username,
        granted: [{ type: 'repository', name: 'egress/bearer', actions: ['pull'] }],
      });
      // Every one of them came in at the front (the service is never told the token server).
      expect(bearerFront.requests.filter((r) => r.startsWith('GET /token?'))).toHaveLength(
        asked.length,
      );
      const { accepted, connects, other } = tunnels();
      expect(accepted).toEqual(connects);
      expect(connects.bearer).toBeGreaterThan(0);
      expect(other).toEqual([]);
      expect([proxy.refused(), proxy.forwarded()]).toEqual([[], []]);
    });
  });

  describe('when the signing certificates name an OCSP responder', () => {
    it('admits a good leaf, every OCSP request tunnelled through the proxy', async () => {
      expect(await review(ocspImages.good)).toEqual({ kind: 'admitted', message: undefined });
      // Plain-HTTP GETs (RFC 6960 A.1: these requests are short), which a proxy would forward as
      // `GET http://…`; tunnelled instead, so the proxy forwarded nothing (below).
      expect(new Set(ocsp.requests.map((r) => r.split(' ')[0]))).toEqual(new Set(['GET']));
      const { accepted, connects, other } = tunnels();
      expect(accepted).toEqual(connects);
      expect(connects.ocsp).toBeGreaterThan(0);
      expect(other).toEqual([]);
      expect([proxy.refused(), proxy.forwarded()]).toEqual([[], []]);
    });

    it('denies a revoked leaf from the answer the responder gave through the proxy', async () => {
      const before = ocsp.requests.length;
      const outcome = await review(ocspImages.revoked);
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toContain(
        `revoked according to OCSP responder http://${ocspRelay.host}/`,
      );
      expect(outcome.message).toMatch(/\[CERT_REVOKED\]$/);
      expect(ocsp.requests.length).toBeGreaterThan(before);
      const { accepted, connects, other } = tunnels();
      expect(accepted).toEqual(connects);
      expect(other).toEqual([]);
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
