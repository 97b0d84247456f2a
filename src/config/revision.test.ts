import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { vector } from '../../test/support/vectors.js';
import {
  createTrustStore,
  parseTrustPolicyDocument,
  type TrustPolicyDocument,
  type TrustStores,
} from '../verify/index.js';
import { canonicalJson, computeRevision, type RevisionInput } from './revision.js';

const E2E = vector('certs/notation-e2e/localkeys/e2e.crt');
const NEW_E2E = vector('certs/notation-e2e/localkeys/new_e2e.crt');
const EXPIRED_E2E = vector('certs/notation-e2e/localkeys/expired_e2e.crt');

const stores = (entries: Record<string, Uint8Array[]>): TrustStores =>
  new Map(
    Object.entries(entries).map(([key, certificates]) => {
      const [type, name] = key.split(':') as ['ca', string];
      return [key, createTrustStore({ type, name, certificates })];
    }),
  );

const DOCUMENT: TrustPolicyDocument = {
  version: '1.0',
  trustPolicies: [
    {
      name: 'prod',
      registryScopes: ['registry.example/app'],
      signatureVerification: { level: 'strict', override: { revocation: 'log' } },
      trustStores: ['ca:e2e'],
      trustedIdentities: ['x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA,C=US'],
    },
    {
      name: 'rest',
      registryScopes: ['*'],
      signatureVerification: { level: 'audit' },
      trustStores: ['ca:e2e', 'ca:other'],
      trustedIdentities: ['*'],
    },
  ],
};

const BASE: RevisionInput = {
  document: DOCUMENT,
  trustStores: stores({ 'ca:e2e': [E2E], 'ca:other': [NEW_E2E] }),
  admission: { prod: { action: 'Deny', onError: 'Deny', mutateDigest: true } },
  noMatch: 'Deny',
};

const clone = <T>(value: T): T => structuredClone(value);

/** The same JSON value with every object's keys in a random order. */
function shuffleKeys(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, random));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).sort(() => random() - 0.5);
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, random)]));
}

describe('canonicalJson', () => {
  describe('when objects hold the same members in another order', () => {
    it('returns the same text, with sorted keys and undefined members left out', () => {
      expect(canonicalJson({ b: [2, { d: 1, c: undefined }], a: 'x' })).toBe(
        '{"a":"x","b":[2,{"d":1}]}',
      );
    });
  });
});

describe('computeRevision', () => {
  describe('when nothing changed', () => {
    it('returns 64 hex digits, the same for a copy', () => {
      const revision = computeRevision(BASE);
      expect(revision).toMatch(/^[0-9a-f]{64}$/);
      const copy = { ...BASE, document: clone(DOCUMENT), admission: clone(BASE.admission) };
      expect(computeRevision(copy)).toBe(revision);
    });

    it('returns the same revision for a policy file with its keys reordered', () => {
      const text = JSON.stringify(DOCUMENT);
      fc.assert(
        fc.property(fc.integer(), (seed) => {
          let state = seed;
          const random = () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
          const reordered = JSON.stringify(shuffleKeys(JSON.parse(text), random));
          const revision = (json: string) =>
            computeRevision({ ...BASE, document: parseTrustPolicyDocument(json) });
          expect(revision(reordered)).toBe(revision(text));
        }),
        { numRuns: 200 },
      );
    });

    it('returns the same revision whatever order the stores and certificates are in', () => {
      const reordered = stores({ 'ca:other': [NEW_E2E], 'ca:e2e': [E2E] });
      expect(computeRevision({ ...BASE, trustStores: reordered })).toBe(computeRevision(BASE));
      const a = stores({ 'ca:e2e': [E2E, EXPIRED_E2E] });
      const b = stores({ 'ca:e2e': [EXPIRED_E2E, E2E] });
      expect(computeRevision({ ...BASE, trustStores: a })).toBe(
        computeRevision({ ...BASE, trustStores: b }),
      );
    });
  });

  describe('when anything a verdict depends on changes', () => {
    const mutations: [string, (input: RevisionInput) => void][] = [
      ['an identity', (i) => (i.document.trustPolicies[0]!.trustedIdentities[0] += 'X')],
      ['a scope', (i) => i.document.trustPolicies[0]!.registryScopes.push('registry.example/b')],
      ['a level', (i) => (i.document.trustPolicies[1]!.signatureVerification.level = 'strict')],
      ['an override', (i) => delete i.document.trustPolicies[0]!.signatureVerification.override],
      ['a name', (i) => (i.document.trustPolicies[1]!.name = 'others')],
      ['store membership', (i) => i.document.trustPolicies[1]!.trustStores.pop()],
      ['an admission action', (i) => (i.admission = { prod: { action: 'Warn' } })],
      ['onError', (i) => (i.admission = { prod: { onError: 'Allow' } })],
      ['mutateDigest', (i) => (i.admission = { prod: { mutateDigest: false } })],
      ['noMatch', (i) => (i.noMatch = 'Allow')],
      [
        'a certificate',
        (i) => (i.trustStores = stores({ 'ca:e2e': [E2E], 'ca:other': [EXPIRED_E2E] })),
      ],
      [
        'an added certificate',
        (i) => (i.trustStores = stores({ 'ca:e2e': [E2E, EXPIRED_E2E], 'ca:other': [NEW_E2E] })),
      ],
      [
        'a store name',
        (i) => (i.trustStores = stores({ 'ca:e2e': [E2E], 'ca:other2': [NEW_E2E] })),
      ],
      [
        'an unreferenced store',
        (i) => (i.trustStores = stores({ 'ca:e2e': [E2E], 'ca:other': [NEW_E2E], 'ca:x': [E2E] })),
      ],
    ];

    it.each(mutations)('T-36 returns a new revision when %s changes', (_, mutate) => {
      const input: RevisionInput = {
        ...BASE,
        document: clone(DOCUMENT),
        admission: clone(BASE.admission),
      };
      mutate(input);
      expect(computeRevision(input)).not.toBe(computeRevision(BASE));
    });

    it('T-36 returns a new revision for any changed scope or identity string', () => {
      fc.assert(
        fc.property(
          fc.string({ minLength: 1, maxLength: 20 }),
          fc.constantFrom('registryScopes', 'trustedIdentities'),
          (text, field) => {
            const input = { ...BASE, document: clone(DOCUMENT) };
            const list = input.document.trustPolicies[0]![field];
            fc.pre(list[0] !== text);
            list[0] = text;
            expect(computeRevision(input)).not.toBe(computeRevision(BASE));
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
