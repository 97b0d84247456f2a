import { beforeAll, describe, expect, it } from 'vitest';
import { makeChain, type Chain } from '../../test/support/certs.js';
import { signJws } from '../../test/support/envelopes.js';
import { vectorText } from '../../test/support/vectors.js';
import { parseReference, RegistryError, type RegistryClient } from '../registry/index.js';
import {
  createTrustStore,
  DEFAULT_MAX_SIGNATURES,
  parseTrustPolicyDocument,
  type Descriptor,
  type TrustStores,
} from '../verify/index.js';
import { CLEAN_VERDICT } from './verdict.js';
import { verifyImageOnce, type VerifyOnceOptions } from './verify-once.js';

const DIGEST = `sha256:${'c'.repeat(64)}`;
const SIGNATURE = `sha256:${'d'.repeat(64)}`;
const strict = (stores: string[]) =>
  parseTrustPolicyDocument({
    version: '1.0',
    trustPolicies: [
      {
        name: 'prod',
        registryScopes: ['*'],
        signatureVerification: { level: 'strict' },
        trustStores: stores,
        trustedIdentities: ['*'],
      },
    ],
  });
const document = strict(['ca:e2e']);
const trustStores = new Map([
  [
    'ca:e2e',
    createTrustStore({
      type: 'ca',
      name: 'e2e',
      certificates: [vectorText('certs/notation-e2e/localkeys/e2e.crt')],
    }),
  ],
]);

type Registry = Pick<RegistryClient, 'signatureCandidates'>;

/** A registry whose one signature rejects `load()` with `err`, or whose listing does. */
function registryFailing(err: Error, at: 'load' | 'list'): Registry {
  return {
    signatureCandidates: () =>
      at === 'list'
        ? Promise.reject(err)
        : Promise.resolve([
            { digest: SIGNATURE, descriptor: {} as never, load: () => Promise.reject(err) },
          ]),
  };
}

const options = (registry: Registry, more: Partial<VerifyOnceOptions> = {}): VerifyOnceOptions => ({
  registry,
  ref: parseReference(`registry.example/app@${DIGEST}`),
  artifact: DIGEST,
  document,
  trustStores,
  signal: new AbortController().signal,
  deadline: Date.now() + 10_000,
  now: Date.now,
  ...more,
});

/** The classified verdict alone, as the cache sees it. */
const run = async (registry: Registry) => (await verifyImageOnce(options(registry))).verdict;

describe('verifyImageOnce', () => {
  describe('when the registry answered a signature with junk', () => {
    it('returns a failed verdict (cached briefly), never inconclusive', async () => {
      const junk = new RegistryError('PROTOCOL', 'signature manifest has 2 layers');
      const outcome = await run(registryFailing(junk, 'load'));
      expect(outcome.kind).toBe('failed');
      expect(outcome.verdict).toMatchObject({ code: 'SIGNATURE_ARTIFACT_INVALID' });
    });

    it('returns a failed verdict for a listed manifest the registry answers 404 for', async () => {
      const gone = new RegistryError('MANIFEST_UNKNOWN', 'no manifest (404)', { status: 404 });
      expect((await run(registryFailing(gone, 'load'))).kind).toBe('failed');
    });

    it('returns a failed verdict for a listing over the page cap', async () => {
      const pages = new RegistryError('TOO_LARGE', 'lists referrers over more than 10 pages');
      const outcome = await run(registryFailing(pages, 'list'));
      expect(outcome.kind).toBe('failed');
      expect(outcome.verdict).toMatchObject({ code: 'SIGNATURE_LIST_INVALID' });
    });
  });

  describe('when the registry could not be asked', () => {
    it.each([
      new RegistryError('TIMEOUT', 'registry timeout'),
      new RegistryError('NETWORK', 'registry unavailable: 503', { status: 503 }),
      new RegistryError('RATE_LIMITED', 'rate limited', { status: 429 }),
      new RegistryError('UNAUTHORIZED', 'refused the credentials', { status: 401 }),
    ])('returns an inconclusive verdict (never cached) for $code', async (err) => {
      for (const at of ['load', 'list'] as const) {
        const outcome = await run(registryFailing(err, at));
        expect(outcome).toMatchObject({ kind: 'inconclusive', verdict: { code: err.code } });
      }
    });

    it('returns why the registry stopped it instead of the verifier’s account', async () => {
      const err = new RegistryError('NETWORK', 'registry unavailable: 503', { status: 503 });
      const result = await verifyImageOnce(options(registryFailing(err, 'list')));
      expect(result).not.toHaveProperty('outcome');
      expect(result).toMatchObject({
        stopped: { result: 'inconclusive', code: 'NETWORK', reason: err.message },
      });
    });
  });

  describe('when our own address rules refused the listing', () => {
    it('returns a failed verdict with its code, never inconclusive', async () => {
      const refused = new RegistryError('NOT_ALLOWED', 'registry.example resolves to 10.0.0.1');
      const outcome = await run(registryFailing(refused, 'list'));
      expect(outcome).toMatchObject({ kind: 'failed', verdict: { code: 'NOT_ALLOWED' } });
    });
  });

  describe('when loading a signature throws unexpectedly (item 9)', () => {
    it('settles as a failed verdict: not verified, never inconclusive', async () => {
      const outcome = await run(registryFailing(new TypeError('x is undefined'), 'load'));
      expect(outcome.kind).toBe('failed');
      expect(outcome.verdict).toMatchObject({ result: 'failed' });
    });
  });

  describe('when signatures are evaluated', () => {
    let chain: Chain;
    let stores: TrustStores;
    const artifact: Descriptor = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: DIGEST,
      size: 500,
    };
    beforeAll(async () => {
      chain = await makeChain({ key: 'ec-p256', levels: 2 });
      stores = new Map([
        ['ca:acme', createTrustStore({ type: 'ca', name: 'acme', certificates: [chain.root.pem] })],
      ]);
    });

    /** `count` signatures; the one at `good` (if any) is signed by the trusted chain. */
    function registryWith(count: number, good?: number) {
      const seen = { loads: 0, credentials: [] as unknown[] };
      const registry: Registry = {
        signatureCandidates: (_ref, _artifact, call = {}) => {
          seen.credentials.push(call.credentials);
          return Promise.resolve(
            Array.from({ length: count }, (_, i) => ({
              digest: `sha256:${i.toString(16).padStart(64, '0')}`,
              descriptor: {} as never,
              load: () => {
                seen.loads++;
                if (i !== good) return Promise.reject(new RegistryError('PROTOCOL', 'junk'));
                const bytes = signJws({
                  chain: chain.certs,
                  payload: artifact,
                  signingTime: new Date(),
                });
                return Promise.resolve({
                  mediaType: 'application/jose+json',
                  bytes,
                  subject: artifact,
                });
              },
            })),
          );
        },
      };
      return { registry, seen };
    }

    const verify = (registry: Registry, more: Partial<VerifyOnceOptions> = {}) =>
      verifyImageOnce(
        options(registry, {
          artifact,
          document: strict(['ca:acme']),
          trustStores: stores,
          ...more,
        }),
      );

    it('returns which signature passed and the one shared clean verdict', async () => {
      const { registry } = registryWith(2, 1);
      const result = await verify(registry);
      const { verdict } = result;
      const outcome = 'outcome' in result ? result.outcome : undefined;
      expect(outcome?.signature?.digest).toBe(`sha256:${'1'.padStart(64, '0')}`);
      expect(outcome?.policy?.name).toBe('prod');
      expect(verdict.kind).toBe('verified');
      expect(verdict.verdict).toBe(CLEAN_VERDICT);
    });

    it('returns failed with every candidate failure when none passed', async () => {
      const { registry } = registryWith(3);
      const result = await verify(registry);
      const { verdict } = result;
      const outcome = 'outcome' in result ? result.outcome : undefined;
      expect(outcome?.failures.map((f) => f.error.code)).toEqual(
        Array(3).fill('SIGNATURE_ARTIFACT_INVALID'),
      );
      expect(verdict).toMatchObject({
        kind: 'failed',
        verdict: { code: 'SIGNATURE_ARTIFACT_INVALID' },
      });
    });

    it('returns MAX_SIGNATURES_EXCEEDED past the default cap, having loaded only the cap', async () => {
      const { registry, seen } = registryWith(DEFAULT_MAX_SIGNATURES + 5);
      const { verdict } = await verify(registry);
      expect(verdict.verdict).toMatchObject({ code: 'MAX_SIGNATURES_EXCEEDED' });
      expect(seen.loads).toBe(DEFAULT_MAX_SIGNATURES);
    });

    it('returns MAX_SIGNATURES_EXCEEDED past the given cap, having loaded only that many', async () => {
      const { registry, seen } = registryWith(5, 4);
      const { verdict } = await verify(registry, { maxSignatures: 3 });
      expect(verdict.verdict).toMatchObject({ code: 'MAX_SIGNATURES_EXCEEDED' });
      expect(seen.loads).toBe(3);
    });

    it('returns METADATA_MISMATCH when required user metadata is absent', async () => {
      const { registry } = registryWith(1, 0);
      const { verdict } = await verify(registry, { userMetadata: { buildId: '42' } });
      expect(verdict).toMatchObject({ kind: 'failed', verdict: { code: 'METADATA_MISMATCH' } });
    });

    it('passes the caller’s credentials to the signature listing', async () => {
      const { registry, seen } = registryWith(1, 0);
      const credentials = () => undefined;
      await verify(registry, { credentials });
      await verify(registry);
      expect(seen.credentials).toEqual([credentials, undefined]);
    });
  });
});
