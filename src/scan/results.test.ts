import { describe, expect, it } from 'vitest';
import type { ImageVerdict } from '../pipeline/index.js';
import { judged } from './results.js';

const image = { image: 'r.example/app@sha256:1' };
const admission = (action: 'Deny' | 'Warn' | 'Audit') => ({
  policy: 'prod',
  action,
  onError: 'Deny' as const,
});

describe('judged', () => {
  it.each([
    [
      { kind: 'verified', image, digest: 'sha256:1', admission: admission('Deny'), logged: [] },
      'pass',
    ],
    [{ kind: 'skipped', image, admission: admission('Deny') }, 'skip'],
    [
      {
        kind: 'failed',
        image,
        admission: admission('Deny'),
        code: 'CERT_REVOKED',
        reason: 'revoked',
      },
      'fail',
    ],
    [
      {
        kind: 'failed',
        image,
        admission: admission('Warn'),
        code: 'CERT_REVOKED',
        reason: 'revoked',
      },
      'warn',
    ],
    [
      {
        kind: 'failed',
        image,
        admission: admission('Audit'),
        code: 'CERT_REVOKED',
        reason: 'revoked',
      },
      'warn',
    ],
    [
      {
        kind: 'inconclusive',
        image,
        admission: admission('Deny'),
        code: 'TIMEOUT',
        reason: 'slow',
      },
      'error',
    ],
  ] as [ImageVerdict, string][])('returns %# as %s', (verdict, result) => {
    const j = judged(verdict);
    expect(j.result).toBe(result);
    expect(j.policy).toBe('prod');
    if ('code' in verdict) expect(j.message).toMatch(new RegExp(`\\[${verdict.code}\\]$`));
  });
});
