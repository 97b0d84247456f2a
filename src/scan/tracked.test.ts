import { describe, expect, it } from 'vitest';
import type { WorkloadRef } from '../kube/index.js';
import { Tracked } from './tracked.js';

const ref = (name: string, namespace = 'team'): WorkloadRef => ({
  apiVersion: 'v1',
  kind: 'Pod',
  namespace,
  name,
  uid: `${namespace}-${name}`,
});
const image = (i: string) => ({ image: i, fieldPaths: ['spec.containers[0].image'] });

describe('Tracked', () => {
  describe('when workloads of one namespace name the same image', () => {
    it('shares one task between them, and forgets it with the last one', () => {
      const t = new Tracked({ maxWorkloads: 10, pullMatters: false });
      expect(t.upsert(ref('a'), [image('x')], {})).toHaveLength(1);
      expect(t.upsert(ref('b'), [image('x')], {})).toHaveLength(1);
      expect(t.tasks.size).toBe(1);
      t.tasks.values().next().value!.result = { result: 'pass', policy: 'p', message: '', at: 1 };
      // A third workload of a verified image needs no verification.
      expect(t.upsert(ref('c'), [image('x')], {})).toEqual([]);
      t.remove('team-a');
      t.remove('team-b');
      expect(t.tasks.size).toBe(1);
      expect(t.remove('team-c')).toBe('team');
      expect(t.tasks.size).toBe(0);
      expect(t.namespaces()).toEqual([]);
    });
  });

  describe('when pull secrets matter', () => {
    it('keeps one task per pull identity', () => {
      const t = new Tracked({ maxWorkloads: 10, pullMatters: true });
      t.upsert(ref('a'), [image('x')], {});
      t.upsert(ref('b'), [image('x')], { imagePullSecrets: [{ name: 'other' }] });
      expect(t.tasks.size).toBe(2);
    });
  });

  describe('when more workloads come than the bound', () => {
    it('returns undefined for the new ones and keeps updating known ones', () => {
      const t = new Tracked({ maxWorkloads: 1, pullMatters: false });
      t.upsert(ref('a'), [image('x')], {});
      expect(t.upsert(ref('b'), [image('y')], {})).toBeUndefined();
      expect(t.upsert(ref('a'), [image('z')], {})).toHaveLength(1);
      expect([...t.tasks.values()].map((task) => task.image)).toEqual(['z']);
    });
  });

  describe('when a workload is seen again with the same images and pull identity', () => {
    it('returns unchanged true, and false once an image changes', () => {
      const t = new Tracked({ maxWorkloads: 10, pullMatters: false });
      t.upsert(ref('a'), [image('x')], {});
      expect(t.unchanged('team-a', [image('x')], {})).toBe(true);
      expect(t.unchanged('team-a', [image('y')], {})).toBe(false);
      expect(t.unchanged('team-b', [image('x')], {})).toBe(false);
    });
  });
});
