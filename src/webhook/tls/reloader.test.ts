import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { watchServingTls, type TlsReloader, type TlsReloadResult } from './reloader.js';
import { generateSelfSigned, type SelfSignedTls } from './self-signed.js';
import { loadServingTls, type ServingTls } from './serving-tls.js';

let root: string;
const pairs: SelfSignedTls[] = [];
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reloader-'));
  for (const name of ['a', 'b', 'c']) {
    pairs.push(await generateSelfSigned({ dir: join(root, name), dnsNames: ['localhost'] }));
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A served directory with its own tls.crt/tls.key, a reloader on it, and what it reported. */
interface Fixture {
  certPath: string;
  keyPath: string;
  initial: ServingTls;
  applied: ServingTls[];
  reports: TlsReloadResult[];
  reloader: TlsReloader;
}
let f: Fixture;
let applyError: Error | undefined;

async function put(cert: SelfSignedTls, key: SelfSignedTls = cert): Promise<void> {
  await copyFile(cert.certPath, f.certPath);
  await copyFile(key.keyPath, f.keyPath);
}
const fingerprint = async (p: SelfSignedTls) =>
  (await loadServingTls({ certPath: p.certPath, keyPath: p.keyPath })).leaf.fingerprint256;

beforeEach(async () => {
  applyError = undefined;
  const dir = await mkdtemp(join(root, 'served-'));
  const certPath = join(dir, 'tls.crt');
  const keyPath = join(dir, 'tls.key');
  f = { certPath, keyPath } as Fixture;
  await put(pairs[0]!);
  f.initial = await loadServingTls({ certPath, keyPath });
  f.applied = [];
  f.reports = [];
  f.reloader = watchServingTls({
    certPath,
    keyPath,
    current: f.initial,
    intervalMs: 3_600_000, // tests poll with check(); one test uses its own short interval
    apply: (next) => {
      if (applyError) throw applyError;
      f.applied.push(next);
    },
    onReload: (r) => f.reports.push(r),
  });
});
afterEach(() => f.reloader.close());

describe('watchServingTls', () => {
  describe('when the files are unchanged', () => {
    it('returns nothing and applies nothing', async () => {
      expect(await f.reloader.check()).toBeUndefined();
      expect([f.applied, f.reports]).toEqual([[], []]);
    });
  });

  describe('when a new valid pair is written', () => {
    it('applies it once and reports ok', async () => {
      await put(pairs[1]!);
      const result = await f.reloader.check();
      expect(result?.ok).toBe(true);
      expect(f.applied.map((t) => t.leaf.fingerprint256)).toEqual([await fingerprint(pairs[1]!)]);
      expect(f.reports).toEqual([result]);
      expect(f.reloader.current).toBe(f.applied[0]);
      expect(await f.reloader.check()).toBeUndefined();
      expect(f.applied).toHaveLength(1);
    });
  });

  describe('when the new key belongs to another certificate', () => {
    it('keeps the old pair, reports TLS_INVALID once, and applies the next good change', async () => {
      await put(pairs[1]!, pairs[2]);
      const result = await f.reloader.check();
      expect(result).toMatchObject({
        ok: false,
        error: {
          code: 'TLS_INVALID',
          message: `TLS key ${f.keyPath} does not belong to the certificate in ${f.certPath}`,
        },
      });
      expect(f.applied).toEqual([]);
      expect(f.reloader.current).toBe(f.initial);
      expect(await f.reloader.check()).toBeUndefined();
      expect(f.reports).toHaveLength(1);
      await put(pairs[2]!);
      expect((await f.reloader.check())?.ok).toBe(true);
      expect(f.reloader.current.leaf.fingerprint256).toBe(await fingerprint(pairs[2]!));
    });
  });

  describe('when the certificate is caught half-written', () => {
    it('reports TLS_INVALID and keeps the old pair', async () => {
      const pem = await readFile(pairs[1]!.certPath, 'utf8');
      await writeFile(f.certPath, pem.slice(0, pem.length / 2));
      const result = await f.reloader.check();
      expect(result).toMatchObject({
        ok: false,
        error: {
          code: 'TLS_INVALID',
          message: `TLS certificate file ${f.certPath} holds no PEM certificate`,
        },
      });
      expect(f.reloader.current).toBe(f.initial);
    });
  });

  describe('when a file disappears', () => {
    it('reports it once and stays quiet when the served pair comes back', async () => {
      await rm(f.keyPath);
      const result = await f.reloader.check();
      expect(result).toMatchObject({
        ok: false,
        error: {
          code: 'TLS_INVALID',
          message: `TLS key file ${f.keyPath} cannot be read (ENOENT)`,
        },
      });
      expect(await f.reloader.check()).toBeUndefined();
      await put(pairs[0]!);
      expect(await f.reloader.check()).toBeUndefined();
      expect([f.applied, f.reports.length]).toEqual([[], 1]);
    });
  });

  describe('when apply throws', () => {
    it('reports TLS_INVALID with the reason and keeps the old pair', async () => {
      applyError = new Error('ee key too small');
      await put(pairs[1]!);
      const result = await f.reloader.check();
      expect(result).toMatchObject({
        ok: false,
        error: {
          code: 'TLS_INVALID',
          message: `TLS pair from ${f.certPath} was refused: ee key too small`,
        },
      });
      expect(f.reloader.current).toBe(f.initial);
    });
  });

  describe('when onReload throws', () => {
    it('still applies and returns the result', async () => {
      const reloader = watchServingTls({
        certPath: f.certPath,
        keyPath: f.keyPath,
        current: f.initial,
        apply: () => undefined,
        onReload: () => {
          throw new Error('listener bug');
        },
      });
      await put(pairs[1]!);
      expect((await reloader.check())?.ok).toBe(true);
      reloader.close();
    });
  });

  describe('when closed', () => {
    it('applies nothing any more', async () => {
      f.reloader.close();
      await put(pairs[1]!);
      expect(await f.reloader.check()).toBeUndefined();
      expect(f.applied).toEqual([]);
    });
  });

  describe('when left to its timer', () => {
    it('applies a change without being asked', async () => {
      const applied = new Promise<ServingTls>((resolve) => {
        const reloader = watchServingTls({
          certPath: f.certPath,
          keyPath: f.keyPath,
          current: f.initial,
          intervalMs: 20,
          apply: (next) => {
            reloader.close();
            resolve(next);
          },
        });
      });
      await put(pairs[1]!);
      expect((await applied).leaf.fingerprint256).toBe(await fingerprint(pairs[1]!));
    });
  });
});
