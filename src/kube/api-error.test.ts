import { describe, expect, it } from 'vitest';
import { describeApiError, httpStatus } from './api-error.js';

class FakeApiException extends Error {
  code: number;
  body: unknown;
  constructor(code: number, body: unknown) {
    super(`HTTP-Code: ${code}\nMessage: x\nBody: ...\nHeaders: {"authorization":"Bearer secret"}`);
    this.code = code;
    this.body = body;
  }
}

describe('describeApiError', () => {
  describe('when the API server answered with a Status', () => {
    it('returns the status and its message, never the headers', () => {
      const err = new FakeApiException(404, {
        kind: 'Status',
        message: 'the server could not find the requested resource',
      });
      expect(describeApiError(err)).toBe(
        'HTTP 404: the server could not find the requested resource',
      );
    });

    it('returns the message of a Status given as JSON text', () => {
      const err = new FakeApiException(403, JSON.stringify({ message: 'forbidden: nope' }));
      expect(describeApiError(err)).toBe('HTTP 403: forbidden: nope');
    });
  });

  describe('when the body says nothing', () => {
    it('returns a hint for the status', () => {
      expect(describeApiError(new FakeApiException(401, undefined))).toBe(
        'HTTP 401: the credentials were refused',
      );
      expect(describeApiError(Object.assign(new Error('Not Found'), { statusCode: 404 }))).toBe(
        'HTTP 404: not found (is the CRD installed?)',
      );
    });
  });

  describe('when there was no answer', () => {
    it('returns the first line of the error', () => {
      expect(describeApiError(new Error('connect ECONNREFUSED 127.0.0.1:1\nmore'))).toBe(
        'connect ECONNREFUSED 127.0.0.1:1',
      );
      expect(httpStatus(new Error('x'))).toBeUndefined();
    });
  });
});
