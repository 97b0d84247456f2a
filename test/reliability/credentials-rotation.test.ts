// Issue 15 item 6: the registry password is rotated while the service verifies 20 reviews/s with
// the verdict cache off (every review asks the registry). The credentials file is a Secret
// volume as kubelet lays it out, and changes by its `..data` link: first to a half-written file
// (refused: the old credentials stay, counted as an error), then to the new password, which the
// registry accepts beside the old one until the service has taken it; then the old password is
// revoked. Basic auth sends the password with every request, so a service still using the old
// one would fail reviews at once. Zero reviews may fail or be denied. (That tokens fetched with
// old credentials never serve the new identity is src/registry/auth.test.ts's.)
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makePki,
  notationSign,
  pushImage,
  startRegistry,
  type PushedImage,
  type Registry,
} from '../harness/index.js';
import type { RegistryUser } from '../harness/token-server.js';
import type { ApiServerClient } from '../support/api-server.js';
import { startTestService, type TestService } from '../support/service.js';
import { report, runAtRate, summarize } from './support/load.js';

const RPS = 20;
const DURATION_MS = 6_000;
const ROTATE_AT_MS = 1_500;

let root: string;
let registry: Registry;
let svc: TestService;
let api: ApiServerClient;
const images: PushedImage[] = [];
let swapTo: (text: string) => Promise<void>;

/** A Secret volume: config.json → ..data/config.json, ..data → ..<generation>, swapped atomically. */
async function secretVolume(first: string) {
  const dir = await mkdtemp(join(root, 'volume-'));
  let generation = 0;
  const swap = async (text: string): Promise<void> => {
    const next = `..2026_11_22_00_00_00.${++generation}`;
    await mkdir(join(dir, next));
    await writeFile(join(dir, next, 'config.json'), text);
    await symlink(next, join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  };
  await swap(first);
  await symlink('..data/config.json', join(dir, 'config.json'));
  return { file: join(dir, 'config.json'), swap };
}

/** notary_admission_credentials_reloads_total by result. */
async function reloads(): Promise<Record<string, number>> {
  const text = await (await fetch(`${svc.service.metricsUrl!}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(
    /^notary_admission_credentials_reloads_total\{result="(\w+)"\} (\d+)$/gm,
  ))
    out[m[1]!] = Number(m[2]);
  return out;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'creds-rotation-'));
  // olareg's auth proxy reads its user list on every request: a password can change at run time.
  registry = await startRegistry({ kind: 'olareg', auth: 'basic' });
  const pki = await makePki({ key: 'ec-p256', name: 'Rotation Signer' });
  for (let i = 0; i < 4; i++) {
    const image = await pushImage(registry, `rotation/app-${i}`, {
      credentials: registry.credentials,
    });
    await notationSign(image.reference, registry, {
      key: pki.leaf.keyPath,
      certChain: pki.chainPath,
      format: 'jws',
      referrersApi: true,
    });
    images.push(image);
  }
  const volume = await secretVolume(registry.dockerConfigJson());
  swapTo = volume.swap;
  svc = await startTestService({
    trustPolicy: {
      version: '1.0',
      trustPolicies: [
        {
          name: 'rotation',
          registryScopes: ['*'],
          signatureVerification: { level: 'strict' },
          trustStores: ['ca:acme'],
          trustedIdentities: ['*'],
        },
      ],
    },
    trustStores: { ca: { acme: [pki.root.pem] } },
    flags: [
      ...['--insecure-registry', registry.host],
      ...['--registry-credentials', volume.file],
      '--no-cache',
    ],
  });
  api = svc.client();
});
afterAll(async () => {
  await svc?.close();
  await registry?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('registry credentials rotated under load (service)', () => {
  it('moves to the new password with zero failed reviews, refusing a half-written file on the way', async () => {
    const users = registry.users;
    const old = users[0]!;
    const rotated: RegistryUser = { username: old.username, password: `${old.password}-rotated` };
    const newConfig = registry.dockerConfigJson(rotated);
    const steps: Record<string, number> = {};
    const started = performance.now();
    const at = (step: string) => (steps[step] = Math.round(performance.now() - started));
    let rotation: Promise<void> = Promise.resolve();
    const records = await runAtRate({
      clients: [api],
      rps: RPS,
      durationMs: DURATION_MS,
      shot: (k) => ({ image: images[k % images.length]!.reference, truth: 'signed' }),
      event: {
        atMs: ROTATE_AT_MS,
        run: () => {
          rotation = (async () => {
            await swapTo(newConfig.slice(0, 20)); // kubelet never does this, an editor might
            await until(async () => (await reloads())['error'] === 1, 'the refused file');
            at('halfWrittenRefused');
            users.push(rotated); // the registry takes both passwords for a while
            await swapTo(newConfig);
            await until(async () => (await reloads())['ok'] === 1, 'the new credentials');
            at('newCredentialsInForce');
            users.splice(users.indexOf(old), 1); // the old password is revoked
            at('oldPasswordRevoked');
          })();
        },
      },
    });
    await rotation;
    const s = summarize(records);
    const afterRevoke = records.filter((r) => r.sentAt > steps['oldPasswordRevoked']!).length;
    report('credentials rotation under load', {
      rps: RPS,
      durationMs: DURATION_MS,
      reviews: s.total,
      admitted: s.admitted,
      failed: s.failed,
      denied: s.denied,
      reviewsAfterRevoke: afterRevoke,
      steps,
      latencyMs: s.latencyMs,
    });
    expect(s.codes, records.find((r) => r.code)?.message).toEqual({});
    expect([s.admitted, s.failed, s.denied]).toEqual([s.total, 0, 0]);
    // Reviews after the revocation reached the registry with the new password.
    expect(afterRevoke).toBeGreaterThan(RPS * 2);
    expect(await reloads()).toEqual({ ok: 1, error: 1 });
  });
});
