import { beforeAll, describe, expect, it } from 'vitest';
import { createSnapshot, type Snapshot } from '../config/index.js';
import type { TrustPolicyStatement, TrustStores } from '../verify/index.js';
import { makeChain, type Chain } from '../../test/support/certs.js';
import { PolicyFingerprints } from './impact.js';

const statement = (name: string, scope: string, store: string): TrustPolicyStatement => ({
  name,
  registryScopes: [scope],
  signatureVerification: { level: 'strict' },
  trustStores: [store],
  trustedIdentities: ['*'],
});

let a: Chain;
let b: Chain;
beforeAll(async () => {
  [a, b] = await Promise.all([makeChain(), makeChain()]);
});

function snapshot(
  stores: Record<string, Chain[]>,
  actions: Record<string, 'Deny' | 'Warn'> = {},
): Snapshot {
  const trustStores: TrustStores = new Map(
    Object.entries(stores).map(([key, chains]) => [
      key,
      { type: 'ca', name: key.slice(3), certificates: chains.map((c) => c.root.cert) },
    ]),
  );
  return createSnapshot({
    document: {
      version: '1.0',
      trustPolicies: [
        statement('team-a', 'r.example/a/app', 'ca:a'),
        statement('team-b', 'r.example/b/app', 'ca:b'),
      ],
    },
    trustStores,
    admission: Object.fromEntries(Object.entries(actions).map(([p, action]) => [p, { action }])),
    noMatch: 'Deny',
    source: 'test',
  });
}

const changed = (before: Snapshot, after: Snapshot, image: string): boolean =>
  new PolicyFingerprints(before).of('ns', image) !== new PolicyFingerprints(after).of('ns', image);

describe('PolicyFingerprints', () => {
  describe('when a trust store of one policy changes', () => {
    it('marks the images that policy governs only', () => {
      const before = snapshot({ 'ca:a': [a], 'ca:b': [b] });
      const after = snapshot({ 'ca:a': [a], 'ca:b': [a] });
      expect(before.revision).not.toBe(after.revision);
      expect(changed(before, after, 'r.example/b/app:1')).toBe(true);
      expect(changed(before, after, 'r.example/a/app:1')).toBe(false);
    });
  });

  describe('when a policy’s admission action changes', () => {
    it('marks its images', () => {
      const stores = { 'ca:a': [a], 'ca:b': [b] };
      expect(
        changed(snapshot(stores), snapshot(stores, { 'team-a': 'Warn' }), 'r.example/a/app:1'),
      ).toBe(true);
    });
  });

  describe('when an image is governed by no policy, or its reference is invalid', () => {
    it('marks it only when what decides it changes', () => {
      const stores = { 'ca:a': [a], 'ca:b': [b] };
      expect(
        changed(snapshot(stores), snapshot({ 'ca:a': [b], 'ca:b': [b] }), 'r.example/other:1'),
      ).toBe(false);
      expect(new PolicyFingerprints(snapshot(stores)).of('ns', 'NOT A REF')).toBe(
        'invalid-reference',
      );
    });
  });
});

describe('PolicyFingerprints with a namespace layer (issue 17)', () => {
  const withLayer = (base: Snapshot, layers: Record<string, Snapshot>): Snapshot => ({
    ...base,
    namespaceLayer: (namespace) => layers[namespace],
  });

  describe("when a namespace's own layer changes", () => {
    it("marks that namespace's images only, not the same image elsewhere", () => {
      const cluster = snapshot({ 'ca:a': [a], 'ca:b': [b] });
      const before = withLayer(cluster, { ns: snapshot({ 'ca:a': [a], 'ca:b': [b] }) });
      const after = withLayer(cluster, { ns: snapshot({ 'ca:a': [b], 'ca:b': [b] }) });
      const image = 'r.example/a/app:1';
      expect(changed(before, after, image)).toBe(true);
      expect(new PolicyFingerprints(before).of('other', image)).toBe(
        new PolicyFingerprints(after).of('other', image),
      );
    });
  });

  describe('when a namespace gains a layer', () => {
    it('marks its images', () => {
      const cluster = snapshot({ 'ca:a': [a], 'ca:b': [b] });
      expect(changed(cluster, withLayer(cluster, { ns: cluster }), 'r.example/a/app:1')).toBe(true);
    });
  });
});
