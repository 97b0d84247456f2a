import { describe, expect, it } from 'vitest';
import { parseTrustPolicyDocument, type TrustPolicyStatement } from '../verify/index.js';
import { compileRequirements } from './requirements.js';
import { compileSigners } from './signers.js';

const policy = (level = 'strict'): TrustPolicyStatement =>
  parseTrustPolicyDocument({
    version: '1.0',
    trustPolicies: [
      {
        name: 'ubuntu',
        registryScopes: ['registry.example.com/apps/ubuntu'],
        signatureVerification: { level },
        trustStores: level === 'skip' ? [] : ['ca:own'],
        trustedIdentities: level === 'skip' ? [] : ['*'],
      },
    ],
  }).trustPolicies[0]!;

const vendor = {
  name: 'vendor',
  trustStores: ['ca:vendor'],
  trustedIdentities: ['x509.subject: C=US, ST=London, O=Canonical, CN=release'],
};
const org = { name: 'org', trustStores: ['ca:org'], trustedIdentities: ['*'] };

describe('compileSigners', () => {
  describe('when the policy has no signers', () => {
    it('returns one group: the statement itself, with its required metadata', () => {
      const p = policy();
      const out = compileSigners(p, { userMetadata: { buildId: '42' } }, 'spec');
      expect(out).toEqual({
        signers: [{ name: 'ubuntu', statement: p, userMetadata: { buildId: '42' } }],
        signersRequired: 1,
        problems: [],
      });
      expect(out.signers[0]?.statement).toBe(p);
    });

    it('returns a problem for signersRequired alone', () => {
      expect(compileSigners(policy(), { signersRequired: 1 }, 'spec').problems).toEqual([
        'spec.signersRequired: is only meaningful with signers',
      ]);
    });
  });

  describe('when the policy has signer groups', () => {
    it('returns each group as a statement of the policy’s scopes and level, all required', () => {
      const out = compileSigners(
        policy(),
        { signers: [{ ...vendor, userMetadata: { buildId: '42' } }, org] },
        'spec',
      );
      expect(out.problems).toEqual([]);
      expect(out.signersRequired).toBe(2);
      expect(out.signers.map((g) => [g.name, g.statement.name, g.userMetadata])).toEqual([
        ['vendor', 'ubuntu/vendor', { buildId: '42' }],
        ['org', 'ubuntu/org', undefined],
      ]);
      expect(out.signers[1]?.statement).toEqual({
        name: 'ubuntu/org',
        registryScopes: ['registry.example.com/apps/ubuntu'],
        signatureVerification: { level: 'strict' },
        trustStores: ['ca:org'],
        trustedIdentities: ['*'],
      });
    });

    it('returns a group’s own level when it gives one', () => {
      const audit = { ...org, signatureVerification: { level: 'permissive' } };
      const out = compileSigners(
        policy(),
        { signers: [vendor, audit], signersRequired: 1 },
        'spec',
      );
      expect(out.signers[1]?.statement.signatureVerification.level).toBe('permissive');
      expect(out.signersRequired).toBe(1);
    });

    it.each([
      [
        'a group without stores or identities',
        { signers: [{ name: 'org' }] },
        [
          'spec.signers[0].trustStores: at least one trust store ("type:name") is required [TRUST_STORE_REFERENCE_INVALID]',
          'spec.signers[0].trustedIdentities: at least one trusted identity is required ("*" or "x509.subject: <DN>") [IDENTITY_INVALID]',
        ],
      ],
      [
        'duplicate group names',
        { signers: [vendor, { ...org, name: 'vendor' }] },
        ['spec.signers[1].name: "vendor" is the name of another signer group'],
      ],
      [
        'a name that is not a DNS label',
        { signers: [{ ...org, name: 'Org/1' }] },
        ['spec.signers[0].name: must be a DNS label (lower-case letters, digits, "-"; at most 63)'],
      ],
      [
        'signersRequired above the groups',
        { signers: [vendor, org], signersRequired: 3 },
        ['spec.signersRequired: must be a whole number from 1 to 2'],
      ],
      [
        'user metadata beside the groups',
        { signers: [vendor], userMetadata: { buildId: '42' } },
        ['spec.userMetadata: with signers, give userMetadata per signer group'],
      ],
      [
        'a group that skips',
        { signers: [{ ...org, signatureVerification: { level: 'skip' } }] },
        ['spec.signers[0].signatureVerification.level: a signer group cannot skip'],
      ],
      [
        'an unknown member',
        { signers: [{ ...org, trustStore: ['ca:x'] }] },
        [
          'spec.signers[0].trustStore: unknown member (expected name, trustStores, trustedIdentities, signatureVerification, userMetadata)',
        ],
      ],
      ['no groups at all', { signers: [] }, ['spec.signers: must list 1 to 8 signer groups']],
      [
        'metadata that is not key/value strings',
        { signers: [{ ...org, userMetadata: { buildId: 42 } }] },
        ['spec.signers[0].userMetadata.buildId: must be a string'],
      ],
    ])('returns the problems of %s', (_, fields, problems) => {
      const out = compileSigners(policy(), fields, 'spec');
      expect(out.problems).toEqual(problems);
    });
  });

  describe('when the policy skips verification', () => {
    it('returns a problem for signers and for user metadata', () => {
      expect(compileSigners(policy('skip'), { signers: [org] }, 'spec').problems).toContain(
        'spec.signers: a policy with level skip has no signers',
      );
      expect(compileSigners(policy('skip'), { userMetadata: { a: 'b' } }, 'spec').problems).toEqual(
        ['spec.userMetadata: a policy with level skip verifies no metadata'],
      );
    });
  });
});

describe('compileRequirements', () => {
  describe('when the policy has signers', () => {
    it('returns the statement without trust of its own, for the document', () => {
      const out = compileRequirements(policy(), { signers: [vendor, org] }, 'spec');
      expect(out.statement).toMatchObject({ trustStores: [], trustedIdentities: [] });
      expect(out.requirements).toMatchObject({
        signersRequired: 2,
        referrers: [],
        signedSubject: 'Index',
      });
    });
  });

  describe('when it has none', () => {
    it('returns the statement unchanged', () => {
      const p = policy();
      expect(compileRequirements(p, {}, 'spec').statement).toBe(p);
    });
  });
});
