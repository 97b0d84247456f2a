// The live Kubernetes policy source against a real kube-apiserver: informers → compiled snapshot
// → status written back, recovery of an informer whose CRD appears later, Secrets as stores.
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  openKubernetesSource,
  type KubernetesSource,
  type KubernetesSourceOptions,
  type SourceError,
  customObjectsPatch,
  REAL_TIMERS,
} from '../../../src/kube/index.js';
import { makePki, startControlPlane, type ControlPlane, type Pki } from '../../harness/index.js';

const CRD_DIR = path.resolve('charts/notary-admission/crds');
const CRDS = ['trustpolicies.notary-admission.dev', 'truststores.notary-admission.dev'];
const TRUST_NS = 'na-live-trust';
const API_VERSION = 'notary-admission.dev/v1alpha1';

let cp: ControlPlane;
let kubeConfig: KubeConfig;
let custom: CustomObjectsApi;
let pki: Pki;
let other: Pki;
const sources: KubernetesSource[] = [];

beforeAll(async () => {
  [cp, pki, other] = await Promise.all([
    startControlPlane(),
    makePki({ key: 'ec-p256', name: 'Live Source' }),
    makePki({ key: 'ec-p256', name: 'Live Other' }),
  ]);
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(cp.kubeconfigPath);
  custom = kubeConfig.makeApiClient(CustomObjectsApi);
  await kubectl(['create', 'namespace', TRUST_NS]);
});
afterEach(async () => {
  await Promise.allSettled(sources.splice(0).map((s) => s.close()));
});
afterAll(() => cp?.stop());

async function kubectl(args: string[], input?: string): Promise<string> {
  const result = await cp.kubectl(args, input === undefined ? {} : { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const apply = (...objects: unknown[]): Promise<string> =>
  kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));

async function installCrds(): Promise<void> {
  for (const crd of CRDS)
    if (!existsSync(path.join(CRD_DIR, `${crd}.yaml`)))
      throw new Error(`${CRD_DIR}/${crd}.yaml is missing`);
  await kubectl(['apply', '-f', CRD_DIR]);
  await kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=30s',
    ...CRDS.map((c) => `crd/${c}`),
  ]);
}

function open(over: Partial<KubernetesSourceOptions> = {}): KubernetesSource {
  const source = openKubernetesSource({
    kubeConfig,
    trustNamespace: TRUST_NS,
    noMatch: 'Deny',
    debounceMs: 20,
    backoff: { initialMs: 100, maxMs: 500 },
    ...over,
  });
  sources.push(source);
  return source;
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
async function until<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const fingerprint = (pem: string): string =>
  new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase();

/** What the snapshot's stores hold (DER fingerprints). */
const fingerprints = (certs: readonly { rawData: ArrayBuffer }[] | undefined): string[] =>
  (certs ?? []).map((c) => createHash('sha256').update(new Uint8Array(c.rawData)).digest('hex'));

const store = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: API_VERSION,
  kind: 'TrustStore',
  metadata: { name },
  spec: { type: 'ca', ...spec },
});

const policy = (name: string, scopes: string[], stores: string[], extra: object = {}) => ({
  apiVersion: API_VERSION,
  kind: 'TrustPolicy',
  metadata: { name },
  spec: {
    registryScopes: scopes,
    signatureVerification: { level: 'strict' },
    trustStores: stores,
    trustedIdentities: ['*'],
    ...extra,
  },
});

interface Status {
  observedGeneration?: number;
  conditions?: { type: string; status: string; reason: string; message: string }[];
  certificates?: { subject: string; sha256Fingerprint: string; notAfter: string }[];
}

async function statusOf(plural: string, name: string): Promise<Status | undefined> {
  const object = (await custom.getClusterCustomObject({
    group: 'notary-admission.dev',
    version: 'v1alpha1',
    plural,
    name,
  })) as { status?: Status };
  return object.status;
}

const ready = (status: Status | undefined) => status?.conditions?.find((c) => c.type === 'Ready');

describe('openKubernetesSource', () => {
  describe('when started before the CRDs exist', () => {
    it('T-45 stays unready, reports the 404 and recovers by backoff once they are installed', async () => {
      const errors: SourceError[] = [];
      const source = open({ onError: (e) => errors.push(e) });
      await until('a TrustPolicy watch error', () =>
        errors.find((e) => e.operation === 'watching TrustPolicy objects'),
      );
      expect(source.ready()).toBe(false);
      expect(source.current()).toBeUndefined();
      expect(errors.find((e) => e.operation === 'watching TrustPolicy objects')).toMatchObject({
        status: 404,
      });
      await installCrds();
      const snapshot = await source.whenReady();
      expect(source.ready()).toBe(true);
      expect(source.current()).toBe(snapshot);
      expect(snapshot.documentFor('default').trustPolicies).toEqual([]);
    });
  });

  describe('when a TrustStore with inline PEM and a TrustPolicy naming it exist', () => {
    beforeAll(async () => {
      await installCrds();
      await apply(
        store('inline', { certificates: [pki.root.pem] }),
        policy('inline', ['registry.test/inline/app'], ['ca:inline']),
      );
    });

    it('returns a snapshot with the statement and the store once ready', async () => {
      const source = open();
      const snapshot = await source.whenReady();
      const statement = snapshot
        .documentFor('default')
        .trustPolicies.find((s) => s.name === 'inline');
      expect(statement).toMatchObject({
        registryScopes: ['registry.test/inline/app'],
        trustStores: ['ca:inline'],
        trustedIdentities: ['*'],
      });
      expect(fingerprints(snapshot.trustStores.get('ca:inline')?.certificates)).toEqual([
        fingerprint(pki.root.pem),
      ]);
      expect(snapshot.blocked?.('default', 'registry.test/inline/app')).toBeUndefined();
    });

    it('writes Ready=True to both, with the certificates listed, then stops writing', async () => {
      const patch = customObjectsPatch(custom);
      let patches = 0;
      open({
        patchStatus: (write, body) => {
          patches += 1;
          return patch(write, body);
        },
      });
      const storeStatus = await until('TrustStore status', async () => {
        const s = await statusOf('truststores', 'inline');
        return ready(s)?.status === 'True' ? s : undefined;
      });
      expect(ready(storeStatus)).toMatchObject({ status: 'True', reason: 'Valid' });
      expect(storeStatus.certificates).toEqual([
        {
          subject: expect.stringContaining('Live Source') as string,
          sha256Fingerprint: fingerprint(pki.root.pem),
          notAfter: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
        },
      ]);
      const policyStatus = await until('TrustPolicy status', async () => {
        const s = await statusOf('trustpolicies', 'inline');
        return ready(s)?.status === 'True' ? s : undefined;
      });
      expect(policyStatus.observedGeneration).toBe(1);
      expect(ready(policyStatus)).toMatchObject({ status: 'True', reason: 'Valid' });
      // kubectl shows the same.
      const json = JSON.parse(await kubectl(['get', 'truststore', 'inline', '-o', 'json'])) as {
        status: Status;
      };
      expect(json.status.certificates?.[0]?.sha256Fingerprint).toBe(fingerprint(pki.root.pem));
      // Its own status updates come back through the watch and change nothing: no more writes.
      const written = patches;
      await sleep(500);
      expect(patches).toBe(written);
      expect(written).toBeLessThanOrEqual(2);
    });
  });

  describe('when a TrustPolicy names a TrustStore that does not exist', () => {
    beforeAll(installCrds);

    it('reports Ready=False TrustStoreNotFound within 1 s and blocks its scopes', async () => {
      const source = open();
      await source.whenReady();
      await apply(policy('orphan', ['registry.test/orphan/app'], ['ca:missing']));
      const started = Date.now();
      const status = await until('Ready=False', async () => {
        const s = await statusOf('trustpolicies', 'orphan');
        return ready(s)?.status === 'False' ? s : undefined;
      });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(ready(status)).toMatchObject({ reason: 'TrustStoreNotFound' });
      expect(source.current()?.blocked?.('default', 'registry.test/orphan/app')).toMatchObject({
        policy: 'orphan',
        reason: expect.stringContaining('TrustStoreNotFound') as string,
      });
      expect(source.current()?.blocked?.('default', 'registry.test/elsewhere/app')).toBeUndefined();
      await kubectl(['delete', 'trustpolicy', 'orphan']);
    });
  });

  describe('when a TrustStore reads its certificates from a Secret of the trust namespace', () => {
    beforeAll(installCrds);

    const secret = (pems: string[]) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'roots', namespace: TRUST_NS },
      stringData: { 'ca.crt': pems.join('') },
    });

    it('T-36 changes the revision when a certificate is removed from the Secret', async () => {
      await apply(
        secret([pki.root.pem, other.root.pem]),
        store('from-secret', {
          certificatesFrom: [{ secretKeyRef: { name: 'roots', key: 'ca.crt' } }],
        }),
        policy('from-secret', ['registry.test/secret/app'], ['ca:from-secret']),
      );
      const source = open();
      await source.whenReady();
      const first = await until('both certificates', () => {
        const s = source.current();
        return s?.trustStores.get('ca:from-secret')?.certificates.length === 2 ? s : undefined;
      });
      await apply(secret([pki.root.pem]));
      const second = await until('the new revision', () => {
        const s = source.current();
        return s && s.revision !== first.revision ? s : undefined;
      });
      expect(fingerprints(second.trustStores.get('ca:from-secret')?.certificates)).toEqual([
        fingerprint(pki.root.pem),
      ]);
      const status = await until('one certificate in status', async () => {
        const s = await statusOf('truststores', 'from-secret');
        return s?.certificates?.length === 1 ? s : undefined;
      });
      expect(status.certificates?.[0]?.sha256Fingerprint).toBe(fingerprint(pki.root.pem));
    });

    it('recompiles to the same revision when an unrelated Secret changes', async () => {
      let reloads = 0;
      const source = open({ onReload: () => (reloads += 1) });
      const snapshot = await source.whenReady();
      const changes: string[] = [];
      source.onChange((s) => changes.push(s.revision));
      const before = reloads;
      await apply({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'unrelated', namespace: TRUST_NS },
        stringData: { x: 'y' },
      });
      await until('a recompile', () => (reloads > before ? true : undefined));
      expect(source.current()?.revision).toBe(snapshot.revision);
      expect(changes).toEqual([]);
    });
  });

  describe('when writeStatus is false', () => {
    beforeAll(installCrds);

    it('compiles without writing any status', async () => {
      await apply(
        store('quiet', { certificates: [other.root.pem] }),
        policy('quiet', ['registry.test/quiet/app'], ['ca:quiet']),
      );
      const source = open({ writeStatus: false });
      await source.whenReady();
      await until('the store', () => source.current()?.trustStores.get('ca:quiet'));
      await sleep(300);
      expect(await statusOf('truststores', 'quiet')).toBeUndefined();
      expect(await statusOf('trustpolicies', 'quiet')).toBeUndefined();
    });
  });
  describe('when a TrustPolicy’s Docker Content Trust window starts closing and nothing else changes', () => {
    beforeAll(installCrds);

    it('recompiles at the transition and writes DCTWindowClosing True (issue 18)', async () => {
      const pin = generateKeyPairSync('ed25519')
        .publicKey.export({ type: 'spki', format: 'pem' })
        .toString();
      let clock = Date.now();
      const closesAt = new Date(clock + 15 * 86_400_000).toISOString();
      await apply(
        store('dct-ca', { certificates: [other.root.pem] }),
        store('dct-hub', { type: 'notaryV1Root', certificates: [pin] }),
        policy('dct', ['registry.test/dct/app'], ['ca:dct-ca'], {
          dct: { server: 'https://notary.test', until: closesAt, trustStore: 'dct-hub' },
        }),
      );
      // The source's long timers (the DCT transition's) are held here; short ones run.
      const held: (() => void)[] = [];
      open({
        now: () => new Date(clock),
        timers: {
          setTimeout: (callback, ms) =>
            ms >= 3_600_000 ? held.push(callback) : REAL_TIMERS.setTimeout(callback, ms),
          clearTimeout: (handle) => {
            if (typeof handle !== 'number') REAL_TIMERS.clearTimeout(handle);
          },
        },
      });
      const closing = (s: Status | undefined) =>
        s?.conditions?.find((c) => c.type === 'DCTWindowClosing')?.status;
      await until('DCTWindowClosing False', async () =>
        closing(await statusOf('trustpolicies', 'dct')) === 'False' ? true : undefined,
      );
      expect(held.length).toBeGreaterThan(0);
      clock += 1.5 * 86_400_000;
      held.splice(0).forEach((fire) => fire());
      await until('DCTWindowClosing True', async () =>
        closing(await statusOf('trustpolicies', 'dct')) === 'True' ? true : undefined,
      );
    });
  });
});
