// Issue 17's acceptance property at the level of policies: random cluster TrustPolicies and
// NamespaceTrustPolicies (scopes, levels, trust stores of either signer, another namespace's
// store, action, onError, namespaceSelector, --no-match) are compiled by the real compilers
// (compileCluster, compileTenancy, withTenancy) and judged by the real pipeline (verification of
// real JWS signatures, withNamespaceLayer) and decide(). Adding the namespace objects never turns
// a cluster denial into an admission, and the denial keeps its words.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeChain, type Chain } from '../../test/support/certs.js';
import { signJws } from '../../test/support/envelopes.js';
import { LruVerdictCache } from '../cache/index.js';
import {
  compileCluster,
  compileTenancy,
  withTenancy,
  type ClusterState,
  type NamespaceTrustPolicyObject,
  type NamespaceTrustStoreObject,
  type Snapshot,
  type TrustPolicyObject,
  type TrustStoreObject,
} from '../config/index.js';
import {
  createImageVerifier,
  withNamespaceLayer,
  type CachedVerdict,
  type ImageRegistry,
} from '../pipeline/index.js';
import { RegistryError } from '../registry/index.js';
import type { Descriptor } from '../verify/index.js';
import { decide, type AdmissionDecision } from './decision.js';

const API = 'notary-admission.dev/v1alpha1' as const;
const REPO = 'registry.test/apps/app';
const NOW = new Date();
const SCOPES = [REPO, '*', 'registry.test/apps/other'];
/** Who signed each image (by its digest's last hex digit). */
const SIGNED_BY = [[], ['cluster'], ['team'], ['cluster', 'team']] as const;
const digestOf = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;
const manifest = (digest: string): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest,
  size: 500,
});

let chains: Record<'cluster' | 'team', Chain>;
const signatures = new Map<string, Uint8Array[]>();

beforeAll(async () => {
  const [cluster, team] = await Promise.all([
    makeChain({ key: 'ec-p256', levels: 2 }),
    makeChain({ key: 'ec-p256', levels: 2 }),
  ]);
  chains = { cluster, team };
  SIGNED_BY.forEach((signers, i) =>
    signatures.set(
      digestOf(i),
      signers.map((s) =>
        signJws({ chain: chains[s].certs, payload: manifest(digestOf(i)), signingTime: NOW }),
      ),
    ),
  );
});

/** An in-memory registry: every digest exists; `down` answers every call with a 503. */
function registryOf(down: boolean): ImageRegistry {
  const unavailable = () => new RegistryError('NETWORK', 'registry unavailable: refused');
  return {
    // Tag `v<i>` names image i.
    resolve: (ref) =>
      down
        ? Promise.reject(unavailable())
        : Promise.resolve(manifest(ref.digest ?? digestOf(Number(ref.tag?.slice(1))))),
    signatureCandidates: (_ref, artifact) => {
      if (down) return Promise.reject(unavailable());
      const digest = typeof artifact === 'string' ? artifact : artifact.digest;
      return Promise.resolve(
        (signatures.get(digest) ?? []).map((bytes, i) => ({
          digest: digestOf(0xf000 + i),
          descriptor: {} as never,
          load: () =>
            Promise.resolve({
              mediaType: 'application/jose+json',
              bytes,
              subject: manifest(digest),
            }),
        })),
      );
    },
  };
}

const stores = ['ca:cluster-signer', 'ca:team-signer'];
const level = (levels: string[]) => fc.constantFrom(...levels);
const spec = (levels: string[], storeRefs: string[], onErrors: string[]) =>
  fc.record({
    registryScopes: fc.subarray(SCOPES, { minLength: 1 }),
    level: level(levels),
    trustStores: fc.subarray(storeRefs, { minLength: 1 }),
    action: fc.constantFrom('Deny', 'Warn', 'Audit'),
    onError: fc.constantFrom(...onErrors),
    selector: fc.constantFrom(undefined, 'team-a', 'team-b'),
  });
const asSpec = (s: {
  registryScopes: string[];
  level: string;
  trustStores: string[];
  action: string;
  onError: string;
}) => ({
  registryScopes: s.registryScopes,
  signatureVerification: { level: s.level },
  ...(s.level !== 'skip' && { trustStores: s.trustStores, trustedIdentities: ['*'] }),
  action: s.action,
  onError: s.onError,
});

const world = fc.record({
  cluster: fc.array(spec(['strict', 'permissive', 'audit', 'skip'], stores, ['Deny', 'Allow']), {
    maxLength: 2,
  }),
  // What the CRD refuses (onError Allow, a store of team-b) is still drawn: a stale schema.
  team: fc.array(
    spec(
      ['strict', 'permissive', 'audit'],
      [...stores, 'ca:team-a/team', 'ca:team-b/team'],
      ['Deny', 'Deny', 'Allow'],
    ),
    { minLength: 1, maxLength: 2 },
  ),
  noMatch: fc.constantFrom('Deny', 'Warn', 'Allow'),
  image: fc.integer({ min: 0, max: SIGNED_BY.length - 1 }),
  pinned: fc.boolean(),
  down: fc.boolean(),
});
type World = typeof world extends fc.Arbitrary<infer W> ? W : never;

const store = (name: string, signer: 'cluster' | 'team'): TrustStoreObject => ({
  apiVersion: API,
  kind: 'TrustStore',
  metadata: { name, generation: 1 },
  spec: { type: 'ca', certificates: [chains[signer].root.pem] },
});
const teamStore = (namespace: string): NamespaceTrustStoreObject => ({
  apiVersion: API,
  kind: 'NamespaceTrustStore',
  metadata: { namespace, name: 'team', generation: 1 },
  spec: { type: 'ca', certificates: [chains.team.root.pem] },
});

/** The cluster snapshot, and the same with team-a's (and team-b's) namespaced objects. */
function snapshots(w: World): { alone: Snapshot; both: Snapshot } {
  const state: ClusterState = {
    policies: w.cluster.map(
      (s, i) =>
        ({
          apiVersion: API,
          kind: 'TrustPolicy',
          metadata: { name: `c${i}`, generation: 1 },
          spec: {
            ...asSpec(s),
            ...(s.selector && {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': s.selector } },
            }),
          },
        }) as unknown as TrustPolicyObject,
    ),
    stores: [store('cluster-signer', 'cluster'), store('team-signer', 'team')],
    secrets: new Map(),
    configMaps: new Map(),
    namespaces: new Map(['team-a', 'team-b'].map((n) => [n, { 'kubernetes.io/metadata.name': n }])),
  };
  const options = { now: NOW, trustNamespace: 'na' };
  const cluster = compileCluster(state, { ...options, noMatch: w.noMatch });
  const policies = w.team.map(
    (s, i) =>
      ({
        apiVersion: API,
        kind: 'NamespaceTrustPolicy',
        metadata: { namespace: 'team-a', name: `t${i}`, generation: 1 },
        spec: asSpec(s),
      }) as unknown as NamespaceTrustPolicyObject,
  );
  const tenancy = compileTenancy(
    { policies, stores: [teamStore('team-a'), teamStore('team-b')], exceptions: [] },
    state,
    { ...options, maxExceptionMs: 86_400_000 },
  );
  return { alone: cluster.snapshot, both: withTenancy(cluster.snapshot, tenancy) };
}

async function judge(w: World, snapshot: Snapshot): Promise<AdmissionDecision> {
  const verify = withNamespaceLayer(
    createImageVerifier({
      registry: registryOf(w.down),
      cache: new LruVerdictCache<CachedVerdict>(),
      now: () => NOW.getTime(),
    }),
  );
  const digest = digestOf(w.image);
  const image = {
    fieldPath: 'spec.containers[0].image',
    image: w.pinned ? `${REPO}@${digest}` : `${REPO}:v${w.image}`,
  };
  const signal = new AbortController().signal;
  const verdict = await verify(image, {
    snapshot,
    namespace: 'team-a',
    signal,
    deadline: NOW.getTime() + 10_000,
  });
  return decide([verdict]);
}

describe('NamespaceTrustPolicies compiled next to TrustPolicies', () => {
  describe('when judged by the real pipeline on real signatures', () => {
    it('never turn a cluster denial into an admission (300 random worlds)', async () => {
      let denied = 0;
      await fc.assert(
        fc.asyncProperty(world, async (w) => {
          const { alone, both } = snapshots(w);
          const before = await judge(w, alone);
          const after = await judge(w, both);
          if (before.allowed) return;
          denied++;
          expect(after.allowed).toBe(false);
          expect(after.message).toBe(before.message);
        }),
        { numRuns: 300 },
      );
      // The property was exercised, not vacuous.
      expect(denied).toBeGreaterThan(30);
    });
  });
});
