import { describe, expect, it } from 'vitest';
import { cacheKey } from './cache-key.js';

const DIGEST = 'sha256:3f1c0ad1d7a3c6b5f6e1a7f2a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7';

describe('cacheKey', () => {
  describe('when given a digest and a revision', () => {
    it('returns a key that differs for each pair', () => {
      expect(cacheKey(DIGEST, 'rev1')).toBe(`${DIGEST}@rev1`);
      expect(cacheKey(DIGEST, 'rev1')).not.toBe(cacheKey(DIGEST, 'rev2'));
    });
  });

  describe('when the digest is not a digest', () => {
    it.each(['ghcr.io/acme/api:1.4', 'latest', '', 'sha256:', 'sha256:ab@x', 'SHA256:ab'])(
      'throws a TypeError for "%s" (a tag must never be a key)',
      (digest) => {
        expect(() => cacheKey(digest, 'rev')).toThrow(TypeError);
      },
    );
  });

  describe('when the revision is empty', () => {
    it('throws a TypeError', () => {
      expect(() => cacheKey(DIGEST, '')).toThrow('policy revision');
    });
  });
});
