import { describe, expect, it } from 'vitest';
import { RegistryError } from '../registry/index.js';
import { VerificationError, type ArtifactOutcome } from '../verify/index.js';
import { CLEAN_VERDICT, classifyRegistryError, loggedFailures, verdictOf } from './verdict.js';

const SIG = `sha256:${'b'.repeat(64)}`;
const expired = new VerificationError('SIGNATURE_EXPIRED', 'expiry', 'the signature expired');
const untrusted = new VerificationError('CERT_CHAIN_UNTRUSTED', 'authenticity', 'not trusted');

const passed = (
  results: NonNullable<ArtifactOutcome['signature']>['results'],
): ArtifactOutcome => ({
  verified: true,
  level: 'permissive',
  signature: { digest: SIG, results, validUntil: new Date(5_000) },
  failures: [],
});

describe('verdictOf', () => {
  describe('when a signature passed with nothing logged', () => {
    it('returns the one shared clean verdict, valid until the signature’s validUntil', () => {
      const outcome = passed([{ type: 'integrity', action: 'enforce' }]);
      expect(verdictOf(outcome)).toEqual({
        kind: 'verified',
        verdict: CLEAN_VERDICT,
        validUntil: 5_000,
      });
      expect(verdictOf(outcome).verdict).toBe(CLEAN_VERDICT);
    });
  });

  describe('when a signature passed with a failure only logged', () => {
    it('returns the logged validation with its code', () => {
      const outcome = passed([
        { type: 'expiry', action: 'log', error: expired },
        { type: 'revocation', action: 'skip' },
      ]);
      expect(verdictOf(outcome).verdict).toEqual({
        result: 'verified',
        logged: ['expiry [SIGNATURE_EXPIRED]'],
      });
      expect(loggedFailures(outcome).map((r) => r.type)).toEqual(['expiry']);
    });
  });

  describe('when no signature passed', () => {
    it('returns a failed verdict with the verifier’s code and message', () => {
      const outcome: ArtifactOutcome = { verified: false, failures: [], error: untrusted };
      expect(verdictOf(outcome)).toEqual({
        kind: 'failed',
        verdict: { result: 'failed', code: 'CERT_CHAIN_UNTRUSTED', reason: 'not trusted' },
      });
    });
  });
});

describe('classifyRegistryError', () => {
  describe('when the registry could not be asked', () => {
    it('returns inconclusive', () => {
      expect(classifyRegistryError(new RegistryError('TIMEOUT', 'timed out'))).toEqual({
        result: 'inconclusive',
        code: 'TIMEOUT',
        reason: 'timed out',
      });
    });
  });

  describe('when the registry answered, or our address rules refused to ask it', () => {
    it.each([
      new RegistryError('MANIFEST_UNKNOWN', 'no manifest (404)', { status: 404 }),
      new RegistryError('NOT_ALLOWED', 'resolves to a private address'),
    ])('returns failed for $code', (err) => {
      expect(classifyRegistryError(err)).toMatchObject({ result: 'failed', code: err.code });
    });
  });

  describe('when the error is not the registry’s', () => {
    it('returns undefined (the caller fails closed)', () => {
      expect(classifyRegistryError(new TypeError('boom'))).toBeUndefined();
    });
  });
});
