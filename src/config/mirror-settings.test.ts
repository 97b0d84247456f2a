import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServeArgs } from './args.js';
import { ConfigError } from './errors.js';

const HOME = { HOME: '/nonexistent-home' };
const mirrors = (argv: string[], env: Record<string, string> = {}) =>
  parseServeArgs(argv, { ...HOME, ...env }).registryMirrors;

function failure(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('mirror settings', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mirror-settings-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  describe('when no mirror is given', () => {
    it('returns none', () => {
      expect(mirrors([])).toBeUndefined();
    });
  });

  describe('when flags name mirrors', () => {
    it('groups them by prefix in the order given, in normal form', () => {
      expect(
        mirrors([
          '--registry-mirror',
          'Origin.Example:443=mirror-a.internal',
          '--registry-mirror=origin.example/team/=copies.internal/team',
          '--registry-mirror',
          'origin.example=MIRROR-B.internal:05000',
          '--mirrors-only',
          'origin.example/team/*',
        ]),
      ).toEqual([
        {
          prefix: 'origin.example',
          mirrors: ['mirror-a.internal', 'mirror-b.internal:5000'],
          mirrorsOnly: false,
        },
        { prefix: 'origin.example/team', mirrors: ['copies.internal/team'], mirrorsOnly: true },
      ]);
    });

    it('reads the environment as comma-separated lists', () => {
      expect(
        mirrors([], {
          NOTARY_ADMISSION_REGISTRY_MIRROR: 'docker.io=hub.internal,docker.io=hub2.internal',
          NOTARY_ADMISSION_MIRRORS_ONLY: 'docker.io',
        }),
      ).toEqual([
        { prefix: 'docker.io', mirrors: ['hub.internal', 'hub2.internal'], mirrorsOnly: true },
      ]);
    });
  });

  describe('when the config file names mirrors', () => {
    it('reads registryMirrors and mirrorsOnly', async () => {
      const file = path.join(dir, 'config.json');
      await writeFile(
        file,
        JSON.stringify({
          registryMirrors: { 'origin.example': ['m1.internal', 'm2.internal'] },
          mirrorsOnly: ['origin.example'],
        }),
      );
      expect(mirrors(['--config', file])).toEqual([
        { prefix: 'origin.example', mirrors: ['m1.internal', 'm2.internal'], mirrorsOnly: true },
      ]);
    });
  });

  describe('when a mirror entry is wrong', () => {
    it('throws FLAG_INVALID naming the flag', () => {
      expect(failure(() => mirrors(['--registry-mirror', 'origin.example'])).message).toBe(
        '--registry-mirror: "origin.example" is not PREFIX=MIRROR',
      );
      expect(failure(() => mirrors(['--registry-mirror', 'a.io=a.io/copy'])).message).toBe(
        '--registry-mirror: a.io/copy is on the registry it mirrors',
      );
      expect(failure(() => mirrors(['--registry-mirror', 'a.io/Team=m.io'])).message).toMatch(
        /^--registry-mirror: "a\.io\/Team": .*lower-case/,
      );
      expect(failure(() => mirrors(['--mirrors-only', 'a.io'])).message).toBe(
        '--mirrors-only: a.io has no mirror (--registry-mirror)',
      );
      const nine = Array.from({ length: 9 }, (_, i) => ['--registry-mirror', `a.io=m${i}.io`]);
      expect(failure(() => mirrors(nine.flat())).message).toBe(
        '--registry-mirror: a.io has more than 8 mirrors',
      );
    });
  });
});
