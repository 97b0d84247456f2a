import { describe, expect, it } from 'vitest';
import { pinPatch, toJsonPointer } from './patch.js';

const DIGEST = `sha256:${'b'.repeat(64)}`;

describe('toJsonPointer', () => {
  it.each([
    ['spec.containers[0].image', '/spec/containers/0/image'],
    [
      'spec.jobTemplate.spec.template.spec.initContainers[12].image',
      '/spec/jobTemplate/spec/template/spec/initContainers/12/image',
    ],
  ])('turns %s into %s', (path, pointer) => {
    expect(toJsonPointer(path)).toBe(pointer);
  });
});

describe('pinPatch', () => {
  it('pins tags to the verified digest and leaves digest references alone', () => {
    expect(
      pinPatch([
        { fieldPath: 'spec.containers[0].image', image: 'ghcr.io/acme/api:1.4', digest: DIGEST },
        {
          fieldPath: 'spec.containers[1].image',
          image: `ghcr.io/acme/web@${DIGEST}`,
          digest: DIGEST,
        },
      ]),
    ).toEqual([
      { op: 'replace', path: '/spec/containers/0/image', value: `ghcr.io/acme/api:1.4@${DIGEST}` },
    ]);
  });
});
