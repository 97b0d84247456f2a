import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readLayout } from '../../test/support/layouts.js';
import { vector, vectorText } from '../../test/support/vectors.js';
import { PolicyError } from './errors.js';
import { parseTrustPolicyDocument, type TrustPolicyDocument } from './trust-policy/index.js';
import { createTrustStore } from './trust-store/trust-store.js';
import type { Descriptor, TrustStores } from './types.js';
import { DEFAULT_MAX_SIGNATURES } from './candidates.js';
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

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;
const JWS = 'application/jose+json';
/** SHA-256 of the e2e root (DER): what notation writes in the thumbprint annotation. */
const E2E_THUMBPRINT = createHash('sha256')
  .update(new Uint8Array(e2eStore.get('ca:e2e')!.certificates[0]!.rawData))
  .digest('hex');

/** The rejections src/registry's RegistryError makes, by their structural kind. */
const junk = (message: string) => Object.assign(new Error(message), { kind: 'content' });
const unavailable = (message: string) =>
  Object.assign(new Error(message), { kind: 'availability' });

const base = (artifact: Descriptor) => ({
  repository: REPOSITORY,
  artifact,
  document: document('strict'),
  trustStores: e2eStore,
  now: NOW,
});

/** `n` candidates whose envelope is a malformed JWS, counting their loads. */
function junkCandidates(n: number) {
  const bogus = new Uint8Array(vector('envelopes/notation-e2e-blob/malformed.jws.sig'));
  let loads = 0;
  const many = (): SignatureCandidate[] =>
    Array.from({ length: n }, (_, i) => ({
      digest: `sha256:${i.toString(16).padStart(64, '0')}`,
      load: () => {
        loads++;
        return Promise.resolve({ mediaType: JWS, bytes: bogus });
      },
    }));
  return { many, loads: () => loads };
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
    it('throws the availability error (inconclusive) instead of calling the signature invalid', async () => {
      const { artifact } = readLayout('notation-e2e/e2e-valid-signature');
      const timeout = Object.assign(new Error('registry timed out'), {
        code: 'TIMEOUT',
        kind: 'availability',
      });
      const outcome = verifyArtifact({
        ...base(artifact),
        listSignatures: () =>
          Promise.resolve([{ digest: DIGEST_A, load: () => Promise.reject(timeout) }]),
      });
      await expect(outcome).rejects.toBe(timeout);
    });

    it('still verifies when another signature passes', async () => {
      const { artifact, list } = candidates('e2e-valid-signature');
      const broken: SignatureCandidate = {
        digest: 'sha256:' + 'b'.repeat(64),
        load: () => Promise.reject(unavailable('reset')),
      };
      const outcome = await verifyArtifact({
        ...base(artifact),
        listSignatures: async () => [broken, ...(await list())],
      });
      expect(outcome.verified).toBe(true);
    });
  });

  describe('when the registry answered with something that is not a signature artifact', () => {
    it('fails that signature with SIGNATURE_ARTIFACT_INVALID, never inconclusive', async () => {
      const { artifact } = readLayout('notation-e2e/e2e-valid-signature');
      const outcome = await verifyArtifact({
        ...base(artifact),
        listSignatures: () =>
          Promise.resolve([{ digest: DIGEST_A, load: () => Promise.reject(junk('2 layers')) }]),
      });
      expect(outcome.verified).toBe(false);
      expect(outcome.error?.code).toBe('SIGNATURE_ARTIFACT_INVALID');
      expect(outcome.error?.message).toBe(
        `signature ${DIGEST_A} is not a valid signature artifact: 2 layers`,
      );
      expect(outcome.failures.map((f) => [f.digest, f.error.code])).toEqual([
        [DIGEST_A, 'SIGNATURE_ARTIFACT_INVALID'],
      ]);
    });

    it('lists it among the failures beside the other signatures', async () => {
      const { artifact } = readLayout('notation-e2e/e2e-valid-signature');
      const bogus = new Uint8Array(vector('envelopes/notation-e2e-blob/malformed.jws.sig'));
      const outcome = await verifyArtifact({
        ...base(artifact),
        listSignatures: () =>
          Promise.resolve([
            { digest: DIGEST_A, load: () => Promise.reject(junk('404')) },
            { digest: DIGEST_B, load: () => Promise.resolve({ mediaType: JWS, bytes: bogus }) },
          ]),
      });
      expect(outcome.failures.map((f) => f.error.code).sort()).toEqual([
        'ENVELOPE_MALFORMED',
        'SIGNATURE_ARTIFACT_INVALID',
      ]);
      expect(outcome.error?.message).toMatch(/no signature passed \(2 tried\)/);
    });

    it('stays inconclusive when another signature could not be fetched at all', async () => {
      const { artifact } = readLayout('notation-e2e/e2e-valid-signature');
      const down = unavailable('503');
      const outcome = verifyArtifact({
        ...base(artifact),
        listSignatures: () =>
          Promise.resolve([
            { digest: DIGEST_A, load: () => Promise.reject(junk('2 layers')) },
            { digest: DIGEST_B, load: () => Promise.reject(down) },
          ]),
      });
      await expect(outcome).rejects.toBe(down);
    });
  });

  describe('when the listing itself is junk', () => {
    it('fails with SIGNATURE_LIST_INVALID, never inconclusive', async () => {
      const { artifact } = readLayout('notation-e2e/e2e-valid-signature');
      const outcome = await verifyArtifact({
        ...base(artifact),
        listSignatures: () => Promise.reject(junk('over 10 pages')),
      });
      expect(outcome).toMatchObject({ verified: false, failures: [] });
      expect(outcome.error?.code).toBe('SIGNATURE_LIST_INVALID');
      expect(outcome.error?.message).toBe(
        `the signatures of ${artifact.digest} cannot be listed: over 10 pages`,
      );
    });

    it('throws the availability error of a listing that could not be asked', async () => {
      const { artifact } = readLayout('notation-e2e/e2e-valid-signature');
      const down = unavailable('timeout');
      await expect(
        verifyArtifact({ ...base(artifact), listSignatures: () => Promise.reject(down) }),
      ).rejects.toBe(down);
    });
  });

  describe('when evaluating a signature throws unexpectedly (item 9)', () => {
    it('settles with the signature failed when load throws a non-registry error', async () => {
      const { artifact } = readLayout('notation-e2e/e2e-valid-signature');
      const outcome = await verifyArtifact({
        ...base(artifact),
        listSignatures: () =>
          Promise.resolve([
            {
              digest: DIGEST_A,
              load: () => {
                throw new TypeError('cannot read properties of undefined');
              },
            },
          ]),
      });
      expect(outcome.verified).toBe(false);
      expect(outcome.error?.code).toBe('SIGNATURE_ARTIFACT_INVALID');
      expect(outcome.error?.message).toMatch(/unexpected TypeError: cannot read properties/);
    });

    it('settles with the signature failed when verification itself throws', async () => {
      const { artifact, list } = candidates('e2e-valid-signature');
      const hostile = new Proxy<Record<string, string>>(
        {},
        {
          ownKeys: () => {
            throw new RangeError('boom');
          },
        },
      );
      const outcome = await verifyArtifact({
        ...base(artifact),
        listSignatures: list,
        userMetadata: hostile,
      });
      expect(outcome.verified).toBe(false);
      expect(outcome.signature).toBeUndefined();
      expect(outcome.error?.code).toBe('ENVELOPE_MALFORMED');
      expect(outcome.error?.message).toMatch(/could not be evaluated: RangeError: boom$/);
    });
  });

  describe('when junk is listed before a signature whose thumbprint is trusted', () => {
    it('evaluates that signature first and loads no junk', async () => {
      const { artifact, list } = candidates('e2e-valid-signature');
      const { many, loads } = junkCandidates(20);
      const [good] = await list();
      const outcome = await verifyArtifact({
        ...base(artifact),
        listSignatures: () =>
          Promise.resolve([...many(), { ...good!, thumbprints: [E2E_THUMBPRINT.toUpperCase()] }]),
        maxSignatures: 10,
      });
      expect(outcome.error).toBeUndefined();
      expect(outcome.verified).toBe(true);
      expect(loads()).toBe(0);
    });

    it('evaluates the others, in the registry order, when every trusted-thumbprint one fails', async () => {
      const { artifact, list } = candidates('e2e-valid-signature');
      const { many, loads } = junkCandidates(3);
      const [good] = await list();
      const outcome = await verifyArtifact({
        ...base(artifact),
        listSignatures: () =>
          Promise.resolve([
            { ...good!, thumbprints: [] },
            ...many().map((c) => ({ ...c, thumbprints: [E2E_THUMBPRINT] })),
          ]),
        concurrency: 1,
      });
      expect(outcome.verified).toBe(true);
      expect(loads()).toBe(3);
      expect(outcome.failures).toHaveLength(3);
    });
  });

  describe('when junk copies a trusted thumbprint', () => {
    it('evaluates no more than maxSignatures in all', async () => {
      const { artifact, list } = candidates('e2e-valid-signature');
      const { many, loads } = junkCandidates(50);
      const outcome = await verifyArtifact({
        ...base(artifact),
        listSignatures: async () => [
          ...many().map((c) => ({ ...c, thumbprints: [E2E_THUMBPRINT] })),
          ...(await list()),
        ],
        maxSignatures: 5,
      });
      expect(outcome.error?.code).toBe('MAX_SIGNATURES_EXCEEDED');
      expect(loads()).toBe(5);
    });

    it('evaluates DEFAULT_MAX_SIGNATURES by default', async () => {
      const { artifact } = readLayout('notation-e2e/e2e-valid-signature');
      const { many, loads } = junkCandidates(100);
      const outcome = await verifyArtifact({
        ...base(artifact),
        listSignatures: () => Promise.resolve(many()),
      });
      expect(outcome.error?.code).toBe('MAX_SIGNATURES_EXCEEDED');
      expect(loads()).toBe(DEFAULT_MAX_SIGNATURES);
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
