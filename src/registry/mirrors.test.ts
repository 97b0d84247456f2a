import { describe, expect, it } from 'vitest';
import type { Descriptor } from '../verify/types.js';
import { RegistryError } from './errors.js';
import { atEndpoint, locateArtifact } from './mirror-locate.js';
import { MAX_MIRRORS_PER_ENTRY, MirrorTable, type Endpoint } from './mirrors.js';
import { parseReference, type ImageReference } from './reference.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const found: Descriptor = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: DIGEST,
  size: 1,
};

const where = (eps: Endpoint[] | undefined) =>
  eps?.map((e) => `${e.ref.registry}/${e.ref.repository}${e.mirror ? '' : ' (origin)'}`);

describe('MirrorTable', () => {
  const table = new MirrorTable([
    { prefix: 'Origin.Example:443', mirrors: ['mirror-a.internal', 'mirror-b.internal:5000'] },
    { prefix: 'origin.example/team', mirrors: ['copies.internal/vendor/team'], mirrorsOnly: true },
    { prefix: 'docker.io', mirrors: ['hub.internal'] },
  ]);

  describe('when an entry covers the repository', () => {
    it('returns its mirrors in order, then the origin', () => {
      expect(where(table.endpoints(parseReference('origin.example/app:v1')))).toEqual([
        'mirror-a.internal/app',
        'mirror-b.internal:5000/app',
        'origin.example/app (origin)',
      ]);
    });

    it('returns the most specific entry, its prefix replaced, without the origin when mirrorsOnly', () => {
      expect(where(table.endpoints(parseReference('origin.example/team/x/app@' + DIGEST)))).toEqual(
        ['copies.internal/vendor/team/x/app'],
      );
    });

    it('keeps the tag and digest, and Docker Hub’s library/ path', () => {
      const [first] = table.endpoints(parseReference('nginx:1.27'))!;
      expect(first!.ref).toEqual({
        registry: 'hub.internal',
        repository: 'library/nginx',
        tag: '1.27',
      });
    });
  });

  describe('when no entry covers the repository', () => {
    it('returns undefined, also for a look-alike host or path', () => {
      expect(table.endpoints(parseReference('origin.example.evil.io/app'))).toBeUndefined();
      expect(table.endpoints(parseReference('other.example/team/app'))).toBeUndefined();
      expect(where(table.endpoints(parseReference('origin.example/teamx/app')))).toContain(
        'mirror-a.internal/teamx/app',
      );
    });
  });

  describe('when the configuration is wrong', () => {
    it('throws for a loop, a duplicate prefix, too many mirrors or a malformed name', () => {
      expect(() => new MirrorTable([{ prefix: 'a.io', mirrors: ['a.io/copy'] }])).toThrow(/loop/);
      expect(
        () =>
          new MirrorTable([
            { prefix: 'a.io', mirrors: ['m.io'] },
            { prefix: 'A.io:443', mirrors: ['n.io'] },
          ]),
      ).toThrow(/two mirror entries for a\.io/);
      const many = Array.from({ length: MAX_MIRRORS_PER_ENTRY + 1 }, (_, i) => `m${i}.io`);
      expect(() => new MirrorTable([{ prefix: 'a.io', mirrors: many }])).toThrow(/1 to 8/);
      expect(() => new MirrorTable([{ prefix: 'a.io/Team', mirrors: ['m.io'] }])).toThrow(
        /lower-case/,
      );
    });
  });

  describe('hosts', () => {
    it('returns every mirror host once', () => {
      expect(table.hosts().sort()).toEqual([
        'copies.internal',
        'hub.internal',
        'mirror-a.internal',
        'mirror-b.internal:5000',
      ]);
    });
  });
});

/** A registry whose `resolve` answers by host from a script (an Error is thrown). */
function scripted(answers: Record<string, Descriptor | RegistryError>) {
  const asked: string[] = [];
  return {
    asked,
    resolve(ref: ImageReference): Promise<Descriptor> {
      asked.push(ref.registry);
      const answer = answers[ref.registry];
      if (answer === undefined) return Promise.reject(new Error(`no script for ${ref.registry}`));
      return answer instanceof RegistryError ? Promise.reject(answer) : Promise.resolve(answer);
    },
  };
}

describe('locateArtifact', () => {
  const table = new MirrorTable([{ prefix: 'o.example', mirrors: ['m1.io', 'm2.io'] }]);
  const endpoints = table.endpoints(parseReference('o.example/app@' + DIGEST))!;
  const notFound = new RegistryError('MANIFEST_UNKNOWN', 'no such manifest', { status: 404 });
  const down = new RegistryError('NETWORK', 'connection refused');

  describe('when a mirror answers 404 or cannot be asked', () => {
    it('moves on to the next host and records each answer', async () => {
      const registry = scripted({ 'm1.io': down, 'm2.io': notFound, 'o.example': found });
      const located = await locateArtifact(registry, endpoints, {});
      expect(located.endpoint.host).toBe('o.example');
      expect(located.missed.map((a) => [a.host, a.code])).toEqual([
        ['m1.io', 'NETWORK'],
        ['m2.io', 'MANIFEST_UNKNOWN'],
      ]);
    });
  });

  describe('when the first mirror has it', () => {
    it('asks no other host', async () => {
      const registry = scripted({ 'm1.io': found });
      expect((await locateArtifact(registry, endpoints, {})).endpoint.host).toBe('m1.io');
      expect(registry.asked).toEqual(['m1.io']);
    });
  });

  describe('when a host answers with something invalid', () => {
    it('throws its error naming the host, and asks no further host', async () => {
      const lie = new RegistryError('DIGEST_MISMATCH', 'the content hashes to something else');
      const registry = scripted({ 'm1.io': lie, 'm2.io': found });
      await expect(locateArtifact(registry, endpoints, {})).rejects.toMatchObject({
        code: 'DIGEST_MISMATCH',
        kind: 'content',
        message: 'mirror m1.io: the content hashes to something else',
      });
      expect(registry.asked).toEqual(['m1.io']);
    });
  });

  describe('when no host has it', () => {
    it('throws not found (content) when every host answered 404', async () => {
      const registry = scripted({ 'm1.io': notFound, 'm2.io': notFound, 'o.example': notFound });
      await expect(locateArtifact(registry, endpoints, {})).rejects.toMatchObject({
        code: 'MANIFEST_UNKNOWN',
        kind: 'content',
        message:
          'not found on any host of its mirror entry: mirror m1.io does not have it; mirror ' +
          'm2.io does not have it; origin o.example does not have it',
      });
    });

    it('throws an availability error when one host could not be asked', async () => {
      const registry = scripted({ 'm1.io': notFound, 'm2.io': down, 'o.example': notFound });
      await expect(locateArtifact(registry, endpoints, {})).rejects.toMatchObject({
        code: 'NETWORK',
        kind: 'availability',
      });
    });
  });
});

describe('atEndpoint', () => {
  describe('when bound to a mirror', () => {
    it('sends every call about the image to the mirror, other references unchanged', () => {
      const ref = parseReference('o.example/app@' + DIGEST);
      const [mirror] = new MirrorTable([{ prefix: 'o.example', mirrors: ['m.io/copy'] }]).endpoints(
        ref,
      )!;
      const seen: ImageReference[] = [];
      const client = {
        calls: 0,
        listReferrers(r: ImageReference, extra: number) {
          this.calls += 1;
          seen.push(r);
          return extra;
        },
      };
      const bound = atEndpoint(client, ref, mirror!);
      expect(bound.listReferrers(ref, 7)).toBe(7);
      bound.listReferrers(parseReference('other.io/x'), 0);
      expect(seen.map((r) => `${r.registry}/${r.repository}@${r.digest ?? r.tag}`)).toEqual([
        `m.io/copy/app@${DIGEST}`,
        'other.io/x@latest',
      ]);
      expect(client.calls).toBe(2);
    });
  });
});
