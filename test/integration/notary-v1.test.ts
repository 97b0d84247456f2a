// Docker Content Trust (Notary v1) verification against the real notary-server, with trust data
// published by the real notary client for images pushed to the harness registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotaryClient } from '../../src/registry/notary-v1.js';
import {
  createTufTrustStore,
  verifyTrustData,
  type ImageToVerify,
  type TrustedTarget,
  type TufState,
  type TufTrustStore,
} from '../../src/verify/tuf/index.js';
import {
  notaryClient,
  notaryRootCertificate,
  pushImage,
  startNotaryServer,
  startRegistry,
  type NotaryCli,
  type NotaryServer,
  type PushedImage,
  type Registry,
} from '../harness/index.js';
import { startReplayProxy } from '../support/replay-proxy.js';

let registry: Registry;
let notary: NotaryServer;
const clients: NotaryClient[] = [];

beforeAll(async () => {
  [registry, notary] = await Promise.all([
    startRegistry({ kind: 'distribution' }),
    startNotaryServer(),
  ]);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([registry?.stop(), notary?.stop()]);
});

/** The root certificate a publisher hands to operators: from its own trust directory. */
function rootPin(cli: NotaryCli, gun: string): TufTrustStore {
  return createTufTrustStore([notaryRootCertificate(cli, gun)]);
}

interface Check {
  pin: TufTrustStore;
  image: ImageToVerify;
  state?: TufState;
  now?: Date;
  server?: string;
}

function verify(gun: string, c: Check): Promise<TrustedTarget> {
  const client = new NotaryClient({ server: c.server ?? notary.url, insecure: true });
  clients.push(client);
  return client.session({ timeoutMs: 10_000 }, (source) =>
    verifyTrustData({
      gun,
      trustStore: c.pin,
      source,
      image: c.image,
      now: c.now ?? new Date(),
      ...(c.state && { state: c.state }),
    }),
  );
}

/** A repository of the harness registry with two images, and its GUN. */
async function repository(name: string): Promise<{ gun: string; a: PushedImage; b: PushedImage }> {
  const a = await pushImage(registry, name, { tag: 'v1' });
  const b = await pushImage(registry, name, { tag: 'v2' });
  return { gun: `${registry.host}/${name}`, a, b };
}

const image = (p: PushedImage, tag?: string): ImageToVerify => ({
  digest: p.digest,
  size: p.size,
  ...(tag !== undefined && { tag }),
});

describe('Notary v1 trust data from the real notary client and server', () => {
  describe('when a tag is signed in the targets role', () => {
    let repo: Awaited<ReturnType<typeof repository>>;
    let cli: NotaryCli;
    beforeAll(async () => {
      repo = await repository('dct/plain');
      cli = notaryClient(notary);
      await cli.init(repo.gun);
      await cli.addHash(repo.gun, 'v1', repo.a);
    });

    it('returns the trusted target when its hash is the image digest', async () => {
      const out = await verify(repo.gun, {
        pin: rootPin(cli, repo.gun),
        image: image(repo.a, 'v1'),
      });
      expect(out.target).toEqual({
        name: 'v1',
        role: 'targets',
        digest: repo.a.digest,
        length: repo.a.size,
      });
      expect(out.state.root).toBe(1);
    });

    it('returns the target whose hash is the digest when there is no tag', async () => {
      const out = await verify(repo.gun, { pin: rootPin(cli, repo.gun), image: image(repo.a) });
      expect(out.target.name).toBe('v1');
    });

    it('throws DIGEST_MISMATCH for an image the tag was not signed for', async () => {
      await expect(
        verify(repo.gun, { pin: rootPin(cli, repo.gun), image: image(repo.b, 'v1') }),
      ).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    });

    it('throws TARGET_NOT_FOUND for a digest that is no target', async () => {
      await expect(
        verify(repo.gun, { pin: rootPin(cli, repo.gun), image: image(repo.b) }),
      ).rejects.toMatchObject({ code: 'TARGET_NOT_FOUND' });
    });

    it('throws EXPIRED for the timestamp once its 14 days have passed', async () => {
      const later = new Date(Date.now() + 15 * 86_400_000);
      await expect(
        verify(repo.gun, { pin: rootPin(cli, repo.gun), image: image(repo.a, 'v1'), now: later }),
      ).rejects.toMatchObject({
        code: 'EXPIRED',
        role: 'timestamp',
      });
    });

    it('throws ROOT_UNTRUSTED when the pin is another repository’s root', async () => {
      const other = notaryClient(notary);
      await other.init(`${registry.host}/dct/other`);
      const pin = rootPin(other, `${registry.host}/dct/other`);
      await expect(verify(repo.gun, { pin, image: image(repo.a, 'v1') })).rejects.toMatchObject({
        code: 'ROOT_UNTRUSTED',
      });
    });

    it('throws TRUST_DATA_NOT_FOUND for a GUN the server has nothing for', async () => {
      await expect(
        verify(`${registry.host}/dct/unsigned`, {
          pin: rootPin(cli, repo.gun),
          image: image(repo.a, 'v1'),
        }),
      ).rejects.toMatchObject({
        code: 'TRUST_DATA_NOT_FOUND',
      });
    });
  });

  describe('when tags are signed by delegations', () => {
    let repo: Awaited<ReturnType<typeof repository>>;
    let cli: NotaryCli;
    beforeAll(async () => {
      repo = await repository('dct/delegated');
      cli = notaryClient(notary);
      await cli.init(repo.gun);
      await cli.addDelegation(repo.gun, 'targets/releases');
      await cli.addHash(repo.gun, 'v2', repo.b, 'targets/releases');
      await cli.addDelegation(repo.gun, 'targets/qa');
      await cli.addHash(repo.gun, 'qa', repo.a, 'targets/qa');
    });

    it('returns the target signed by targets/releases', async () => {
      const out = await verify(repo.gun, {
        pin: rootPin(cli, repo.gun),
        image: image(repo.b, 'v2'),
      });
      expect(out.target).toMatchObject({
        name: 'v2',
        role: 'targets/releases',
        digest: repo.b.digest,
      });
      expect(out.state.targets['targets/releases']).toBeGreaterThanOrEqual(1);
    });

    it('throws TARGET_NOT_FOUND for a tag signed only by a delegation Docker does not accept', async () => {
      await expect(
        verify(repo.gun, { pin: rootPin(cli, repo.gun), image: image(repo.a, 'qa') }),
      ).rejects.toMatchObject({
        code: 'TARGET_NOT_FOUND',
      });
    });
  });

  describe('when the root key is rotated', () => {
    let repo: Awaited<ReturnType<typeof repository>>;
    let cli: NotaryCli;
    let pin: TufTrustStore;
    let state: TufState;
    beforeAll(async () => {
      repo = await repository('dct/rotated');
      cli = notaryClient(notary);
      await cli.init(repo.gun);
      await cli.addHash(repo.gun, 'v1', repo.a);
      pin = rootPin(cli, repo.gun);
      state = (await verify(repo.gun, { pin, image: image(repo.a, 'v1') })).state;
      await cli.rotateRoot(repo.gun);
    });

    it('returns the target through the chain from the pinned root (notary signs the new root with the old key)', async () => {
      const out = await verify(repo.gun, { pin, image: image(repo.a, 'v1'), state });
      expect(out.state.root).toBe(2);
    });

    describe('and the repository is replaced by one with a new root the pinned one does not sign', () => {
      let other: NotaryCli;
      let rotated: TufState;
      beforeAll(async () => {
        rotated = (await verify(repo.gun, { pin, image: image(repo.a, 'v1'), state })).state;
        await cli.deleteRemote(repo.gun);
        other = notaryClient(notary);
        await other.init(repo.gun);
        await other.addHash(repo.gun, 'v1', repo.b);
      });

      it('throws ROOT_UNTRUSTED', async () => {
        await expect(verify(repo.gun, { pin, image: image(repo.b, 'v1') })).rejects.toMatchObject({
          code: 'ROOT_UNTRUSTED',
        });
      });

      it('throws ROLLBACK when this process had trusted a later root', async () => {
        await expect(
          verify(repo.gun, { pin, image: image(repo.b, 'v1'), state: rotated }),
        ).rejects.toMatchObject({ code: 'ROLLBACK', role: 'root' });
      });

      it('returns the target for an operator who pins the new root', async () => {
        const out = await verify(repo.gun, {
          pin: rootPin(other, repo.gun),
          image: image(repo.b, 'v1'),
        });
        expect(out.target.digest).toBe(repo.b.digest);
      });
    });
  });

  describe('when an attacker in front of the server replays older metadata', () => {
    let repo: Awaited<ReturnType<typeof repository>>;
    let cli: NotaryCli;
    let proxy: Awaited<ReturnType<typeof startReplayProxy>>;
    let old: Map<string, Buffer>;
    let state: TufState;
    const tuf = (name: string): string => `/v2/${repo.gun}/_trust/tuf/${name}.json`;
    beforeAll(async () => {
      repo = await repository('dct/replayed');
      proxy = await startReplayProxy(notary.url);
      cli = notaryClient(notary);
      await cli.init(repo.gun);
      await cli.addHash(repo.gun, 'v1', repo.a);
      await verify(repo.gun, {
        pin: rootPin(cli, repo.gun),
        image: image(repo.a, 'v1'),
        server: proxy.url,
      });
      old = new Map(proxy.recorded);
      await cli.addHash(repo.gun, 'v2', repo.b);
      state = (
        await verify(repo.gun, {
          pin: rootPin(cli, repo.gun),
          image: image(repo.b, 'v2'),
          server: proxy.url,
        })
      ).state;
    });
    afterAll(() => proxy?.stop());

    it('throws ROLLBACK for the older timestamp and snapshot', async () => {
      proxy.replay.set(tuf('timestamp'), old.get(tuf('timestamp'))!);
      try {
        await expect(
          verify(repo.gun, {
            pin: rootPin(cli, repo.gun),
            image: image(repo.a, 'v1'),
            state,
            server: proxy.url,
          }),
        ).rejects.toMatchObject({
          code: 'ROLLBACK',
          role: 'timestamp',
        });
      } finally {
        proxy.replay.clear();
      }
    });

    it('throws HASH_MISMATCH for the older snapshot under the current timestamp', async () => {
      const current = [...proxy.recorded.keys()].filter((p) => p.includes('/snapshot.')).at(-1)!;
      const older = [...old.entries()].find(([p]) => p.includes('/snapshot.'))![1];
      proxy.replay.set(current, older);
      try {
        await expect(
          verify(repo.gun, {
            pin: rootPin(cli, repo.gun),
            image: image(repo.b, 'v2'),
            state,
            server: proxy.url,
          }),
        ).rejects.toMatchObject({
          code: 'HASH_MISMATCH',
          role: 'snapshot',
        });
      } finally {
        proxy.replay.clear();
      }
    });
  });
});
