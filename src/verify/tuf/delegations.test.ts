import { beforeEach, describe, expect, it } from 'vitest';
import {
  ecdsaKey,
  MemoryTufRepo,
  rootCertKey,
  target,
  type Delegation,
  type Publication,
} from '../../../test/support/tuf-repo.js';
import { EMPTY_STATE } from './state.js';
import { verifyTrustData, type VerifyTrustDataOptions } from './verify-trust-data.js';

const A = { digest: `sha256:${'a'.repeat(64)}`, size: 527 };
const B = { digest: `sha256:${'b'.repeat(64)}`, size: 900 };
let repo: MemoryTufRepo;
let pub: Publication;
const releases = ecdsaKey();

beforeEach(async () => {
  repo = await MemoryTufRepo.create();
  pub = { ...repo.defaults(), targets: { v1: target(B.digest, B.size) } };
});

const publish = (delegations: Delegation[]): void => repo.publish({ ...pub, delegations });
/** Only the delegation lists v1: its failure is the verdict. */
const publishAlone = (delegations: Delegation[]): void =>
  repo.publish({ ...pub, targets: {}, delegations });
const verify = (o: Partial<VerifyTrustDataOptions> = {}) =>
  verifyTrustData({
    gun: repo.gun,
    trustStore: repo.pins(),
    source: repo,
    image: { ...A, tag: 'v1' },
    now: new Date(),
    ...o,
  });
const code = (c: string) => ({ code: c });
const rel = (d: Partial<Delegation> = {}): Delegation => ({
  name: 'targets/releases',
  keys: [releases],
  targets: { v1: target(A.digest, A.size) },
  ...d,
});

describe('verifyTrustData delegations', () => {
  describe('when targets/releases signs the tag', () => {
    it('returns its target, which takes precedence over the targets role (as Docker)', async () => {
      publish([rel()]);
      const out = await verify();
      expect(out.target).toMatchObject({ role: 'targets/releases', digest: A.digest });
      expect(out.state.targets).toEqual({ targets: 1, 'targets/releases': 1 });
    });

    it('returns a target of a nested delegation when the roles option accepts it', async () => {
      const team = ecdsaKey();
      publish([
        rel({ targets: {} }),
        { name: 'targets/releases/team', keys: [team], targets: { v1: target(A.digest, A.size) } },
      ]);
      await expect(verify({ roles: ['targets/releases/team'] })).resolves.toMatchObject({
        target: { role: 'targets/releases/team' },
      });
    });
  });

  describe('when a delegation cannot be used', () => {
    it('throws THRESHOLD_NOT_MET when a key the parent does not list signed it', async () => {
      publishAlone([rel({ signers: [ecdsaKey()] })]);
      await expect(verify()).rejects.toMatchObject(code('THRESHOLD_NOT_MET'));
    });

    it('throws EXPIRED once it expired', async () => {
      publishAlone([rel({ expires: new Date(Date.now() - 1000).toISOString() })]);
      await expect(verify()).rejects.toMatchObject(code('EXPIRED'));
    });

    it('throws ROLLBACK for a version below one trusted', async () => {
      publish([rel()]);
      await expect(
        verify({ state: { ...EMPTY_STATE, targets: { 'targets/releases': 3 } } }),
      ).rejects.toMatchObject(code('ROLLBACK'));
    });

    it('throws TARGET_NOT_FOUND for a tag only a delegation Docker does not accept signs', async () => {
      publish([
        { name: 'targets/qa', keys: [ecdsaKey()], targets: { qa: target(A.digest, A.size) } },
      ]);
      await expect(verify({ image: { ...A, tag: 'qa' } })).rejects.toMatchObject(
        code('TARGET_NOT_FOUND'),
      );
    });

    it('throws TARGET_NOT_FOUND for a role the parent never delegated (metadata alone is not enough)', async () => {
      publish([rel()]);
      const stray = [...repo.files.keys()].find((k) => k.startsWith('targets/releases'));
      expect(stray).toBeDefined();
      pub = { ...pub, timestampVersion: 2, snapshotVersion: 2 };
      repo.publish({
        ...pub,
        delegations: [],
        edit: {
          snapshot: (d) =>
            void ((d['meta'] as Record<string, unknown>)['targets/releases'] = {
              length: 1,
              hashes: { sha256: 'A'.repeat(43) + '=' },
            }),
        },
      });
      await expect(verify()).rejects.toMatchObject(code('DIGEST_MISMATCH')); // falls back to targets: v1 → B
    });

    it('throws HASH_MISMATCH for delegation bytes other than the snapshot names', async () => {
      publish([rel()]);
      const name = [...repo.files.keys()].find((k) => /^targets\/releases\.[0-9a-f]{64}$/.test(k))!;
      const bytes = Buffer.from(repo.files.get(name)!);
      bytes[bytes.length - 1] = 0x5d; // same length, other bytes
      repo.files.set(name, bytes);
      await expect(verify()).rejects.toMatchObject(code('HASH_MISMATCH'));
    });
  });

  describe('when paths restrict a delegation', () => {
    it('returns nothing from a role for a name outside its paths', async () => {
      publish([rel({ paths: ['release-'] })]);
      await expect(verify()).rejects.toMatchObject(code('DIGEST_MISMATCH')); // only targets' v1 (B) counts
    });

    it('never lets a child sign beyond its parent’s paths', async () => {
      const team = ecdsaKey();
      publish([
        rel({ paths: ['prod-'], targets: {} }),
        {
          name: 'targets/releases/team',
          keys: [team],
          paths: ['', 'prod-'],
          targets: { v1: target(A.digest, A.size), 'prod-1': target(A.digest, A.size) },
        },
      ]);
      await expect(verify({ roles: ['targets/releases/team'] })).rejects.toMatchObject(
        code('TARGET_NOT_FOUND'),
      );
      await expect(
        verify({ roles: ['targets/releases/team'], image: { ...A, tag: 'prod-1' } }),
      ).resolves.toBeDefined();
    });
  });

  describe('when a targets file delegates what is not its child', () => {
    it('throws DELEGATION_INVALID', async () => {
      publish([rel()]);
      repo.publish({
        ...pub,
        delegations: [rel()],
        edit: {
          targets: (d) =>
            void ((d['delegations'] as { roles: { name: string }[] }).roles[0]!.name =
              'targets/../root'),
        },
      });
      await expect(verify()).rejects.toMatchObject(code('DELEGATION_INVALID'));
    });

    it('throws DELEGATION_INVALID for an accepted role deeper than the bound', async () => {
      publish([]);
      await expect(verify({ roles: ['targets/a/b/c/d/e'] })).rejects.toMatchObject(
        code('DELEGATION_INVALID'),
      );
    });
  });

  it('ignores a root key type it does not know (rootCertKey keeps the test honest)', async () => {
    expect((await rootCertKey(repo.gun)).keytype).toBe('ecdsa-x509');
  });
});
