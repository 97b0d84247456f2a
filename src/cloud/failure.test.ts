import { describe, expect, it } from 'vitest';
import { describeFailure } from './failure.js';

describe('describeFailure', () => {
  it("returns the error's name and message on one line", () => {
    const err = Object.assign(new Error('Token expired:\n  current date/time'), {
      name: 'ExpiredTokenException',
    });
    expect(describeFailure(err)).toBe('ExpiredTokenException: Token expired: current date/time');
  });

  describe('when the message carries a token', () => {
    it('returns it without the token', () => {
      const jwt = `eyJhbGciOiJSUzI1NiJ9.${'eyJzdWIiOiJ4In0'.repeat(2)}.${'c2ln'.repeat(20)}`;
      const text = describeFailure(new Error(`refused ${jwt} and ${'A'.repeat(80)}`));
      expect(text).toBe('refused <token> and <redacted>');
    });
  });
});
