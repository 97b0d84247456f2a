import { describe, expect, it } from 'vitest';
import { readLayout } from '../../test/support/layouts.js';
import { vector, vectorText } from '../../test/support/vectors.js';
import { PolicyError } from './errors.js';
import { parseTrustPolicyDocument, type TrustPolicyDocument } from './trust-policy/index.js';
import { createTrustStore } from './trust-store/trust-store.js';
import type { Descriptor, TrustStores } from './types.js';
import { verifyArtifact, type SignatureCandidate } from './verify-artifact.js';

const NOW = new Date('2026-11-22T12:00:00Z');
const REPOSITORY = 'localhost:5000/e2e';

const store = (name: string, file: string): TrustStores =>
  new Map([
    [`ca:${name}`, createTrustStore({ type: 'ca', name, certificates: [vectorText(file)] })],
  ]);
const e2eStore = store('e2e', 'certs/notation-e2e/localkeys/e2e.crt');

function document(
  level: string,
  trustStores = ['ca:e2e'],
  registryScopes = ['*'],
): TrustPolicyDocument {
  return parseTrustPolicyDocument({
    version: '1.0',
    trustPolicies: [
      {
        name: 'e2e',
        registryScopes,
        signatureVerification: { level },
        trustStores,
        trustedIdentities: level === 'skip' ? [] : ['*'],
      },
    ],
  });
}

function candidates(layout: string): {
  artifact: ReturnType<typeof readLayout>['artifact'];
  list: () => Promise<SignatureCandidate[]>;
  loads: () => number;
} {
  const { artifact, signatures } = readLayout(`notation-e2e/${layout}`);
  let loads = 0;
  const list = (): Promise<SignatureCandidate[]> =>
    Promise.resolve(
      signatures.map((s) => ({
        digest: s.digest,
        load: () => {
          loads++;
          return Promise.resolve({ mediaType: s.mediaType, bytes: s.bytes });
        },
      })),
    );
  return { artifact, list, loads: () => loads };
}

describe('verifyArtifact', () => {
  describe('when one of several signatures is trusted', () => {
    it('C-14 verifies, whatever the other signature says', async () => {
      const { artifact, list } = candidates('e2e-valid-multiple-signatures');
      const outcome = await verifyArtifact({
        repository: REPOSITORY,
        artifact,
        document: document('strict'),
        trustStores: e2eStore,
        listSignatures: list,
        now: NOW,
      });
      expect(outcome.error).toBeUndefined();
      expect(outcome.verified).toBe(true);
    });

    it('C-14 reports why each signature failed when none passes', async () => {
      const { artifact, list } = candidates('e2e-valid-multiple-signatures');
      const testcert11 = store('t11', 'certs/extracted/testcert11.crt');
      const strict = await verifyArtifact({
        repository: REPOSITORY,
        artifact,
        document: document('strict', ['ca:t11']),
        trustStores: testcert11,
        listSignatures: list,
        now: NOW,
      });
      expect(strict.verified).toBe(false);
      expect(strict.failures.map((f) => f.error.code).sort()).toEqual([
        'CERT_CHAIN_UNTRUSTED',
        'CERT_NOT_VALID_AT_TIME',
      ]);
      expect(strict.error?.message).toMatch(/no signature passed \(2 tried\)/);
      const permissive = await verifyArtifact({
        repository: REPOSITORY,
        artifact,
        document: document('permissive', ['ca:t11']),
        trustStores: testcert11,
        listSignatures: list,
        now: NOW,
      });
      expect(permissive.verified).toBe(true);
      expect(permissive.signature?.results.filter((r) => r.error).map((r) => r.type)).toEqual([
        'authenticTimestamp',
      ]);
    });
  });

  describe('when the image is unsigned', () => {
    it.each(['strict', 'permissive', 'audit'])(
      'C-08 C-09 fails with SIGNATURE_NOT_FOUND at %s (as notation does, D10)',
      async (level) => {
        const { artifact, list } = candidates('e2e');
        const outcome = await verifyArtifact({
          repository: REPOSITORY,
          artifact,
          document: document(level),
          trustStores: e2eStore,
          listSignatures: list,
          now: NOW,
        });
        expect(outcome.verified).toBe(false);
        expect(outcome.error?.code).toBe('SIGNATURE_NOT_FOUND');
      },
    );
  });

  describe('when the level is skip', () => {
    it('C-53 verifies without listing or loading any signature', async () => {
      const { artifact } = candidates('e2e-invalid-signature');
      let listed = 0;
      const outcome = await verifyArtifact({
        repository: REPOSITORY,
        artifact,
        document: document('skip', [], [REPOSITORY]),
        trustStores: new Map(),
        listSignatures: () => {
          listed++;
          return Promise.resolve([]);
        },
        now: NOW,
      });
      expect(outcome).toMatchObject({ verified: true, level: 'skip' });
      expect(listed).toBe(0);
    });

    it('C-53 D2 refuses skip with the global scope when the policy is loaded', () => {
      const json = JSON.parse(
        vectorText('trustpolicies/notation-e2e/skip_trustpolicy.json'),
      ) as unknown;
      let thrown: unknown;
      try {
        parseTrustPolicyDocument(json);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(PolicyError);
      expect((thrown as PolicyError).code).toBe('SKIP_WITH_GLOBAL_SCOPE');
    });
  });

  describe('when no policy applies', () => {
    it('C-52 fails with NO_APPLICABLE_POLICY and fetches nothing', async () => {
      const { artifact, list, loads } = candidates('e2e-valid-signature');
      const outcome = await verifyArtifact({
        repository: 'other.example/app',
        artifact,
        document: document('strict', ['ca:e2e'], ['localhost:5000/e2e']),
        trustStores: e2eStore,
        listSignatures: list,
        now: NOW,
      });
      expect(outcome.error?.code).toBe('NO_APPLICABLE_POLICY');
      expect(loads()).toBe(0);
    });
  });

  describe('when there are more signatures than the cap', () => {
    it('C-12 evaluates at most maxSignatures and says the limit was hit', async () => {
      const { artifact } = readLayout('notation-e2e/e2e-valid-signature');
      const bogus = new Uint8Array(vector('envelopes/notation-e2e-blob/malformed.jws.sig'));
      let loads = 0;
      const many: SignatureCandidate[] = Array.from({ length: 50 }, (_, i) => ({
        digest: `sha256:${i.toString(16).padStart(64, '0')}`,
        load: () => {
          loads++;
          return Promise.resolve({ mediaType: 'application/jose+json', bytes: bogus });
        },
      }));
      const outcome = await verifyArtifact({
        repository: REPOSITORY,
        artifact,
        document: document('strict'),
        trustStores: e2eStore,
        listSignatures: () => Promise.resolve(many),
        now: NOW,
        maxSignatures: 5,
      });
      expect(outcome.error?.code).toBe('MAX_SIGNATURES_EXCEEDED');
      expect(loads).toBe(5);
    });
  });

  describe('when a signature cannot be fetched', () => {
    it('throws the fetch error (inconclusive) instead of calling the signature invalid', async () => {
      const { artifact } = readLayout('notation-e2e/e2e-valid-signature');
      const timeout = Object.assign(new Error('registry timed out'), { code: 'TIMEOUT' });
      const outcome = verifyArtifact({
        repository: REPOSITORY,
        artifact,
        document: document('strict'),
        trustStores: e2eStore,
        listSignatures: () =>
          Promise.resolve([
            { digest: 'sha256:' + 'a'.repeat(64), load: () => Promise.reject(timeout) },
          ]),
        now: NOW,
      });
      await expect(outcome).rejects.toBe(timeout);
    });

    it('still verifies when another signature passes', async () => {
      const { artifact, list } = candidates('e2e-valid-signature');
      const broken: SignatureCandidate = {
        digest: 'sha256:' + 'b'.repeat(64),
        load: () => Promise.reject(new Error('reset')),
      };
      const outcome = await verifyArtifact({
        repository: REPOSITORY,
        artifact,
        document: document('strict'),
        trustStores: e2eStore,
        listSignatures: async () => [broken, ...(await list())],
        now: NOW,
      });
      expect(outcome.verified).toBe(true);
    });
  });

  describe('when the artifact is known by its digest only', () => {
    const withSubject = (subject: Descriptor | undefined) => {
      const { artifact, signatures } = readLayout('notation-e2e/e2e-valid-signature');
      const sig = signatures[0]!;
      const candidate: SignatureCandidate = {
        digest: sig.digest,
        load: () =>
          Promise.resolve({
            mediaType: sig.mediaType,
            bytes: sig.bytes,
            ...(subject && { subject }),
          }),
      };
      return {
        artifact,
        run: (digest: string) =>
          verifyArtifact({
            repository: REPOSITORY,
            artifact: { digest },
            document: document('strict'),
            trustStores: e2eStore,
            listSignatures: () => Promise.resolve([candidate]),
            now: NOW,
          }),
      };
    };

    it('binds each signature through the subject of its manifest', async () => {
      const { artifact } = readLayout('notation-e2e/e2e-valid-signature');
      const outcome = await withSubject(artifact).run(artifact.digest);
      expect(outcome.error).toBeUndefined();
      expect(outcome.verified).toBe(true);
    });

    it('fails closed when the subject has another size than the signed one', async () => {
      const { artifact } = readLayout('notation-e2e/e2e-valid-signature');
      const outcome = await withSubject({ ...artifact, size: artifact.size + 1 }).run(
        artifact.digest,
      );
      expect(outcome.error?.code).toBe('PAYLOAD_MISMATCH');
    });

    it('fails closed when the manifest names another subject, or none', async () => {
      const { artifact } = readLayout('notation-e2e/e2e-valid-signature');
      const other = await withSubject({ ...artifact, digest: `sha256:${'0'.repeat(64)}` }).run(
        artifact.digest,
      );
      expect(other.error?.code).toBe('PAYLOAD_MISMATCH');
      const none = await withSubject(undefined).run(artifact.digest);
      expect(none.error?.code).toBe('PAYLOAD_MISMATCH');
      expect(none.error?.message).toMatch(/names no subject/);
    });
  });
});
