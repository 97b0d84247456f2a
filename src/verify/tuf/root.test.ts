import { createPublicKey } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  MemoryTufRepo,
  rootCertKey,
  target,
  type Publication,
} from '../../../test/support/tuf-repo.js';
import { EMPTY_STATE } from './state.js';
import { createTufTrustStore } from './trust-store.js';
import { verifyTrustData, type VerifyTrustDataOptions } from './verify-trust-data.js';

const A = { digest: `sha256:${'a'.repeat(64)}`, size: 527, tag: 'v1' };
const DAY = 86_400_000;
let repo: MemoryTufRepo;
let pub: Publication;

beforeEach(async () => {
  repo = await MemoryTufRepo.create();
  pub = { ...repo.defaults(), targets: { v1: target(A.digest, A.size) } };
  repo.publish(pub);
});

const verify = (o: Partial<VerifyTrustDataOptions> = {}) =>
  verifyTrustData({
    gun: repo.gun,
    trustStore: repo.pins(),
    source: repo,
    image: A,
    now: new Date(),
    ...o,
  });
const code = (c: string) => ({ code: c });

/** Publishes root version `v` signed by `signers`, with `keys` as its root keys. */
function rotate(
  v: number,
  keys = pub.rootKeys,
  signers = [...new Set([...pub.rootKeys, ...keys])],
): void {
  repo.publish(
    (pub = {
      ...pub,
      rootVersion: v,
      rootKeys: keys,
      rootSigners: signers,
      timestampVersion: v,
      snapshotVersion: v,
    }),
  );
}

describe('verifyTrustData root of trust', () => {
  describe('when the pins name the root', () => {
    it('returns the target for a pinned public key as for a pinned certificate', async () => {
      const spki = createPublicKey(repo.root.certPem!)
        .export({ type: 'spki', format: 'pem' })
        .toString();
      await expect(verify({ trustStore: createTufTrustStore([spki]) })).resolves.toMatchObject({
        target: { name: 'v1' },
      });
    });
  });

  describe('when the pins do not name the root', () => {
    it('throws ROOT_UNTRUSTED (never trust on first use)', async () => {
      const stranger = await rootCertKey(repo.gun);
      await expect(verify({ trustStore: repo.pins(stranger) })).rejects.toMatchObject(
        code('ROOT_UNTRUSTED'),
      );
    });
  });

  describe('when the root certificate is not one Notary accepts', () => {
    it('throws ROOT_UNTRUSTED for a certificate whose CN is another GUN', async () => {
      const other = await rootCertKey('registry.example/other');
      rotate(1, [other], [other]);
      await expect(verify({ trustStore: repo.pins(other) })).rejects.toMatchObject(
        code('ROOT_UNTRUSTED'),
      );
    });

    it('returns the target for a wildcard CN that prefixes the GUN', async () => {
      const wild = await rootCertKey('registry.example/acme/*');
      rotate(1, [wild], [wild]);
      await expect(verify({ trustStore: repo.pins(wild) })).resolves.toBeDefined();
    });

    it('throws EXPIRED for a root certificate past its notAfter', async () => {
      const old = await rootCertKey(repo.gun, {
        notBefore: new Date(Date.now() - 20 * DAY),
        notAfter: new Date(Date.now() - DAY),
      });
      rotate(1, [old], [old]);
      await expect(verify({ trustStore: repo.pins(old) })).rejects.toMatchObject(code('EXPIRED'));
    });

    it('throws ROOT_UNTRUSTED for a SHA-1-signed root certificate', async () => {
      const sha1 = await rootCertKey(repo.gun, { hash: 'SHA-1' });
      rotate(1, [sha1], [sha1]);
      await expect(verify({ trustStore: repo.pins(sha1) })).rejects.toMatchObject(
        code('ROOT_UNTRUSTED'),
      );
    });
  });

  describe('when the root itself is not right', () => {
    it('throws EXPIRED once the root metadata expired', async () => {
      repo.publish({ ...pub, rootExpires: new Date(Date.now() - 1000).toISOString() });
      await expect(verify()).rejects.toMatchObject(code('EXPIRED'));
    });

    it('throws ROOT_UNTRUSTED when a threshold of 2 has one signature', async () => {
      const second = await rootCertKey(repo.gun);
      repo.publish({
        ...pub,
        rootKeys: [repo.root, second],
        rootThreshold: 2,
        rootSigners: [repo.root],
      });
      await expect(verify()).rejects.toMatchObject(code('ROOT_UNTRUSTED'));
    });

    it('throws ROLLBACK for a root version below one trusted', async () => {
      await expect(verify({ state: { ...EMPTY_STATE, root: 2 } })).rejects.toMatchObject(
        code('ROLLBACK'),
      );
    });
  });

  describe('when the root key was rotated', () => {
    it('returns the target through each version signed by the one before', async () => {
      const pins = repo.pins();
      const k2 = await rootCertKey(repo.gun);
      rotate(2, [k2]);
      const k3 = await rootCertKey(repo.gun);
      rotate(3, [k3]);
      const out = await verify({ trustStore: pins });
      expect(out.state.root).toBe(3);
      expect(repo.requests.filter((r) => /^\d+\.root$/.test(r))).toEqual(['1.root', '2.root']);
    });

    it('throws ROOT_UNTRUSTED when a version is not signed by the previous root keys', async () => {
      const pins = repo.pins();
      const k2 = await rootCertKey(repo.gun);
      rotate(2, [k2], [k2]);
      await expect(verify({ trustStore: pins })).rejects.toMatchObject(code('ROOT_UNTRUSTED'));
    });

    it('throws ROOT_UNTRUSTED when a version is signed by the previous keys only', async () => {
      const pins = repo.pins();
      const k2 = await rootCertKey(repo.gun);
      rotate(2, [k2], [repo.root]);
      await expect(verify({ trustStore: pins })).rejects.toMatchObject(code('ROOT_UNTRUSTED'));
    });

    it('throws METADATA_MISSING when a version between is not on the server', async () => {
      const pins = repo.pins();
      rotate(2, [await rootCertKey(repo.gun)]);
      rotate(3, [await rootCertKey(repo.gun)]);
      repo.files.delete('2.root');
      await expect(verify({ trustStore: pins })).rejects.toMatchObject(code('METADATA_MISSING'));
    });

    it('throws TOO_LARGE for more versions than the bound', async () => {
      const pins = repo.pins();
      rotate(40, [await rootCertKey(repo.gun)]);
      await expect(verify({ trustStore: pins })).rejects.toMatchObject(code('TOO_LARGE'));
      expect(repo.requests.some((r) => r.endsWith('.root'))).toBe(false);
    });

    it('throws METADATA_MALFORMED when N.root.json is another version', async () => {
      const pins = repo.pins();
      rotate(2, [await rootCertKey(repo.gun)]);
      repo.files.set('1.root', repo.files.get('2.root')!);
      await expect(verify({ trustStore: pins })).rejects.toMatchObject(code('METADATA_MALFORMED'));
    });
  });

  describe('when the root metadata is malformed', () => {
    it('throws METADATA_MALFORMED for a key listed under an ID that is not its own', async () => {
      repo.publish({
        ...pub,
        edit: {
          root: (d) =>
            void ((d['keys'] as Record<string, unknown>)['0'.repeat(64)] = (
              d['keys'] as Record<string, unknown>
            )[repo.targetsKey.id]),
        },
      });
      await expect(verify()).rejects.toMatchObject(code('METADATA_MALFORMED'));
    });

    it('throws METADATA_MALFORMED for a member Go would read case-insensitively', async () => {
      repo.publish({ ...pub, edit: { root: (d) => void (d['Version'] = 7) } });
      await expect(verify()).rejects.toMatchObject(code('METADATA_MALFORMED'));
    });
  });
});
