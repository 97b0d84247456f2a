import { describe, expect, it } from 'vitest';
import { vectorText } from '../../test/support/vectors.js';
import { parseReference, RegistryError, type RegistryClient } from '../registry/index.js';
import { createTrustStore, parseTrustPolicyDocument } from '../verify/index.js';
import { computeVerdict } from './verdict.js';

const DIGEST = `sha256:${'c'.repeat(64)}`;
const SIGNATURE = `sha256:${'d'.repeat(64)}`;
const document = parseTrustPolicyDocument({
  version: '1.0',
  trustPolicies: [
    {
      name: 'prod',
      registryScopes: ['*'],
      signatureVerification: { level: 'strict' },
      trustStores: ['ca:e2e'],
      trustedIdentities: ['*'],
    },
  ],
});
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

/** A registry whose one signature rejects `load()` with `err`, or whose listing does. */
function registryFailing(
  err: Error,
  at: 'load' | 'list',
): Pick<RegistryClient, 'signatureCandidates'> {
  return {
    signatureCandidates: () =>
      at === 'list'
        ? Promise.reject(err)
        : Promise.resolve([
            { digest: SIGNATURE, descriptor: {} as never, load: () => Promise.reject(err) },
          ]),
  };
}

const run = (registry: Pick<RegistryClient, 'signatureCandidates'>) =>
  computeVerdict({
    registry,
    ref: parseReference(`registry.example/app@${DIGEST}`),
    artifact: DIGEST,
    document,
    trustStores,
    signal: new AbortController().signal,
    deadline: Date.now() + 10_000,
    now: Date.now,
  });

describe('computeVerdict', () => {
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
  });

  describe('when loading a signature throws unexpectedly (item 9)', () => {
    it('settles as a failed verdict: not verified, never inconclusive', async () => {
      const outcome = await run(registryFailing(new TypeError('x is undefined'), 'load'));
      expect(outcome.kind).toBe('failed');
      expect(outcome.verdict).toMatchObject({ result: 'failed' });
    });
  });
});
