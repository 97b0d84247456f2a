import { describe, expect, it } from 'vitest';
import { workloadImages } from './workload-images.js';

const spec = {
  serviceAccountName: 'builder',
  imagePullSecrets: [{ name: 'regcred' }],
  initContainers: [{ name: 'i', image: 'r.example/init:1' }],
  containers: [
    { name: 'a', image: 'r.example/app:1' },
    { name: 'b', image: 'r.example/app:1' },
    { name: 'c' },
  ],
};

describe('workloadImages', () => {
  describe('when given a CronJob', () => {
    it('returns each distinct image with every field path, and the pull identity', () => {
      const cron = { spec: { jobTemplate: { spec: { template: { spec } } } } };
      expect(workloadImages('CronJob', cron)).toEqual({
        images: [
          {
            image: 'r.example/init:1',
            fieldPaths: ['spec.jobTemplate.spec.template.spec.initContainers[0].image'],
          },
          {
            image: 'r.example/app:1',
            fieldPaths: [
              'spec.jobTemplate.spec.template.spec.containers[0].image',
              'spec.jobTemplate.spec.template.spec.containers[1].image',
            ],
          },
        ],
        pull: { imagePullSecrets: [{ name: 'regcred' }], serviceAccountName: 'builder' },
      });
    });
  });

  describe('when the object has no pod spec where its kind keeps one', () => {
    it('returns no images', () => {
      expect(workloadImages('Deployment', { spec: {} })).toEqual({ images: [], pull: {} });
    });
  });

  describe('when a Pod names more images than the bound', () => {
    it('keeps the first maxImages', () => {
      const containers = Array.from({ length: 10 }, (_, i) => ({
        name: `c${i}`,
        image: `r.example/a:${i}`,
      }));
      expect(workloadImages('Pod', { spec: { containers } }, 3).images).toHaveLength(3);
    });
  });
});
