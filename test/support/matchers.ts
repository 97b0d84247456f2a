import { expect } from 'vitest';
import type { VerificationErrorCode } from '../../src/verify/errors.js';

/** Matches a thrown VerificationError of the integrity stage with this code. */
export function integrityError(code: VerificationErrorCode): Error {
  // An asymmetric matcher, typed for toThrow().
  return expect.objectContaining({ name: 'VerificationError', code, stage: 'integrity' }) as Error;
}
