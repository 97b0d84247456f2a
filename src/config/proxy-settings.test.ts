import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServeArgs, parseVerifyArgs, serveHelp } from './args.js';
import { ConfigError } from './errors.js';
import { parseProxyUrl } from './proxy-settings.js';

const HOME = { HOME: '/nonexistent-home' };
const serve = (argv: string[], env: Record<string, string> = {}) =>
  parseServeArgs(argv, { ...HOME, ...env }).proxy;

function failure(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('proxy settings', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'proxy-settings-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  describe('when no source names a proxy', () => {
    it('returns none (direct), whatever NO_PROXY says', () => {
      expect(serve([])).toBeUndefined();
      expect(serve([], { NO_PROXY: 'whatever_not_checked' })).toBeUndefined();
    });
  });

  describe('when the flags name proxies', () => {
    it('returns them, with the NO_PROXY entries split', () => {
      expect(
        serve([
          '--https-proxy',
          'http://proxy.internal:3128',
          '--http-proxy=proxy.internal:3128',
          '--no-proxy',
          '.svc,.cluster.local',
          '--no-proxy',
          '10.0.0.0/8',
        ]),
      ).toEqual({
        httpsProxy: 'http://proxy.internal:3128',
        httpProxy: 'http://proxy.internal:3128',
        noProxy: ['.svc', '.cluster.local', '10.0.0.0/8'],
      });
    });
  });

  describe('when only the conventional variables name them', () => {
    it('returns them, upper case first, and for verify too', () => {
      const env = {
        HTTPS_PROXY: 'http://upper:3128',
        https_proxy: 'http://lower:3128',
        http_proxy: 'http://lower:8080',
        no_proxy: 'localhost,127.0.0.1',
      };
      const expected = {
        httpsProxy: 'http://upper:3128',
        httpProxy: 'http://lower:8080',
        noProxy: ['localhost', '127.0.0.1'],
      };
      expect(serve([], env)).toEqual(expected);
      expect(
        parseVerifyArgs(['r.io/a@sha256:' + 'a'.repeat(64)], { ...HOME, ...env }).proxy,
      ).toEqual(expected);
    });

    it('returns what a flag, NOTARY_ADMISSION_* or the config file says instead', async () => {
      const config = path.join(dir, 'config.json');
      await writeFile(config, JSON.stringify({ httpsProxy: 'http://file:1', noProxy: ['a.io'] }));
      const env = { HTTPS_PROXY: 'http://conventional:1', NO_PROXY: 'b.io' };
      expect(serve(['--config', config], env)).toEqual({
        httpsProxy: 'http://file:1',
        noProxy: ['a.io'],
      });
      expect(serve([], { ...env, NOTARY_ADMISSION_HTTPS_PROXY: 'http://ours:1' })?.httpsProxy).toBe(
        'http://ours:1',
      );
      expect(serve(['--https-proxy', 'http://flag:1'], env)?.httpsProxy).toBe('http://flag:1');
    });
  });

  describe('when a value cannot be used', () => {
    it.each([
      [
        ['--https-proxy', 'https://proxy:3128'],
        {},
        '--https-proxy: https:// proxies are not supported',
      ],
      [['--https-proxy', 'http://proxy:3128/path'], {}, '--https-proxy: a proxy URL is'],
      [['--https-proxy', 'socks5://proxy:1080'], {}, '--https-proxy: socks5:// proxies'],
      [[], { HTTPS_PROXY: 'http://[bad' }, 'HTTPS_PROXY: is not a proxy URL'],
      [['--https-proxy', 'http://p:1', '--no-proxy', 'r_io'], {}, '--no-proxy: "r_io" is not'],
      [
        [],
        { HTTPS_PROXY: 'http://p:1', NO_PROXY: '10.0.0.0/33' },
        'NO_PROXY: "10.0.0.0/33" is not a CIDR range',
      ],
    ])('throws FLAG_INVALID naming the source: %j %j', (argv, env, message) => {
      const err = failure(() => serve(argv, env));
      expect(err.code).toBe('FLAG_INVALID');
      expect(err.message).toContain(message);
    });
  });

  describe('parseProxyUrl', () => {
    it('keeps the userinfo (the proxy login) and drops a trailing slash', () => {
      expect(parseProxyUrl('http://user:p%40ss@proxy:3128/')).toBe('http://user:p%40ss@proxy:3128');
    });
  });

  describe('when help is shown', () => {
    it('lists the proxy flags with their conventional variables', () => {
      expect(serveHelp()).toContain('--https-proxy URL');
      expect(serveHelp()).toContain('$HTTPS_PROXY, else direct');
    });
  });
});
