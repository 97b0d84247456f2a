// Docker Content Trust (issue 18): a cold verification of one tag through src/verify/tuf and
// src/registry/notary-v1.ts against the real notary-server, beside the cold Notation
// verification of the same image (same registry, same tag) through src/registry and src/verify.
// `npm run bench -- dct`. Cold: new clients per run (no connection, token or state reused);
// warm: the service's DCT step with one context (connections, state and verified root reused).
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NotaryClient } from '../src/registry/notary-v1.js';
import { createDctContext, verifyDct } from '../src/pipeline/index.js';
import { RegistryClient, parseReference } from '../src/registry/index.js';
import { loadTrustStores, parseTrustPolicyDocument, verifyArtifact } from '../src/verify/index.js';
import { createTufTrustStore, verifyTrustData } from '../src/verify/tuf/index.js';
import {
  makePki,
  notaryClient,
  notationSign,
  pushImage,
  simpleTrustPolicy,
  startNotaryServer,
  startRegistry,
} from '../test/harness/index.js';
import { makeWorkdir } from '../test/harness/workdir.js';
import { measure, type Row } from './stats.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 20);

export async function dctRows(): Promise<Row[]> {
  const [registry, notary] = await Promise.all([
    startRegistry({ kind: 'distribution' }),
    startNotaryServer(),
  ]);
  try {
    const image = await pushImage(registry, 'bench/dct', { tag: 'v1' });
    const gun = `${registry.host}/bench/dct`;
    const ref = parseReference(image.tagReference);

    const cli = notaryClient(notary);
    await cli.init(gun);
    await cli.addHash(gun, 'v1', image);
    const root = JSON.parse(
      readFileSync(path.join(cli.trustDir, 'tuf', gun, 'metadata', 'root.json'), 'utf8'),
    ) as {
      signed: {
        keys: Record<string, { keyval: { public: string } }>;
        roles: { root: { keyids: string[] } };
      };
    };
    const pin = root.signed.keys[root.signed.roles.root.keyids[0]!]!.keyval.public;
    const trustStore = createTufTrustStore([Buffer.from(pin, 'base64').toString()]);

    const pki = await makePki({ key: 'ec-p256' });
    await notationSign(image.reference, registry, {
      key: pki.leaf.keyPath,
      certChain: pki.chainPath,
    });
    const storeDir = path.join(makeWorkdir('bench-dct'), 'truststore');
    mkdirSync(path.join(storeDir, 'x509', 'ca', 'bench'), { recursive: true });
    copyFileSync(pki.root.certPath, path.join(storeDir, 'x509', 'ca', 'bench', 'root.crt'));
    const trustStores = await loadTrustStores(storeDir);
    const document = parseTrustPolicyDocument(simpleTrustPolicy({ trustStores: ['ca:bench'] }));

    const dct = await measure(
      'DCT: resolve tag + Notary v1 trust data (5 requests), cold',
      RUNS,
      async () => {
        const registryClient = new RegistryClient({ insecureRegistries: [registry.host] });
        const notaryCli = new NotaryClient({ server: notary.url, insecure: true });
        try {
          const artifact = await registryClient.resolve(ref);
          const out = await notaryCli.session({}, (source) =>
            verifyTrustData({
              gun,
              trustStore,
              source,
              now: new Date(),
              image: { digest: artifact.digest, size: artifact.size, tag: 'v1' },
            }),
          );
          if (out.target.digest !== image.digest) throw new Error('DCT verified another digest');
        } finally {
          await Promise.all([registryClient.close(), notaryCli.close()]);
        }
      },
    );
    // Warm, as the service runs it (src/pipeline/dct.ts): one DctContext and registry client
    // for every run, so connections, rollback state and the verified root (ROOT_REUSE_MS) are
    // reused; the verdict cache is not in the way (it would answer without any request).
    const context = createDctContext({ insecureRegistries: [new URL(notary.url).host] });
    const warmRegistry = new RegistryClient({ insecureRegistries: [registry.host] });
    const policy = {
      server: notary.url,
      until: new Date(Date.now() + 86_400_000).toISOString(),
      trustStore: 'bench',
      roots: [Buffer.from(pin, 'base64').toString()],
      roles: ['targets/releases', 'targets'],
    };
    const warm = await measure(
      'DCT: resolve tag + Notary v1 trust data (4 requests), warm',
      RUNS,
      async () => {
        const artifact = await warmRegistry.resolve(ref);
        const call = { signal: AbortSignal.timeout(10_000), deadline: Date.now() + 10_000 };
        const out = await verifyDct({ ref, artifact, ...call, now: Date.now }, policy, context);
        if (!out.verified) throw new Error(`DCT warm path failed: ${out.failure.reason}`);
      },
    );
    await Promise.all([context.close(), warmRegistry.close()]);
    const notation = await measure(
      'Notation: resolve tag + tag-schema signature (5 requests), cold',
      RUNS,
      async () => {
        const client = new RegistryClient({ insecureRegistries: [registry.host] });
        try {
          const artifact = await client.resolve(ref);
          const out = await verifyArtifact({
            repository: `${registry.host}/bench/dct`,
            artifact,
            document,
            trustStores,
            listSignatures: () => client.signatureCandidates(ref, artifact),
            now: new Date(),
          });
          if (!out.verified) throw new Error(`notation path failed: ${out.error?.message}`);
        } finally {
          await client.close();
        }
      },
    );
    return [dct, warm, notation];
  } finally {
    await Promise.all([registry.stop(), notary.stop()]);
  }
}
