import { describe, expect, it } from 'vitest';
import { verdictKey } from './key.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('verdictKey', () => {
  describe('when parts joined with "/" would read the same (statement names may contain "/")', () => {
    it('returns different keys', () => {
      // Both were `rev/team/a/registry.example.com/b` when the parts were joined with `/`.
      const a = verdictKey(DIGEST, 'rev', 'team/a', 'registry.example.com/b');
      const b = verdictKey(DIGEST, 'rev', 'team', 'a/registry.example.com/b');
      expect(a).not.toBe(b);
      expect(verdictKey(DIGEST, 'rev', 'x', 'r.io/a/b')).not.toBe(
        verdictKey(DIGEST, 'rev/x', 'r.io', 'a/b'),
      );
    });
  });

  describe('when given the same parts', () => {
    it('returns the same flat 43-character key', () => {
      const key = verdictKey(DIGEST, 'rev', 'prod', 'registry.example.com/apps/x');
      expect(key).toBe(verdictKey(DIGEST, 'rev', 'prod', 'registry.example.com/apps/x'));
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });
  });

  describe('when the digest is not a digest', () => {
    it('throws a TypeError (a tag must never be a key)', () => {
      expect(() => verdictKey('latest', 'rev', 'prod', 'r.io/a')).toThrow(TypeError);
    });
  });
});
