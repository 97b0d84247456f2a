import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { imagesToVerify, pullIdentityOf, type AdmissionTarget } from './images.js';

const podSpec = {
  initContainers: [{ name: 'init', image: 'registry.example/init:1' }],
  containers: [
    { name: 'app', image: 'registry.example/app:1.4' },
    { name: 'sidecar', image: 'registry.example/sidecar@sha256:' + 'a'.repeat(64) },
  ],
};

function request(
  kind: string,
  object: unknown,
  extra: Partial<AdmissionTarget> = {},
): AdmissionTarget {
  const group = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'].includes(kind)
    ? 'apps'
    : kind === 'Job' || kind === 'CronJob'
      ? 'batch'
      : '';
  return { kind: { group, version: 'v1', kind }, operation: 'CREATE', object, ...extra };
}

const template = { spec: podSpec };

describe('imagesToVerify', () => {
  describe('when a Pod is created', () => {
    it('returns every image of every container list with its field path', () => {
      expect(imagesToVerify(request('Pod', { spec: podSpec }))).toEqual({
        images: [
          { fieldPath: 'spec.initContainers[0].image', image: 'registry.example/init:1' },
          { fieldPath: 'spec.containers[0].image', image: 'registry.example/app:1.4' },
          {
            fieldPath: 'spec.containers[1].image',
            image: `registry.example/sidecar@sha256:${'a'.repeat(64)}`,
          },
        ],
        problems: [],
      });
    });
  });

  describe.each([
    ['Deployment', { spec: { template } }, 'spec.template.spec'],
    ['ReplicaSet', { spec: { template } }, 'spec.template.spec'],
    ['StatefulSet', { spec: { template } }, 'spec.template.spec'],
    ['DaemonSet', { spec: { template } }, 'spec.template.spec'],
    ['Job', { spec: { template } }, 'spec.template.spec'],
    ['ReplicationController', { spec: { template } }, 'spec.template.spec'],
    [
      'CronJob',
      { spec: { jobTemplate: { spec: { template } } } },
      'spec.jobTemplate.spec.template.spec',
    ],
    ['PodTemplate', { template }, 'template.spec'],
  ])('when a %s is created', (kind, object, base) => {
    it(`reads the pod template at ${base}`, () => {
      const { images, problems } = imagesToVerify(request(kind, object));
      expect(problems).toEqual([]);
      expect(images.map((i) => i.fieldPath)).toEqual([
        `${base}.initContainers[0].image`,
        `${base}.containers[0].image`,
        `${base}.containers[1].image`,
      ]);
    });
  });

  describe('when an object is updated', () => {
    it('returns only the images the old object did not run', () => {
      const old = {
        spec: {
          template: { spec: { containers: [{ name: 'app', image: 'registry.example/app:1.3' }] } },
        },
      };
      const now = {
        spec: {
          template: { spec: { containers: [{ name: 'app', image: 'registry.example/app:1.4' }] } },
        },
      };
      expect(
        imagesToVerify(request('Deployment', now, { operation: 'UPDATE', oldObject: old })).images,
      ).toEqual([
        { fieldPath: 'spec.template.spec.containers[0].image', image: 'registry.example/app:1.4' },
      ]);
    });

    it('returns unchanged tags marked unchanged, and skips an unchanged digest reference', () => {
      const pod = { spec: podSpec, metadata: { labels: { a: 'b' } } };
      expect(
        imagesToVerify(request('Pod', pod, { operation: 'UPDATE', oldObject: { spec: podSpec } })),
      ).toEqual({
        images: [
          {
            fieldPath: 'spec.initContainers[0].image',
            image: 'registry.example/init:1',
            unchanged: true,
          },
          {
            fieldPath: 'spec.containers[0].image',
            image: 'registry.example/app:1.4',
            unchanged: true,
          },
        ],
        problems: [],
      });
    });

    it('returns a digest reference that moved to another field path', () => {
      const digest = `registry.example/sidecar@sha256:${'a'.repeat(64)}`;
      const old = { spec: { containers: [{ name: 'a', image: digest }] } };
      const now = {
        spec: {
          containers: [
            { name: 'b', image: 'x:1' },
            { name: 'a', image: digest },
          ],
        },
      };
      expect(
        imagesToVerify(request('Pod', now, { operation: 'UPDATE', oldObject: old })).images,
      ).toEqual([
        { fieldPath: 'spec.containers[0].image', image: 'x:1' },
        { fieldPath: 'spec.containers[1].image', image: digest },
      ]);
    });

    it('returns the debug container that kubectl debug adds (pods/ephemeralcontainers)', () => {
      const withDebug = {
        spec: { ...podSpec, ephemeralContainers: [{ name: 'debugger', image: 'busybox:1.36' }] },
      };
      const result = imagesToVerify(
        request('Pod', withDebug, {
          operation: 'UPDATE',
          subResource: 'ephemeralcontainers',
          oldObject: { spec: podSpec },
        }),
      );
      expect(result.images.filter((i) => i.unchanged !== true)).toEqual([
        { fieldPath: 'spec.ephemeralContainers[0].image', image: 'busybox:1.36' },
      ]);
    });

    it('returns a debug container naming a tag another container runs, as new', () => {
      const tag = 'registry.example/app:1.4';
      const withDebug = {
        spec: { ...podSpec, ephemeralContainers: [{ name: 'debugger', image: tag }] },
      };
      const result = imagesToVerify(
        request('Pod', withDebug, {
          operation: 'UPDATE',
          subResource: 'ephemeralcontainers',
          oldObject: { spec: podSpec },
        }),
      );
      expect(result.images).toContainEqual({
        fieldPath: 'spec.ephemeralContainers[0].image',
        image: tag,
      });
    });
  });

  describe('when an older API server sends the legacy kind EphemeralContainers', () => {
    it('T-05 returns the added debug container from the top-level list', () => {
      const object = { ephemeralContainers: [{ name: 'debugger', image: 'busybox:1.36' }] };
      const result = imagesToVerify(
        request('EphemeralContainers', object, {
          operation: 'UPDATE',
          subResource: 'ephemeralcontainers',
          oldObject: { ephemeralContainers: [] },
        }),
      );
      expect(result).toEqual({
        images: [{ fieldPath: 'ephemeralContainers[0].image', image: 'busybox:1.36' }],
        problems: [],
      });
    });
  });

  describe('when nothing is to be judged', () => {
    it.each(['DELETE', 'CONNECT'])('returns nothing for %s', (operation) => {
      expect(imagesToVerify(request('Pod', { spec: podSpec }, { operation }))).toEqual({
        images: [],
        problems: [],
      });
    });

    it('returns nothing for a kind without a pod spec', () => {
      expect(imagesToVerify(request('ConfigMap', { data: {} }))).toEqual({
        images: [],
        problems: [],
      });
    });
  });

  describe('when the object has the wrong shape', () => {
    it('reports a container without an image instead of skipping it', () => {
      const pod = {
        spec: {
          containers: [{ name: 'a' }, { name: 'b', image: '  ' }, { name: 'c', image: 42 }, 'x'],
        },
      };
      expect(imagesToVerify(request('Pod', pod))).toEqual({
        images: [],
        problems: [
          'spec.containers[0].image',
          'spec.containers[1].image',
          'spec.containers[2].image',
          'spec.containers[3].image',
        ],
      });
    });

    it('reports a container list that is not an array, and a missing pod spec', () => {
      expect(
        imagesToVerify(request('Pod', { spec: { containers: { image: 'x' } } })).problems,
      ).toEqual(['spec.containers']);
      expect(imagesToVerify(request('Deployment', { spec: {} })).problems).toEqual([
        'spec.template',
      ]);
      expect(imagesToVerify(request('Pod', null)).problems).toEqual(['(object)']);
    });

    it('never throws and never reports an image that is not a non-empty string (fuzzed)', () => {
      const kinds = ['Pod', 'Deployment', 'CronJob', 'PodTemplate', 'ConfigMap'];
      fc.assert(
        fc.property(
          fc.constantFrom(...kinds),
          fc.constantFrom('CREATE', 'UPDATE'),
          fc.anything(),
          fc.anything(),
          (kind, operation, object, oldObject) => {
            const result = imagesToVerify(request(kind, object, { operation, oldObject }));
            for (const i of result.images)
              expect(typeof i.image === 'string' && i.image.trim() !== '').toBe(true);
          },
        ),
        { numRuns: Number(process.env['FUZZ_RUNS'] ?? 10_000) },
      );
    });
  });
});

describe('pullIdentityOf', () => {
  const pulls = {
    ...podSpec,
    imagePullSecrets: [{ name: 'regcred' }, { name: '' }, 'junk', { name: 7 }, { name: 'other' }],
    serviceAccountName: 'builder',
  };

  describe('when a Pod or a workload template names pull secrets and a ServiceAccount', () => {
    it('returns the well-formed names in order, and the ServiceAccount', () => {
      const want = {
        imagePullSecrets: [{ name: 'regcred' }, { name: 'other' }],
        serviceAccountName: 'builder',
      };
      expect(pullIdentityOf(request('Pod', { spec: pulls }))).toEqual(want);
      expect(
        pullIdentityOf(request('Deployment', { spec: { template: { spec: pulls } } })),
      ).toEqual(want);
      const cron = { spec: { jobTemplate: { spec: { template: { spec: pulls } } } } };
      expect(pullIdentityOf(request('CronJob', cron))).toEqual(want);
    });
  });

  describe('when the pod spec names neither', () => {
    it('returns no secrets and no ServiceAccount (the namespace default)', () => {
      expect(pullIdentityOf(request('Pod', { spec: podSpec }))).toEqual({ imagePullSecrets: [] });
      expect(
        pullIdentityOf(request('Pod', { spec: { ...podSpec, imagePullSecrets: 'regcred' } })),
      ).toEqual({ imagePullSecrets: [] });
    });
  });

  describe('when the kind carries no pod spec or the object has no shape', () => {
    it('returns undefined', () => {
      expect(pullIdentityOf(request('ConfigMap', { data: {} }))).toBeUndefined();
      expect(
        pullIdentityOf(request('EphemeralContainers', { ephemeralContainers: [] })),
      ).toBeUndefined();
      expect(pullIdentityOf(request('Pod', { spec: 'nope' }))).toBeUndefined();
    });
  });
});
