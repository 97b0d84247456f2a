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

  describe('when the labels cannot be read', () => {
    it('returns none (a non-empty selector then covers nothing)', () => {
      expect(
        podLabelsOf({ kind: kind('Service'), object: { metadata: { labels: { a: 'b' } } } }),
      ).toEqual({});
      expect(podLabelsOf({ kind: kind('Pod'), object: { metadata: { labels: ['x'] } } })).toEqual(
        {},
      );
      expect(
        podLabelsOf({ kind: kind('Pod'), object: { metadata: { labels: { a: 1, b: 'c' } } } }),
      ).toEqual({
        b: 'c',
      });
    });
  });
});
