import { describe, expect, it } from 'vitest';
import { assembleState } from './state.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

const store = (name: string, certificatesFrom: unknown[]) => ({
  apiVersion: 'notary-admission.dev/v1alpha1',
  kind: 'TrustStore',
  metadata: { name },
  spec: { type: 'ca', certificatesFrom },
});

describe('assembleState', () => {
  describe('when the informers hold objects in any order', () => {
    it('returns policies and stores sorted by name', () => {
      const state = assembleState({
        policies: [{ metadata: { name: 'b' } }, { metadata: { name: 'a' } }],
        stores: [store('z', []), store('m', [])],
        secrets: [],
        configMaps: [],
        namespaces: [],
      });
      expect(state.policies.map((p) => p.metadata.name)).toEqual(['a', 'b']);
      expect(state.stores.map((s) => s.metadata.name)).toEqual(['m', 'z']);
    });
  });

  describe('when Secrets and ConfigMaps are in the trust namespace', () => {
    const state = assembleState({
      policies: [],
      stores: [
        store('s', [
          { secretKeyRef: { name: 'roots', key: 'ca.crt' } },
          { configMapKeyRef: { name: 'bundle', key: 'ca.pem' } },
        ]),
      ],
      secrets: [
        { metadata: { name: 'roots' }, data: { 'ca.crt': b64('PEM-1'), other: b64('x') } },
        { metadata: { name: 'webhook-tls' }, data: { 'tls.key': b64('KEY') } },
      ],
      configMaps: [
        {
          metadata: { name: 'bundle' },
          data: { 'ca.pem': 'PEM-2' },
          binaryData: { 'bin.pem': b64('PEM-3'), 'ca.pem': b64('shadowed') },
        },
        { metadata: { name: 'unrelated' }, data: { a: 'b' } },
      ],
      namespaces: [],
    });

    it('returns only those a TrustStore references', () => {
      expect([...state.secrets.keys()]).toEqual(['roots']);
      expect([...state.configMaps.keys()]).toEqual(['bundle']);
    });

    it('returns Secret values base64-decoded to bytes', () => {
      const roots = state.secrets.get('roots')!;
      expect(Buffer.from(roots['ca.crt']!).toString()).toBe('PEM-1');
      expect(Buffer.from(roots['other']!).toString()).toBe('x');
    });

    it('returns ConfigMap data, with binaryData as text for keys data lacks', () => {
      expect(state.configMaps.get('bundle')).toEqual({ 'ca.pem': 'PEM-2', 'bin.pem': 'PEM-3' });
    });
  });

  describe('when Namespaces have labels', () => {
    it('returns every Namespace with its labels and its name label', () => {
      const state = assembleState({
        policies: [],
        stores: [],
        secrets: [],
        configMaps: [],
        namespaces: [
          { metadata: { name: 'team-a', labels: { team: 'a' } } },
          { metadata: { name: 'bare' } },
        ],
      });
      expect(Object.fromEntries(state.namespaces)).toEqual({
        bare: { 'kubernetes.io/metadata.name': 'bare' },
        'team-a': { team: 'a', 'kubernetes.io/metadata.name': 'team-a' },
      });
    });
  });

  describe('when a store spec is malformed', () => {
    it('returns no referenced sources for it instead of throwing', () => {
      const state = assembleState({
        policies: [],
        stores: [store('bad', [null, 'x', { secretKeyRef: 'roots' }]), { spec: null }],
        secrets: [{ metadata: { name: 'roots' }, data: {} }],
        configMaps: [],
        namespaces: [],
      });
      expect(state.secrets.size).toBe(0);
    });
  });
});
