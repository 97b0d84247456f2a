import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY_SETUPS as setups } from '../../harness/index.js';
import {
  makePki,
  notationSign,
  pushImage,
  pushOciLayout,
  requireTool,
  startRegistry,
  type Pki,
  type PushedImage,
  type Registry,
} from '../../harness/index.js';
import { run } from '../../harness/run.js';
import { VECTORS } from '../../support/vectors.js';
import { makeWorkdir } from '../../harness/workdir.js';
import {
  RegistryClient,
  parseReference,
  type RegistryClientOptions,
} from '../../../src/registry/index.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const SIGNED_DIGEST = 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9';

/** `notation list`: the signature digests the real CLI finds for a reference. */
async function notationList(reference: string, registry: Registry): Promise<string[]> {
  const home = makeWorkdir('notation-list');
  const args = ['ls'];
  if (registry.url.startsWith('http:')) args.push('--insecure-registry');
  if (registry.credentials)
    args.push('-u', registry.credentials.username, '-p', registry.credentials.password);
  const result = await run(requireTool('notation'), [...args, reference], {
    env: {
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, 'config'),
      XDG_CACHE_HOME: path.join(home, 'cache'),
      ...(registry.caPath && { SSL_CERT_FILE: registry.caPath }),
    },
  });
  if (result.code !== 0) throw new Error(`notation ls failed: ${result.stderr}`);
  // The first line names the artifact; the signature digests follow in the tree.
  const lines = result.stdout.split('\n').slice(1);
  return lines.flatMap((l) => /sha256:[a-f0-9]{64}/.exec(l)?.[0] ?? []).sort();
}

function clientFor(registry: Registry, extra: RegistryClientOptions = {}): RegistryClient {
  const realm = registry.tokenServer && new URL(registry.tokenServer.realm).origin;
  return new RegistryClient({
    allowPrivateNetworks: ['127.0.0.1/32'],
    ...(registry.url.startsWith('http:') && { insecureRegistries: [registry.host] }),
    ...(registry.caPath && {
      caBundles: { [registry.host]: readFileSync(registry.caPath, 'utf8') },
    }),
    ...(registry.auth !== 'none' && { credentials: registry.dockerConfigJson() }),
    ...(realm && { tokenRealms: { [registry.host]: [realm] } }),
    ...extra,
  });
}

describe.each(setups)('RegistryClient on $kind with $auth auth', ({ kind, auth }) => {
  let registry: Registry;
  let pki: Pki;
  let single: PushedImage;
  let multi: PushedImage;
  let client: RegistryClient;

  beforeAll(async () => {
    [registry, pki] = await Promise.all([
      startRegistry({ kind, auth, tls: auth !== 'none' }),
      makePki({ key: 'ec-p256' }),
    ]);
    const credentials = registry.credentials;
    single = await pushImage(registry, 'demo/single', { credentials });
    multi = await pushImage(registry, 'demo/multi', {
      credentials,
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    const sign = { key: pki.leaf.keyPath, certChain: pki.chainPath };
    // Tag schema always; the referrers API too where the registry has one (both paths).
    const viaApi = kind === 'olareg';
    await notationSign(single.reference, registry, { ...sign, format: 'jws' });
    await notationSign(single.reference, registry, {
      ...sign,
      format: 'cose',
      referrersApi: viaApi,
    });
    await notationSign(multi.reference, registry, {
      ...sign,
      format: 'cose',
      referrersApi: viaApi,
    });
    client = clientFor(registry);
  });
  afterAll(async () => {
    await client?.close();
    await registry?.stop();
  });

  it.each(['single', 'multi'] as const)(
    'finds every signature notation finds on the %s-arch image, with its envelope',
    async (which) => {
      const image = which === 'single' ? single : multi;
      const ref = parseReference(image.tagReference);
      const desc = await client.resolve(ref);
      expect(desc).toEqual({ mediaType: image.mediaType, digest: image.digest, size: image.size });
      const sigs = await client.listSignatures(ref, desc);
      const expected = await notationList(image.reference, registry);
      // olareg's referrers API does not list what notation pushed in tag-schema mode, and
      // notation, like this client, asks the API when there is one: both see one signature.
      expect(expected.length).toBe(which === 'single' && kind === 'distribution' ? 2 : 1);
      expect(sigs.map((s) => s.digest).sort()).toEqual(expected);
      for (const sig of sigs) {
        const env = await client.fetchEnvelope(ref, sig);
        expect(['application/jose+json', 'application/cose']).toContain(env.mediaType);
        expect(env.bytes.length).toBeGreaterThan(100);
      }
    },
  );

  it('lists the platform manifests of the multi-arch index, from a descriptor or a digest', async () => {
    const ref = parseReference(multi.reference);
    const desc = await client.resolve(ref);
    for (const artifact of [desc, multi.digest]) {
      const { artifact: index, manifests } = await client.platforms(ref, artifact);
      expect(index).toEqual(desc);
      expect(manifests.map((p) => [p.digest, p.platform?.architecture])).toEqual(
        multi.platforms.map((p) => [p.digest, p.platform?.architecture]),
      );
    }
  });

  it('counts the requests of one cold verification input set', async () => {
    const cold = clientFor(registry);
    const tokens = registry.tokenServer?.requests.length ?? 0;
    try {
      const ref = parseReference(multi.reference);
      const desc = await cold.resolve(ref);
      const [sig, ...others] = await cold.listSignatures(ref, desc);
      expect(others).toEqual([]);
      await cold.fetchEnvelope(ref, sig!);
      // With auth, one token exchange (bearer) per repository; the 401 that asks for it is
      // the first request's price. Without auth, nothing but the calls themselves.
      expect((registry.tokenServer?.requests.length ?? 0) - tokens).toBe(auth === 'bearer' ? 1 : 0);
    } finally {
      await cold.close();
    }
  });

  it('fails closed with UNAUTHORIZED on wrong credentials', async () => {
    if (auth === 'none') return;
    const wrong = clientFor(registry, {
      credentials: { auths: { [registry.host]: { username: 'tester', password: 'wrong' } } },
    });
    try {
      await expect(wrong.resolve(parseReference(single.reference))).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
        kind: 'availability',
      });
    } finally {
      await wrong.close();
    }
  });
});

describe.each(['distribution', 'olareg'] as const)(
  'RegistryClient on %s with the e2e vectors',
  (kind) => {
    const layout = `${VECTORS}/oci-layouts/notation-e2e/e2e-valid-multiple-signatures`;
    let registry: Registry;
    let client: RegistryClient;
    beforeAll(async () => {
      registry = await startRegistry({ kind });
      await pushOciLayout(registry, layout, 'e2e/multi');
      client = clientFor(registry);
    });
    afterAll(async () => {
      await client?.close();
      await registry?.stop();
    });

    it('C-01 C-03 resolves the tag and loads the legacy-form signatures', async () => {
      const ref = parseReference(`${registry.host}/e2e/multi:v1`);
      const desc = await client.resolve(ref);
      expect(desc).toEqual({ mediaType: OCI_MANIFEST, digest: SIGNED_DIGEST, size: 517 });
      const sigs = await client.listSignatures(ref, desc);
      expect(sigs.map((s) => s.digest).sort()).toEqual(
        await notationList(`${registry.host}/e2e/multi@${SIGNED_DIGEST}`, registry),
      );
      // The layout's sha256-… tag index lists only the first signature (vectors README); the
      // referrers API sees both manifests by their subject.
      expect(sigs).toHaveLength(kind === 'olareg' ? 2 : 1);
      const envelopes = await Promise.all(sigs.map((s) => client.fetchEnvelope(ref, s)));
      for (const e of envelopes) expect(e.mediaType).toBe('application/jose+json');
    });

    it('C-08 finds no signature on the unsigned e2e image', async () => {
      await pushOciLayout(registry, `${VECTORS}/oci-layouts/notation-e2e/e2e`, 'e2e/unsigned');
      const ref = parseReference(`${registry.host}/e2e/unsigned:v1`);
      const desc = await client.resolve(ref);
      expect(await client.listSignatures(ref, desc)).toEqual([]);
    });
  },
);
