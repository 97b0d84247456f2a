import { describe, expect, it } from 'vitest';
import { RegistryError, registryErrorKind, type RegistryErrorCode } from './errors.js';
import { statusError } from './status.js';
import type { HttpResponse } from './transport.js';

const answer = (status: number, body = ''): HttpResponse => ({
  status,
  headers: {},
  body: new Uint8Array(Buffer.from(body)),
  url: new URL('https://reg.io/v2/app/manifests/x'),
});

describe('registryErrorKind', () => {
  describe('when the registry could not be asked', () => {
    it.each<RegistryErrorCode>(['NETWORK', 'TIMEOUT', 'RATE_LIMITED', 'UNAUTHORIZED', 'DENIED'])(
      'returns availability for %s',
      (code) => {
        expect(registryErrorKind(code)).toBe('availability');
      },
    );

    it.each([500, 502, 503, 429])('returns availability for any code with HTTP %i', (status) => {
      expect(registryErrorKind('PROTOCOL', status)).toBe('availability');
    });
  });

  describe('when our own address rules refuse to ask', () => {
    it('returns refused for NOT_ALLOWED, whatever the status', () => {
      expect(registryErrorKind('NOT_ALLOWED')).toBe('refused');
      expect(new RegistryError('NOT_ALLOWED', 'x').kind).toBe('refused');
    });
  });

  describe('when the registry answered with something that is not valid', () => {
    it.each<RegistryErrorCode>([
      'NAME_UNKNOWN',
      'MANIFEST_UNKNOWN',
      'BLOB_UNKNOWN',
      'DIGEST_MISMATCH',
      'TOO_LARGE',
      'PROTOCOL',
      'INVALID_REFERENCE',
    ])('returns content for %s', (code) => {
      expect(registryErrorKind(code)).toBe('content');
      expect(new RegistryError(code, 'x').kind).toBe('content');
    });
  });
});

describe('statusError', () => {
  describe('when the registry answers a status', () => {
    it.each([
      [401, 'UNAUTHORIZED', 'availability'],
      [403, 'DENIED', 'availability'],
      [404, 'MANIFEST_UNKNOWN', 'content'],
      [429, 'RATE_LIMITED', 'availability'],
      [503, 'NETWORK', 'availability'],
      [400, 'PROTOCOL', 'content'],
    ])('returns HTTP %i as %s of kind %s', (status, code, kind) => {
      const err = statusError(answer(status), 'manifest app:x', 'MANIFEST_UNKNOWN');
      expect([err.code, err.kind, err.status]).toEqual([code, kind, status]);
    });

    it('returns a 404 naming an unknown repository as NAME_UNKNOWN of kind content', () => {
      const body = JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN' }] });
      const err = statusError(answer(404, body), 'manifest app:x', 'MANIFEST_UNKNOWN');
      expect([err.code, err.kind]).toEqual(['NAME_UNKNOWN', 'content']);
    });
  });
});
