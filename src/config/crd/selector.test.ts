import { describe, expect, it } from 'vitest';
import { compileSelector, isLabelValue, isQualifiedName, type Labels } from './selector.js';

const PROD: Labels = { 'kubernetes.io/metadata.name': 'prod', env: 'prod', tier: 'web' };
const DEV: Labels = { 'kubernetes.io/metadata.name': 'dev', env: 'dev' };
const BARE: Labels = { 'kubernetes.io/metadata.name': 'bare' };

function matcher(selector: unknown) {
  const result = compileSelector(selector);
  if (!result.ok) throw new Error(result.message);
  return result;
}

const matching = (selector: unknown) =>
  Object.entries({ PROD, DEV, BARE })
    .filter(([, labels]) => matcher(selector).matches(labels))
    .map(([name]) => name);

describe('compileSelector', () => {
  describe('when the selector is absent or empty', () => {
    it('returns an empty selector that matches every namespace', () => {
      for (const selector of [undefined, null, {}, { matchLabels: {}, matchExpressions: [] }]) {
        expect(matcher(selector).empty).toBe(true);
        expect(matching(selector)).toEqual(['PROD', 'DEV', 'BARE']);
      }
    });
  });

  describe('when it has matchLabels', () => {
    it('returns a selector requiring every label with its value', () => {
      expect(matcher({ matchLabels: { env: 'prod' } }).empty).toBe(false);
      expect(matching({ matchLabels: { env: 'prod' } })).toEqual(['PROD']);
      expect(matching({ matchLabels: { env: 'prod', tier: 'api' } })).toEqual([]);
      expect(matching({ matchLabels: { 'kubernetes.io/metadata.name': 'dev' } })).toEqual(['DEV']);
    });

    it('returns a selector that does not match an empty value against a missing label', () => {
      expect(matching({ matchLabels: { tier: '' } })).toEqual([]);
    });
  });

  describe('when it has matchExpressions', () => {
    it('returns In: the label present with one of the values', () => {
      const selector = {
        matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'qa'] }],
      };
      expect(matching(selector)).toEqual(['PROD']);
    });

    it('returns NotIn: the label missing or with another value', () => {
      const selector = { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] };
      expect(matching(selector)).toEqual(['DEV', 'BARE']);
    });

    it('returns Exists and DoesNotExist: presence only', () => {
      expect(matching({ matchExpressions: [{ key: 'env', operator: 'Exists' }] })).toEqual([
        'PROD',
        'DEV',
      ]);
      expect(matching({ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] })).toEqual([
        'BARE',
      ]);
    });

    it('returns the AND of matchLabels and every expression', () => {
      const selector = {
        matchLabels: { env: 'prod' },
        matchExpressions: [
          { key: 'tier', operator: 'Exists' },
          { key: 'tier', operator: 'NotIn', values: ['api'] },
        ],
      };
      expect(matching(selector)).toEqual(['PROD']);
      expect(
        matching({
          ...selector,
          matchExpressions: [{ key: 'tier', operator: 'In', values: ['api'] }],
        }),
      ).toEqual([]);
    });
  });

  describe('when it is invalid', () => {
    const cases: [string, unknown, string][] = [
      ['not an object', 'env=prod', 'spec.namespaceSelector: must be a label selector object'],
      [
        'an unknown member',
        { matchlabels: { env: 'prod' } },
        'spec.namespaceSelector.matchlabels: unknown member',
      ],
      [
        'a bad key',
        { matchLabels: { 'bad key': 'x' } },
        'spec.namespaceSelector.matchLabels: "bad key" is not a valid label key',
      ],
      [
        'a bad value',
        { matchLabels: { env: 'a b' } },
        'spec.namespaceSelector.matchLabels.env: "a b" is not a valid label value',
      ],
      [
        'an unknown operator',
        { matchExpressions: [{ key: 'env', operator: 'Equals', values: ['x'] }] },
        'spec.namespaceSelector.matchExpressions[0].operator: "Equals" is not one of In, NotIn, Exists, DoesNotExist',
      ],
      [
        'In without values',
        { matchExpressions: [{ key: 'env', operator: 'In', values: [] }] },
        'spec.namespaceSelector.matchExpressions[0].values: must be non-empty for operator In',
      ],
      [
        'Exists with values',
        { matchExpressions: [{ key: 'env', operator: 'Exists', values: ['x'] }] },
        'spec.namespaceSelector.matchExpressions[0].values: must be empty for operator Exists',
      ],
      [
        'a value that is not a string',
        { matchExpressions: [{ key: 'env', operator: 'In', values: [1] }] },
        'spec.namespaceSelector.matchExpressions[0].values[0]: 1 is not a valid label value',
      ],
    ];
    it.each(cases)('returns not ok for %s, naming the field', (_, selector, message) => {
      expect(compileSelector(selector)).toEqual({ ok: false, message });
    });
  });
});

describe('isQualifiedName', () => {
  it('returns true for names and prefixed names as Kubernetes accepts them', () => {
    expect(isQualifiedName('env')).toBe(true);
    expect(isQualifiedName('kubernetes.io/metadata.name')).toBe(true);
    expect(isQualifiedName('A_b.c-D')).toBe(true);
  });

  it('returns false for empty parts, bad characters, two slashes and long names', () => {
    for (const key of ['', '/env', 'Example.com/env', 'a/b/c', '-env', 'env-', 'x'.repeat(64)])
      expect(isQualifiedName(key)).toBe(false);
  });
});

describe('isLabelValue', () => {
  it('returns true for empty and ≤ 63 name characters, false otherwise', () => {
    expect(isLabelValue('')).toBe(true);
    expect(isLabelValue('v1.2_a-b')).toBe(true);
    expect(isLabelValue('x'.repeat(64))).toBe(false);
    expect(isLabelValue('a/b')).toBe(false);
  });
});
