import type http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listenLocal } from '../../test/harness/http.js';
import { metadataPath, NotaryClient } from './notary-v1.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let server: Awaited<ReturnType<typeof listenLocal>>;
let handler: Handler;
let client: NotaryClient;
const seen: string[] = [];

beforeEach(async () => {
  seen.length = 0;
  server = await listenLocal((req, res) => {
    seen.push(req.url ?? '');
    handler(req, res);
  });
  client = new NotaryClient({ server: server.url, insecure: true, timeoutMs: 2_000 });
});
afterEach(async () => {
  await client.close();
  await server.close();
});

const GUN = 'registry.example:5000/acme/app';
const get = (
  r: { role: string; checksum?: string; version?: number; maxBytes?: number },
  timeoutMs?: number,
) =>
  client.session({ ...(timeoutMs && { timeoutMs }) }, (source) =>
    source.fetch(GUN, { maxBytes: 1024, ...r }),
  );

describe('metadataPath', () => {
  describe('when the GUN, role, version and checksum are well-formed', () => {
    it('returns the paths of notary-server’s routes', () => {
      expect(metadataPath(GUN, { role: 'timestamp', maxBytes: 1 })).toBe(
        `/v2/${GUN}/_trust/tuf/timestamp.json`,
      );
      expect(metadataPath(GUN, { role: 'root', version: 3, maxBytes: 1 })).toBe(
        `/v2/${GUN}/_trust/tuf/3.root.json`,
      );
      const sha = 'a'.repeat(64);
      expect(metadataPath(GUN, { role: 'targets/releases', checksum: sha, maxBytes: 1 })).toBe(
        `/v2/${GUN}/_trust/tuf/targets/releases.${sha}.json`,
      );
    });
  });

  describe('when a part could leave _trust/tuf/', () => {
    it.each([
      ['a GUN with ..', 'registry.example/../x', { role: 'root' }],
      ['a GUN with a query', 'registry.example/a?x=1', { role: 'root' }],
      ['a role with ..', GUN, { role: 'targets/../root' }],
      ['a checksum that is not hex', GUN, { role: 'snapshot', checksum: '../../x' }],
      ['a version of another role', GUN, { role: 'snapshot', version: 2 }],
    ])('throws a TypeError for %s', (_, gun, r) => {
      expect(() => metadataPath(gun, { maxBytes: 1, ...r })).toThrow(TypeError);
    });
  });
});

describe('NotaryClient', () => {
  describe('when the server answers', () => {
    it('returns the body of a 200 and undefined for a 404', async () => {
      handler = (req, res) =>
        req.url?.endsWith('/root.json') ? res.end('{"signed":{}}') : res.writeHead(404).end();
      expect(Buffer.from((await get({ role: 'root' }))!).toString()).toBe('{"signed":{}}');
      expect(await get({ role: 'timestamp' })).toBeUndefined();
    });

    it('throws TOO_LARGE (content) for a body over maxBytes', async () => {
      handler = (_, res) => res.end('x'.repeat(2048));
      await expect(get({ role: 'root' })).rejects.toMatchObject({
        code: 'TOO_LARGE',
        kind: 'content',
      });
    });

    it('throws an availability error for a 5xx', async () => {
      handler = (_, res) => res.writeHead(503).end();
      await expect(get({ role: 'root' })).rejects.toMatchObject({ kind: 'availability' });
    });

    it('does not follow a redirect', async () => {
      handler = (_, res) => res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
      await expect(get({ role: 'root' })).rejects.toMatchObject({ kind: 'content' });
      expect(seen).toHaveLength(1);
    });
  });

  describe('when the server stalls past the session deadline', () => {
    it('throws TIMEOUT (availability)', async () => {
      handler = () => undefined;
      await expect(get({ role: 'root' }, 200)).rejects.toMatchObject({
        code: 'TIMEOUT',
        kind: 'availability',
      });
    });
  });

  describe('when configured wrongly', () => {
    it('throws a TypeError for http without insecure, or a server URL with a path', () => {
      expect(() => new NotaryClient({ server: 'http://notary.example' })).toThrow(TypeError);
      expect(() => new NotaryClient({ server: 'https://notary.example/v2' })).toThrow(TypeError);
    });
  });
});
