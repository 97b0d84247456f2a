import { describe, expect, it } from 'vitest';
import { nextLink } from './referrers.js';

const page = new URL('https://reg.io/v2/app/referrers/sha256:x?artifactType=a');

describe('nextLink', () => {
  describe('when the Link header has a next relation', () => {
    it.each([
      [
        '</v2/app/referrers/sha256:x?last=b>; rel="next"',
        'https://reg.io/v2/app/referrers/sha256:x?last=b',
      ],
      ['<?n=2>;rel=next', 'https://reg.io/v2/app/referrers/sha256:x?n=2'],
      ['<https://reg.io/p1>; rel="prev", <https://other.io/p3>; rel="next"', 'https://other.io/p3'],
      ['<https://reg.io/p2>; rel="last next"', 'https://reg.io/p2'],
    ])('resolves %s against the page', (header, expected) => {
      expect(nextLink(header, page)?.href).toBe(expected);
    });
  });

  describe('when there is no next relation', () => {
    it.each([[undefined], ['<https://reg.io/p1>; rel="prev"'], ['garbage']])(
      'returns undefined for %j',
      (header) => {
        expect(nextLink(header, page)).toBeUndefined();
      },
    );
  });
});
