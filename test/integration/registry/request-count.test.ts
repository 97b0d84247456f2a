// Issue 4's request budget, counted at the wire in front of real registries: a digest
// reference with one signature costs referrers + signature manifest + envelope; a tag one
// more; auth adds one 401 and one token exchange per cold client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY_SETUPS as setups } from '../../harness/index.js';
import { parseReference, RegistryClient } from '../../../src/registry/index.js';
import {
  makePki,
  notationSign,
  pushImage,
  startRegistry,
  type PushedImage,
  type Registry,
} from '../../harness/index.js';
import { startCountingProxy } from '../../support/counting-proxy.js';

describe.each(setups)('request count on $kind with $auth auth', ({ kind, auth }) => {
  let registry: Registry;
  let proxy: Awaited<ReturnType<typeof startCountingProxy>>;
  let image: PushedImage;
  beforeAll(async () => {
    registry = await startRegistry({ kind, auth });
    const pki = await makePki({ key: 'ec-p256', levels: 2 });
    image = await pushImage(registry, 'count/app', { credentials: registry.credentials });
    await notationSign(image.reference, registry, {
      key: pki.leaf.keyPath,
      certChain: pki.chainPath,
      referrersApi: kind === 'olareg',
    });
    proxy = await startCountingProxy(registry.url);
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  function coldClient(): RegistryClient {
    const user = registry.credentials;
    return new RegistryClient({
      allowPrivateNetworks: ['127.0.0.1/32'],
      insecureRegistries: [proxy.host],
      ...(user && {
        credentials: {
          auths: { [proxy.host]: { username: user.username, password: user.password } },
        },
      }),
      ...(registry.tokenServer && {
        tokenRealms: { [proxy.host]: [new URL(registry.tokenServer.realm).origin] },
      }),
    });
  }

  async function fetchOnce(
    client: RegistryClient,
    reference: string,
    resolve: boolean,
  ): Promise<void> {
    const ref = parseReference(reference);
    const artifact = resolve ? await client.resolve(ref) : image.digest;
    const [sig, ...rest] = await client.listSignatures(ref, artifact);
    expect(rest).toEqual([]);
    const envelope = await client.fetchEnvelope(ref, sig!);
    expect(envelope.subject).toEqual({
      mediaType: image.mediaType,
      digest: image.digest,
      size: image.size,
    });
  }

  /** Requests the registry answered other than with 401, and how many 401s and tokens it took. */
  async function count(
    reference: string,
    resolve: boolean,
  ): Promise<{ calls: string[]; challenges: number; tokens: number }> {
    const client = coldClient();
    const start = proxy.requests.length;
    const tokensBefore = registry.tokenServer?.requests.length ?? 0;
    try {
      await fetchOnce(client, reference, resolve);
    } finally {
      await client.close();
    }
    const seen = proxy.requests.slice(start);
    return {
      calls: seen
        .filter((r) => r.status !== 401)
        .map(
          (r) =>
            `${r.method} ${r.path.replace(/[?].*$/, '').replace(/sha256[:-][a-f0-9]{64}/g, '<digest>')}`,
        ),
      challenges: seen.filter((r) => r.status === 401).length,
      tokens: (registry.tokenServer?.requests.length ?? 0) - tokensBefore,
    };
  }

  // distribution has no referrers API: a cold client learns that from one 404, then uses the tag.
  const listing =
    kind === 'olareg'
      ? ['GET /v2/count/app/referrers/<digest>']
      : ['GET /v2/count/app/referrers/<digest>', 'GET /v2/count/app/manifests/<digest>'];
  const auths = { challenges: auth === 'none' ? 0 : 1, tokens: auth === 'bearer' ? 1 : 0 };

  it('a digest reference costs the signature listing, its manifest and the envelope', async () => {
    const result = await count(`${proxy.host}/count/app@${image.digest}`, false);
    expect(result).toEqual({
      calls: [
        ...listing,
        'GET /v2/count/app/manifests/<digest>',
        'GET /v2/count/app/blobs/<digest>',
      ],
      ...auths,
    });
  });

  it('a tag reference costs one HEAD more', async () => {
    const result = await count(`${proxy.host}/count/app:v1`, true);
    expect(result).toEqual({
      calls: [
        'HEAD /v2/count/app/manifests/v1',
        ...listing,
        'GET /v2/count/app/manifests/<digest>',
        'GET /v2/count/app/blobs/<digest>',
      ],
      ...auths,
    });
  });

  it('reuses its connections: one per HEAD (undici closes after a HEAD) plus at most two, none warm', async () => {
    for (const [reference, resolve] of [
      [`${proxy.host}/count/app@${image.digest}`, false],
      [`${proxy.host}/count/app:v1`, true],
    ] as const) {
      const client = coldClient();
      try {
        const before = proxy.connections();
        const start = proxy.requests.length;
        await fetchOnce(client, reference, resolve);
        const heads = proxy.requests.slice(start).filter((r) => r.method === 'HEAD').length;
        expect(proxy.connections() - before).toBeLessThanOrEqual(heads + 2);
        const warm = proxy.connections();
        await fetchOnce(client, reference, false);
        expect(proxy.connections() - warm).toBe(0);
      } finally {
        await client.close();
      }
    }
  });
});
