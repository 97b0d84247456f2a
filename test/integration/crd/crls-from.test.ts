// Issue 15 item 5 against a real kube-apiserver: a TrustStore's `crlsFrom` (CRLs published into
// the cluster as a Secret or ConfigMap of the trust namespace) reaches the compiled snapshot and
// the store's status, is re-read when its Secret changes (a new revision: cached verdicts are
// verified again), and what is not a CRL leaves the store not Ready.
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openKubernetesSource, type KubernetesSource } from '../../../src/kube/index.js';
import {
  makePki,
  serveCrl,
  startControlPlane,
  type ControlPlane,
  type Pki,
} from '../../harness/index.js';

const CRD_DIR = path.resolve('charts/notary-admission/crds');
const TRUST_NS = 'na-crls';
const API_VERSION = 'notary-admission.dev/v1alpha1';

let cp: ControlPlane;
let kubeConfig: KubeConfig;
let custom: CustomObjectsApi;
let pki: Pki;
const sources: KubernetesSource[] = [];

async function kubectl(args: string[], input?: string): Promise<string> {
  const result = await cp.kubectl(args, input === undefined ? {} : { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const apply = (...objects: unknown[]): Promise<string> =>
  kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));

/** The intermediate CA's current CRL (DER), as `openssl ca -gencrl` published it. */
const intermediateCrl = async (): Promise<string> =>
  (await readFile(path.join(pki.dir, 'intermediate', 'crl.der'))).toString('base64');

const crlSecret = async () => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'crls', namespace: TRUST_NS },
  data: { 'intermediate.crl': await intermediateCrl() },
});

const store = (name: string, crlsFrom: unknown[]) => ({
  apiVersion: API_VERSION,
  kind: 'TrustStore',
  metadata: { name },
  spec: { type: 'ca', certificates: [pki.root.pem], crlsFrom },
});

const policy = (name: string, store: string) => ({
  apiVersion: API_VERSION,
  kind: 'TrustPolicy',
  metadata: { name },
  spec: {
    registryScopes: [`registry.test/${name}/app`],
    signatureVerification: { level: 'strict' },
    trustStores: [`ca:${store}`],
    trustedIdentities: ['*'],
  },
});

interface StoreStatus {
  conditions?: { type: string; status: string; reason: string; message: string }[];
  crls?: { issuer: string; sha256Fingerprint: string; thisUpdate: string; nextUpdate?: string }[];
}

async function statusOf(name: string): Promise<StoreStatus | undefined> {
  const object = (await custom.getClusterCustomObject({
    group: 'notary-admission.dev',
    version: 'v1alpha1',
    plural: 'truststores',
    name,
  })) as { status?: StoreStatus };
  return object.status;
}

async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

beforeAll(async () => {
  // The CA publishes CRLs (the PKI needs a distribution point to name); nothing fetches them here.
  const crl = await serveCrl();
  [cp, pki] = await Promise.all([
    startControlPlane(),
    makePki({ key: 'ec-p256', name: 'CRL Store', revocation: { crl } }),
  ]);
  await crl.stop();
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(cp.kubeconfigPath);
  custom = kubeConfig.makeApiClient(CustomObjectsApi);
  await kubectl(['create', 'namespace', TRUST_NS]);
  await kubectl(['apply', '-f', CRD_DIR]);
  await kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=30s',
    'crd/truststores.notary-admission.dev',
    'crd/trustpolicies.notary-admission.dev',
  ]);
});
afterEach(async () => {
  await Promise.allSettled(sources.splice(0).map((s) => s.close()));
});
afterAll(() => cp?.stop());

function open(): KubernetesSource {
  const source = openKubernetesSource({
    kubeConfig,
    trustNamespace: TRUST_NS,
    noMatch: 'Deny',
    debounceMs: 20,
    backoff: { initialMs: 100, maxMs: 500 },
  });
  sources.push(source);
  return source;
}

describe('TrustStore crlsFrom (live source)', () => {
  describe('when a store names a Secret holding a CRL', () => {
    it('puts the CRL in the snapshot and the status, and re-reads it when the Secret changes', async () => {
      await apply(
        await crlSecret(),
        store('with-crls', [{ secretKeyRef: { name: 'crls', key: 'intermediate.crl' } }]),
        policy('with-crls', 'with-crls'),
      );
      const source = open();
      await source.whenReady();
      const first = await until('the CRL in the snapshot', () => {
        const s = source.current();
        return s?.crls?.crls.length === 1 ? s : undefined;
      });
      const status = await until('the CRL in status', async () => {
        const s = await statusOf('with-crls');
        return s?.crls?.length === 1 ? s : undefined;
      });
      expect(status.crls![0]!.issuer).toContain('CN=CRL Store Intermediate');
      expect(status.crls![0]!.sha256Fingerprint).toBe(first.crls!.crls[0]!.sha256);
      expect(status.conditions?.[0]?.message).toBe('1 certificate; 1 CRL');

      await pki.revoke(pki.leaf);
      await apply(await crlSecret());
      const second = await until('a new revision', () => {
        const s = source.current();
        return s && s.revision !== first.revision ? s : undefined;
      });
      expect(second.crls!.crls[0]!.sha256).not.toBe(first.crls!.crls[0]!.sha256);
    });
  });

  describe('when the named key holds no CRL', () => {
    it('leaves the store not Ready with CrlInvalid, naming the source', async () => {
      await apply(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'not-crls', namespace: TRUST_NS },
          data: { 'ca.crl': 'hello' },
        },
        store('bad-crls', [{ configMapKeyRef: { name: 'not-crls', key: 'ca.crl' } }]),
      );
      open();
      const status = await until('not Ready', async () => {
        const s = await statusOf('bad-crls');
        return s?.conditions?.[0]?.status === 'False' ? s : undefined;
      });
      expect(status.conditions?.[0]?.reason).toBe('CrlInvalid');
      expect(status.conditions?.[0]?.message).toContain(
        `spec.crlsFrom[0] (ConfigMap "${TRUST_NS}/not-crls" key "ca.crl")`,
      );
    });
  });

  describe('when an entry names both a Secret and a ConfigMap', () => {
    it('is refused by the API server', async () => {
      const both = {
        secretKeyRef: { name: 'a', key: 'b' },
        configMapKeyRef: { name: 'c', key: 'd' },
      };
      await expect(apply(store('both-refs', [both]))).rejects.toThrow(
        /exactly one of secretKeyRef or configMapKeyRef/,
      );
    });
  });
});
