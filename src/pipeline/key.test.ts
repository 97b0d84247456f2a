import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { MAX_HASHED, verdictKey } from './key.js';

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

  describe('when a key was hashed before (remembered)', () => {
    it('returns the SHA-256 of the whole key, not a remembered hash of another revision or policy', () => {
      const sha = (s: string) => createHash('sha256').update(s).digest('base64url');
      const parts = ['rev-1', 'prod', 'registry.example.com/apps/x'];
      const first = verdictKey(DIGEST, ...parts);
      expect(verdictKey(DIGEST, ...parts)).toBe(first);
      expect(first).toBe(sha(`${DIGEST}@${JSON.stringify(parts)}`));
      expect(verdictKey(DIGEST, 'rev-2', 'prod', 'registry.example.com/apps/x')).not.toBe(first);
      expect(verdictKey(DIGEST, 'rev-1', 'staging', 'registry.example.com/apps/x')).not.toBe(first);
      expect(verdictKey(`sha256:${'b'.repeat(64)}`, ...parts)).not.toBe(first);
    });
  });

  describe('when more keys than MAX_HASHED are asked for (decision 10)', () => {
    it('returns the same key for an early one after it was dropped', () => {
      const early = verdictKey(DIGEST, 'rev', 'early', 'r.io/a');
      for (let i = 0; i <= MAX_HASHED; i++) verdictKey(DIGEST, 'rev', `s${i}`, 'r.io/a');
      expect(verdictKey(DIGEST, 'rev', 'early', 'r.io/a')).toBe(early);
    });
  });
});
