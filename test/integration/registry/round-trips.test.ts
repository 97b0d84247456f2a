// Issue 20 item 4, the round-trip floor: which registry requests wait for which answers, at the
// wire in front of real registries (test/support/gate-proxy.ts). Only data dependencies may
// order them: a listing waits for the digest, a signature manifest for the listing, an envelope
// for its manifest. Order, never timings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makePki,
  notationSign,
  pushImage,
  startRegistry,
  type PushedImage,
  type Registry,
  type RegistryAuth,
  type RegistryKind,
} from '../../harness/index.js';
import { parseReference, RegistryClient } from '../../../src/registry/index.js';
import { REFERRERS_VERDICT_TTL_MS } from '../../../src/registry/origin-state.js';
import { startGateProxy, type GatedExchange, type GateProxy } from '../../support/gate-proxy.js';

const API = /\/referrers\//;
const TAG_SCHEMA = /\/manifests\/sha256-/;

describe.each([
  { kind: 'distribution', auth: 'none' },
  { kind: 'distribution', auth: 'bearer' },
  { kind: 'olareg', auth: 'none' },
] as { kind: RegistryKind; auth: RegistryAuth }[])('round trips on $kind with $auth auth', (o) => {
  let registry: Registry;
  let proxy: GateProxy;
  let image: PushedImage;
  beforeAll(async () => {
    registry = await startRegistry(o);
    const pki = await makePki({ key: 'ec-p256', levels: 2 });
    image = await pushImage(registry, 'rtt/app', { credentials: registry.credentials });
    await notationSign(image.reference, registry, {
      key: pki.leaf.keyPath,
      certChain: pki.chainPath,
      referrersApi: o.kind === 'olareg',
    });
    proxy = await startGateProxy(registry.url);
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  const clock = { t: Date.now() };
  function coldClient(): RegistryClient {
    const user = registry.credentials;
    return new RegistryClient({
      now: () => clock.t,
      allowPrivateNetworks: ['127.0.0.1/32'],
      insecureRegistries: [proxy.host],
      ...(user && { credentials: { auths: { [proxy.host]: user } } }),
      ...(registry.tokenServer && {
        tokenRealms: { [proxy.host]: [new URL(registry.tokenServer.realm).origin] },
      }),
    });
  }

  /** One verification's fetches; the exchanges it made (401s included) and its token requests. */
  async function fetchAll(client: RegistryClient, byTag: boolean) {
    const from = proxy.log.length;
    const tokens = registry.tokenServer?.requests.length ?? 0;
    const ref = parseReference(`${proxy.host}/rtt/app${byTag ? ':v1' : `@${image.digest}`}`);
    const artifact = byTag ? await client.resolve(ref) : image.digest;
    const [sig] = await client.listSignatures(ref, artifact);
    const envelope = await client.fetchEnvelope(ref, sig!);
    expect(envelope.subject.digest).toBe(image.digest);
    const log = proxy.log.slice(from).sort((a, b) => a.arrived - b.arrived);
    return { log, tokens: (registry.tokenServer?.requests.length ?? 0) - tokens };
  }

  const answered = (log: GatedExchange[], re: RegExp) =>
    log.filter((e) => re.test(e.path) && e.status !== 401);

  describe.runIf(o.kind === 'distribution')(
    'when the client probes the referrers API again once its "no API" verdict expired',
    () => {
      it('returns the signatures having asked the tag schema before the API answered', async () => {
        const client = coldClient();
        try {
          await fetchAll(client, false); // a cold client: the API's 404, then the tag schema
          clock.t += REFERRERS_VERDICT_TTL_MS;
          proxy.gates.splice(0, Infinity, { hold: API, until: TAG_SCHEMA });
          const { log, tokens } = await fetchAll(client, false);
          const [api] = answered(log, API);
          const tag = log.find((e) => TAG_SCHEMA.test(e.path)); // its 401 too: it was sent
          expect(api!.status).toBe(404);
          expect(tag).toBeDefined();
          expect(tag!.arrived).toBeLessThan(api!.answered);
          expect(tokens).toBeLessThanOrEqual(1); // coalesced if the token expired meanwhile
        } finally {
          proxy.gates.splice(0);
          clock.t = Date.now();
          await client.close();
        }
      });
    },
  );

  describe('when the client already knows whether the registry has the referrers API', () => {
    it('returns the signatures asking only the listing the registry serves', async () => {
      const client = coldClient();
      try {
        await fetchAll(client, false);
        const { log } = await fetchAll(client, false);
        const listings = log.filter((e) => API.test(e.path) || TAG_SCHEMA.test(e.path));
        expect(listings.map((e) => (API.test(e.path) ? 'api' : 'tag'))).toEqual([
          o.kind === 'olareg' ? 'api' : 'tag',
        ]);
      } finally {
        await client.close();
      }
    });
  });

  describe.each([
    { ref: 'tag', byTag: true, path: ['H', 'R', 'M', 'B'] },
    { ref: 'digest', byTag: false, path: ['R', 'M', 'B'] },
  ])('when a warm client fetches a $ref reference', ({ byTag, path }) => {
    it('returns the envelope, each request sent only once the answer naming it arrived', async () => {
      const client = coldClient();
      try {
        await fetchAll(client, byTag); // learns the challenge, the token and the listing kind
        const { log } = await fetchAll(client, byTag);
        const steps = log.map((e) => ({
          e,
          step:
            e.method === 'HEAD'
              ? 'H'
              : API.test(e.path) || TAG_SCHEMA.test(e.path)
                ? 'R'
                : /\/blobs\//.test(e.path)
                  ? 'B'
                  : 'M',
        }));
        // A digest reference is not resolved at all: its listing is the first request.
        expect(steps.map((s) => s.step)).toEqual(path);
        for (let i = 1; i < steps.length; i++)
          expect(steps[i]!.e.arrived).toBeGreaterThan(steps[i - 1]!.e.answered);
        // The listing asked is the digest's (a tag's: the one its HEAD answered), nothing else.
        const hex = image.digest.split(':')[1]!;
        expect(steps[path.indexOf('R')]!.e.path).toContain(hex);
      } finally {
        await client.close();
      }
    });
  });
});
