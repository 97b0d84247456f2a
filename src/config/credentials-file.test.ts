import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  parseDockerConfigJson,
  watchCredentialsFile,
  type CredentialsReloadResult,
  type CredentialsWatcher,
} from './credentials-file.js';
import { ConfigError } from './errors.js';

const config = (password: string) =>
  JSON.stringify({ auths: { 'r.io': { username: 'robot', password } } });

/** A Secret volume as kubelet lays it out: config.json → ..data/config.json, ..data swapped. */
async function secretVolume(dir: string, first: string) {
  let generation = 0;
  const swapTo = async (text: string): Promise<void> => {
    const next = `..2026_01_01_00_00_00.${++generation}`;
    await mkdir(path.join(dir, next));
    await writeFile(path.join(dir, next, 'config.json'), text);
    await symlink(next, path.join(dir, '..data_tmp'));
    await rename(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  };
  await swapTo(first);
  await symlink('..data/config.json', path.join(dir, 'config.json'));
  return { file: path.join(dir, 'config.json'), swapTo };
}

describe('parseDockerConfigJson', () => {
  describe('when the text is a Docker config JSON', () => {
    it('returns its auths (or none)', () => {
      expect(parseDockerConfigJson(config('p'), 'f')).toEqual({
        auths: { 'r.io': { username: 'robot', password: 'p' } },
      });
      expect(parseDockerConfigJson('{"credsStore":"x"}', 'f')).toEqual({});
    });
  });

  describe('when it is not', () => {
    it.each([
      ['', 'invalid JSON'],
      ['{"auths":', 'invalid JSON'],
      ['[]', 'not a JSON object'],
      ['{"auths":[]}', '"auths" is not an object'],
      ['{"auths":{"r.io":"secret"}}', 'the entry of "r.io" is not an object'],
    ])('throws FILE_UNREADABLE for %j, naming the problem and never the content', (text, why) => {
      let error: unknown;
      try {
        parseDockerConfigJson(text, '/etc/creds.json');
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toBe(
        `/etc/creds.json: not a Docker config JSON (${why})`,
      );
    });
  });
});

describe('watchCredentialsFile', () => {
  let dir: string;
  let watcher: CredentialsWatcher | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'creds-'));
  });
  afterEach(async () => {
    watcher?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const watch = (file: string, current: string) => {
    const applied: string[] = [];
    const results: CredentialsReloadResult[] = [];
    watcher = watchCredentialsFile({
      path: file,
      current,
      intervalMs: 60_000,
      apply: (text) => applied.push(text),
      onReload: (r) => results.push(r),
    });
    return { applied, results, check: () => watcher!.check() };
  };

  describe('when kubelet swaps the ..data link to a new file', () => {
    it('applies the new content once, and nothing while it stays the same', async () => {
      const volume = await secretVolume(dir, config('old'));
      const w = watch(volume.file, config('old'));
      expect(await w.check()).toBeUndefined();
      await volume.swapTo(config('new'));
      expect(await w.check()).toEqual({ ok: true, text: config('new') });
      expect(await w.check()).toBeUndefined();
      expect(w.applied).toEqual([config('new')]);
    });
  });

  describe('when the new file is malformed or unreadable', () => {
    it('keeps the old credentials, reports it once, and applies the next good file', async () => {
      const volume = await secretVolume(dir, config('old'));
      const w = watch(volume.file, config('old'));
      await volume.swapTo('{"auths": {"r.io": ');
      const refused = await w.check();
      expect(refused?.ok).toBe(false);
      expect(await w.check()).toBeUndefined();
      await rm(path.join(dir, '..data'));
      expect((await w.check())?.ok).toBe(false);
      await volume.swapTo(config('new'));
      expect((await w.check())?.ok).toBe(true);
      expect(w.applied).toEqual([config('new')]);
      expect(w.results.map((r) => r.ok)).toEqual([false, false, true]);
    });

    it('refuses a file the composition root cannot use (apply throws) like a malformed one', async () => {
      const file = path.join(dir, 'config.json');
      await writeFile(file, config('old'));
      watcher = watchCredentialsFile({
        path: file,
        current: config('old'),
        intervalMs: 60_000,
        apply: () => {
          throw new Error('no');
        },
      });
      await writeFile(file, config('new'));
      const result = await watcher.check();
      expect(result?.ok).toBe(false);
    });
  });

  describe('when the file goes back to the content in force', () => {
    it('reports nothing', async () => {
      const file = path.join(dir, 'config.json');
      await writeFile(file, config('old'));
      const w = watch(file, config('old'));
      await writeFile(file, 'junk');
      expect((await w.check())?.ok).toBe(false);
      await writeFile(file, config('old'));
      expect(await w.check()).toBeUndefined();
      expect(w.applied).toEqual([]);
    });
  });
});
