import { describe, expect, it } from 'vitest';
import { parseServeArgs } from './args.js';

const K8S = ['--policy-source', 'kubernetes', '--kubeconfig', '/k', '--trust-namespace', 'trust'];

describe('parseServeArgs --max-exception-duration (issue 17)', () => {
  describe('when it is not given', () => {
    it('returns 24 h', () => {
      expect(parseServeArgs(K8S, {})).toMatchObject({ maxExceptionMs: 86_400_000 });
    });
  });

  describe('when it is given', () => {
    it('returns it, from a flag or the environment', () => {
      expect(parseServeArgs([...K8S, '--max-exception-duration=90m'], {})).toMatchObject({
        maxExceptionMs: 5_400_000,
      });
      const env = { NOTARY_ADMISSION_MAX_EXCEPTION_DURATION: '2h' };
      expect(parseServeArgs(K8S, env)).toMatchObject({ maxExceptionMs: 7_200_000 });
    });

    it.each([
      ['--max-exception-duration=30s', 'must be at least 60000 ms'],
      ['--max-exception-duration=9000h', 'longer than 366 days'],
    ])('throws for %s', (flag, message) => {
      expect(() => parseServeArgs([...K8S, flag], {})).toThrow(message);
    });

    it('throws with the file source (it has no exceptions)', () => {
      expect(() =>
        parseServeArgs(
          ['--trust-policy', '/p', '--trust-store', '/s', '--max-exception-duration=1h'],
          {},
        ),
      ).toThrow('applies to --policy-source kubernetes');
    });
  });
});
