import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vector, vectorText } from '../../test/support/vectors.js';
import { parseTrustPolicyDocument, type TrustPolicyStatement } from '../verify/index.js';
import { compileDct, dctWindow } from './dct.js';
import { loadFileSnapshot } from './file-snapshot.js';
import { singleStatement } from './requirements.js';

const STATEMENT: TrustPolicyStatement = parseTrustPolicyDocument(
  vectorText('trustpolicies/notation-e2e/trustpolicy.json'),
).trustPolicies[0]!;
const SINGLE = singleStatement(STATEMENT);
const BLOCK = {
  server: 'https://Notary.Example.com:443/',
  until: '2030-01-01T00:00:00+01:00',
  trustStore: 'acme',
};
const PIN = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();

describe('compileDct', () => {
  describe('when the block is valid', () => {
    it('returns it with the server as an origin, until in UTC and Docker’s roles', () => {
      expect(compileDct(STATEMENT, BLOCK, SINGLE, 'spec')).toEqual({
        dct: {
          server: 'https://notary.example.com',
          until: '2029-12-31T23:00:00.000Z',
          trustStore: 'acme',
          roots: [],
          roles: ['targets/releases', 'targets'],
        },
        problems: [],
      });
    });

    it('returns the roles given, in their order', () => {
      const roles = ['targets/alice', 'targets'];
      expect(compileDct(STATEMENT, { ...BLOCK, roles }, SINGLE, 'spec').dct?.roles).toEqual(roles);
    });
  });

  describe('when the block is not valid', () => {
    const problems = (raw: unknown, rest = SINGLE, statement = STATEMENT) =>
      compileDct(statement, raw, rest, 'spec').problems;

    it('returns a problem for a missing until (the window must end)', () => {
      expect(problems({ ...BLOCK, until: undefined })).toEqual([
        expect.stringMatching(/^spec\.dct\.until: must be an RFC 3339 date-time .*required/),
      ]);
    });

    it('returns problems for a date without a time, a server with a path, a bad role and an unknown field', () => {
      const raw = {
        ...BLOCK,
        until: '2030-01-01',
        server: 'https://notary.example.com/v2',
        roles: ['targets/Releases'],
        pins: [],
      };
      expect(problems(raw)).toEqual([
        'spec.dct.pins: unknown field (expected server, until, trustStore, roles)',
        'spec.dct.server: must be an origin, without path, query or credentials',
        expect.stringMatching(/^spec\.dct\.until: /),
        expect.stringMatching(/^spec\.dct\.roles\[0\]: must be targets or a delegation/),
      ]);
    });

    it('returns a problem for level skip', () => {
      const skip = {
        ...STATEMENT,
        signatureVerification: { level: 'skip' },
      } as TrustPolicyStatement;
      expect(problems(BLOCK, SINGLE, skip)).toEqual([
        'spec.dct: a policy with level skip verifies nothing, so it cannot accept DCT',
      ]);
    });

    it('returns problems when DCT could not stand in for the whole signature requirement', () => {
      const group = SINGLE.signers[0]!;
      const rest = {
        ...SINGLE,
        signers: [group, { ...group, name: 'org' }],
        referrers: [{ artifactType: 'application/spdx+json', signer: 'org' }],
        signedSubject: 'EachPlatform' as const,
      };
      expect(problems(BLOCK, rest)).toEqual([
        expect.stringMatching(/must have one signer group \(it has 2\)$/),
        'spec.dct: cannot be combined with requiredReferrers (DCT signs no referrers)',
        expect.stringMatching(/needs signedSubject Index/),
      ]);
    });
  });
});

describe('dctWindow', () => {
  const until = '2030-01-15T00:00:00.000Z';
  const at = (iso: string) => dctWindow({ until }, Date.parse(iso));

  it('returns open, then closing from 14 days before, then closed from until', () => {
    expect(at('2029-12-31T23:59:59Z')).toBe('open');
    expect(at('2030-01-01T00:00:00Z')).toBe('closing');
    expect(at('2030-01-15T00:00:00Z')).toBe('closed');
  });
});

describe('loadFileSnapshot with policies.<name>.dct', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'config-dct-'));
    await writeFile(
      path.join(dir, 'trustpolicy.json'),
      vectorText('trustpolicies/notation-e2e/trustpolicy.json'),
    );
    const ca = path.join(dir, 'truststore', 'x509', 'ca', 'e2e');
    await mkdir(ca, { recursive: true });
    await writeFile(path.join(ca, 'e2e.crt'), vector('certs/notation-e2e/localkeys/e2e.crt'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const load = () =>
    loadFileSnapshot({
      trustPolicyPath: path.join(dir, 'trustpolicy.json'),
      trustStoreDir: path.join(dir, 'truststore'),
      admission: { [STATEMENT.name]: { dct: BLOCK } },
    });

  describe('when the notaryV1Root folder holds a pin', () => {
    it('returns the requirements with its PEM as the pinned roots', async () => {
      const folder = path.join(dir, 'truststore', 'notaryV1Root', 'acme');
      await mkdir(folder, { recursive: true });
      await writeFile(path.join(folder, 'root.pem'), PIN);
      await writeFile(path.join(folder, '.hidden'), 'not read');
      const snapshot = await load();
      expect(snapshot.requirements?.(STATEMENT.name)?.dct?.roots).toEqual([PIN]);
    });
  });

  describe('when the folder is missing or holds no pin', () => {
    it('throws TRUST_STORE_INVALID naming the statement and the folder', async () => {
      await expect(load()).rejects.toMatchObject({
        code: 'TRUST_STORE_INVALID',
        message: expect.stringMatching(
          /"e2e" pins its Notary v1 root with trust store "acme": .*notaryV1Root\/acme does not exist$/,
        ) as unknown,
      });
      const folder = path.join(dir, 'truststore', 'notaryV1Root', 'acme');
      await mkdir(folder, { recursive: true });
      await writeFile(path.join(folder, 'root.pem'), 'no PEM here');
      await expect(load()).rejects.toMatchObject({ code: 'TRUST_STORE_INVALID' });
    });
  });
});
