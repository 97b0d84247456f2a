import { describe, expect, it } from 'vitest';
import type { Outcome } from '../cache/index.js';
import { joinClauses, withReferrersVerdict, type ReferrerOutcome } from './referrer-verdict.js';
import { CLEAN_VERDICT, type CachedVerdict } from './verdict.js';

const SPDX = { artifactType: 'application/spdx+json', signer: 'org' };
const passed = (until?: number): ReferrerOutcome => ({
  requirement: SPDX,
  verified: true,
  passed: {
    digest: 'sha256:1',
    signature: 'sha256:2',
    ...(until !== undefined && { validUntil: new Date(until) }),
  },
  failures: [],
});
const missing: ReferrerOutcome = {
  requirement: SPDX,
  verified: false,
  failures: [],
  code: 'REFERRER_NOT_FOUND',
  reason: 'referrer application/spdx+json signed by org: the image has no referrer',
};
const verified = (validUntil: number): Outcome<CachedVerdict> => ({
  kind: 'verified',
  verdict: CLEAN_VERDICT,
  validUntil,
});
const failure = (kind: 'failed' | 'inconclusive', code: string): Outcome<CachedVerdict> => ({
  kind,
  verdict: { result: kind, code, reason: `org: ${code.toLowerCase()}` },
});

describe('withReferrersVerdict', () => {
  describe('when the signatures and every referrer hold', () => {
    it('returns verified until the earliest expiry of all they relied on', () => {
      expect(withReferrersVerdict(verified(5_000), [passed(3_000), passed()])).toEqual(
        verified(3_000),
      );
      expect(withReferrersVerdict(verified(2_000), [passed(3_000)])).toEqual(verified(2_000));
    });
  });

  describe('when the signatures hold and a referrer does not', () => {
    it('returns failed with the referrer’s clause and code', () => {
      expect(withReferrersVerdict(verified(5_000), [missing])).toEqual({
        kind: 'failed',
        verdict: { result: 'failed', code: 'REFERRER_NOT_FOUND', reason: missing.reason },
      });
    });
  });

  describe('when both fail', () => {
    it('returns failed naming each piece, the last code the verdict’s', () => {
      const v = withReferrersVerdict(failure('failed', 'SIGNATURE_NOT_FOUND'), [missing]);
      expect(v).toEqual({
        kind: 'failed',
        verdict: {
          result: 'failed',
          code: 'REFERRER_NOT_FOUND',
          reason: `org: signature_not_found [SIGNATURE_NOT_FOUND]; ${missing.reason}`,
        },
      });
    });
  });

  describe('when the signatures could not be had but a referrer definitively failed', () => {
    it('returns failed (never left to onError)', () => {
      expect(withReferrersVerdict(failure('inconclusive', 'NETWORK'), [missing]).kind).toBe(
        'failed',
      );
    });

    it('returns the inconclusive verdict when the referrers held', () => {
      const v = failure('inconclusive', 'NETWORK');
      expect(withReferrersVerdict(v, [passed()])).toBe(v);
    });
  });
});

describe('joinClauses', () => {
  it('returns the last code and every other clause with its own', () => {
    expect(
      joinClauses([
        { code: 'A', reason: 'first' },
        { code: 'B', reason: 'second' },
      ]),
    ).toEqual({ code: 'B', reason: 'first [A]; second' });
  });
});
