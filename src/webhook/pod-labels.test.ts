import { describe, expect, it } from 'vitest';
import { podLabelsOf } from './pod-labels.js';

const kind = (k: string) => ({ group: '', version: 'v1', kind: k });

describe('podLabelsOf', () => {
  describe('when the object is a Pod or carries a pod template', () => {
    it.each([
      ['Pod', { metadata: { labels: { app: 'web' } } }],
      ['Deployment', { spec: { template: { metadata: { labels: { app: 'web' } } } } }],
      [
        'CronJob',
        { spec: { jobTemplate: { spec: { template: { metadata: { labels: { app: 'web' } } } } } } },
      ],
      ['PodTemplate', { template: { metadata: { labels: { app: 'web' } } } }],
    ])('returns the labels of the %s', (k, object) => {
      expect(podLabelsOf({ kind: kind(k), object })).toEqual({ app: 'web' });
    });
  });

  describe('when the object has no labels', () => {
    it('returns none', () => {
      expect(podLabelsOf({ kind: kind('Pod'), object: { metadata: {} } })).toEqual({});
      expect(podLabelsOf({ kind: kind('Deployment'), object: { spec: { template: {} } } })).toEqual(
        {},
      );
    });
  });

  describe('when the labels cannot be read', () => {
    it('returns undefined: unknown, which no exception covers (not even a DoesNotExist selector)', () => {
      expect(
        podLabelsOf({ kind: kind('Service'), object: { metadata: { labels: { a: 'b' } } } }),
      ).toBeUndefined();
      expect(
        podLabelsOf({ kind: kind('Pod'), object: { metadata: { labels: ['x'] } } }),
      ).toBeUndefined();
      expect(podLabelsOf({ kind: kind('Deployment'), object: { spec: 'x' } })).toBeUndefined();
    });

    it('keeps the string-valued labels only', () => {
      expect(
        podLabelsOf({ kind: kind('Pod'), object: { metadata: { labels: { a: 1, b: 'c' } } } }),
      ).toEqual({ b: 'c' });
    });
  });
});
