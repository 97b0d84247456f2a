import { describe, expect, it } from 'vitest';
import { digestOf, verifyContent } from './digest.js';

const bytes = Buffer.from('hello');
const digest = 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';

describe('verifyContent', () => {
  it('accepts bytes that match digest and size', () => {
    expect(digestOf(bytes)).toBe(digest);
    expect(() => verifyContent({ digest, size: 5 }, bytes, 'x')).not.toThrow();
    expect(() => verifyContent({ digest: digestOf(bytes, 'sha512') }, bytes, 'x')).not.toThrow();
  });

  it.each([
    [{ digest, size: 6 }, 'DIGEST_MISMATCH'],
    [{ digest: digestOf(Buffer.from('other')) }, 'DIGEST_MISMATCH'],
    [{ digest: 'md5:abc' }, 'PROTOCOL'],
  ])('C-13 T-24 throws for %j', (expected, code) => {
    expect(() => verifyContent(expected, bytes, 'x')).toThrow(
      expect.objectContaining({ code }) as Error,
    );
  });
});
