// What both servers share in one peers run: the registry process, the notation-signed images, the
// trust policy document, the root certificate and the serving certificate. Our service reads the
// policy and trust store as notation lays them out; Ratify reads the same policy document and the
// same root from its config.json (notation verifier, `verificationCerts`).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  makePki,
  makeServingCert,
  notationSign,
  pushImage,
  simpleTrustPolicy,
  startRegistry,
  type Pki,
  type PushedImage,
  type Registry,
  type RegistryAuth,
  type RegistryKind,
} from '../../test/harness/index.js';
import { makeWorkdir } from '../../test/harness/workdir.js';

export interface PeerBench {
  dir: string;
  registry: Registry;
  pki: Pki;
  /** trustpolicy.json, the same document for every tool. */
  policyPath: string;
  policy: unknown;
  /** notation's layout: x509/ca/bench/root.crt. */
  storeDir: string;
  rootPath: string;
  /** One serving certificate (ECDSA P-256) for both servers, and the CA clients trust. */
  tls: { certPath: string; keyPath: string; caPath: string };
  /** Docker config JSON naming every host a server may reach the registry by (bearer runs). */
  credentialsPath: string;
  /** Hosts the servers may reach the registry by (direct and through proxies). */
  hosts: string[];
}

export async function setupBench(
  kind: RegistryKind,
  auth: RegistryAuth = 'none',
): Promise<PeerBench> {
  const dir = makeWorkdir(`bench-peers-${kind}-${auth}`);
  const registry = await startRegistry({ kind, auth });
  const pki = await makePki({ key: 'rsa-3072' }); // root → intermediate → leaf
  const storeDir = path.join(dir, 'truststore');
  const rootDir = path.join(storeDir, 'x509', 'ca', 'bench');
  mkdirSync(rootDir, { recursive: true });
  const rootPath = path.join(rootDir, 'root.crt');
  writeFileSync(rootPath, pki.root.pem);
  const policy = simpleTrustPolicy({ trustStores: ['ca:bench'] });
  const policyPath = path.join(dir, 'trustpolicy.json');
  writeFileSync(policyPath, JSON.stringify(policy));
  const tls = await makeServingCert();
  const b = {
    dir,
    registry,
    pki,
    policyPath,
    policy,
    storeDir,
    rootPath,
    tls,
    credentialsPath: path.join(dir, 'docker-config.json'),
    hosts: [],
  };
  addRegistryHost(b, registry.host);
  return b;
}

/** Lets the servers reach the registry by `host` too (a proxy in front of it). */
export function addRegistryHost(b: PeerBench, host: string): void {
  b.hosts.push(host);
  const creds = b.registry.credentials;
  const auth = creds && Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
  const auths = Object.fromEntries(b.hosts.map((h) => [h, auth ? { auth } : {}]));
  writeFileSync(b.credentialsPath, JSON.stringify({ auths }));
}

/**
 * `count` images, each in its own repository (so no server can reuse a token or a listing of
 * another), pushed and signed by notation (JWS, RSA-3072; the referrers API on olareg, the tag
 * schema on distribution), a few at a time.
 */
export async function signedImages(
  b: PeerBench,
  prefix: string,
  count: number,
  parallel = 4,
): Promise<PushedImage[]> {
  const out = new Array<PushedImage>(count);
  const creds = b.registry.credentials;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const image = await pushImage(b.registry, `peers/${prefix}-${i}`, { credentials: creds });
      await notationSign(image.reference, b.registry, {
        key: b.pki.leaf.keyPath,
        certChain: b.pki.chainPath,
        format: 'jws',
        referrersApi: b.registry.kind === 'olareg',
      });
      out[i] = image;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return out;
}

/** `ref` with the registry host swapped for `host` (a proxy in front of it). */
export const via = (b: PeerBench, ref: string, host: string): string =>
  ref.replace(b.registry.host, host);

/**
 * Ratify's config.json: the oras store over plain HTTP (`useHttp`) with the Docker config
 * credentials, the notation verifier with the same trust policy document and root, and the
 * config policy (any notation signature that verifies). Its verdict cache is a `serve` flag.
 */
export function writeRatifyConfig(
  b: Pick<PeerBench, 'dir' | 'credentialsPath' | 'rootPath' | 'policy'> & {
    registry: Pick<Registry, 'credentials'>;
  },
  name: string,
): string {
  const localCache = makeWorkdir(`ratify-oras-cache-${name}`);
  const config = {
    executor: {},
    store: {
      version: '1.0.0',
      plugins: [
        {
          name: 'oras',
          useHttp: true,
          localCachePath: localCache,
          ...(b.registry.credentials && {
            authProvider: { name: 'dockerConfig', configPath: b.credentialsPath },
          }),
        },
      ],
    },
    policy: {
      version: '1.0.0',
      plugin: {
        name: 'configPolicy',
        artifactVerificationPolicies: { 'application/vnd.cncf.notary.signature': 'any' },
      },
    },
    verifier: {
      version: '1.0.0',
      plugins: [
        {
          name: 'notation',
          artifactTypes: 'application/vnd.cncf.notary.signature',
          verificationCerts: [path.dirname(b.rootPath)],
          trustPolicyDoc: b.policy,
        },
      ],
    },
  };
  const file = path.join(b.dir, `ratify-${name}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}
