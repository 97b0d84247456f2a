import { describe, expect, it } from 'vitest';
import { parseTrustPolicyDocument } from '../verify/index.js';
import { compileRequirements } from './requirements.js';
import { parseMaxAge, readSubjectRequirements, unknownSigners } from './subject-requirements.js';

const read = (raw: Record<string, unknown>, level = 'strict') =>
  readSubjectRequirements(raw, 'spec', level);

describe('parseMaxAge', () => {
  it.each([
    ['168h', 604_800],
    ['7d', 604_800],
    ['1h30m', 5_400],
    ['90s', 90],
    ['1d12h', 129_600],
  ])('returns the seconds of %s', (text, seconds) => {
    expect(parseMaxAge(text)).toBe(seconds);
  });
  it.each([[''], ['0h'], ['h'], ['1.5h'], ['30m1h'], ['-1h'], ['7 days'], ['3651d']])(
    'returns undefined for %j',
    (text) => {
      expect(parseMaxAge(text)).toBeUndefined();
    },
  );
});

describe('readSubjectRequirements', () => {
  describe('when none of the fields is given', () => {
    it('returns the notation meaning: no referrers, the index', () => {
      expect(read({ trustStores: ['ca:x'] })).toEqual({
        fields: { referrers: [], signedSubject: 'Index' },
        problems: [],
      });
    });
  });

  describe('when every field is valid', () => {
    it('returns them compiled, maxAge in seconds', () => {
      const raw = {
        requiredReferrers: [
          { artifactType: 'application/spdx+json', signer: 'org' },
          { artifactType: 'application/sarif+json', signer: 'org', maxAge: '168h' },
        ],
        signedSubject: 'EachPlatform',
        platforms: ['linux/amd64', 'linux/arm64', 'linux/amd64'],
      };
      expect(read(raw)).toEqual({
        fields: {
          referrers: [
            { artifactType: 'application/spdx+json', signer: 'org' },
            { artifactType: 'application/sarif+json', signer: 'org', maxAgeSeconds: 604_800 },
          ],
          signedSubject: 'EachPlatform',
          platforms: ['linux/amd64', 'linux/arm64'],
        },
        problems: [],
      });
    });
  });

  describe('when a field is wrong', () => {
    it.each([
      [{ requiredReferrers: {} }, 'spec.requiredReferrers: must be a list'],
      [
        { requiredReferrers: [{ artifactType: 'spdx', signer: 'org' }] },
        '.artifactType: must be a media type',
      ],
      [
        { requiredReferrers: [{ artifactType: 'a/b', signer: '' }] },
        '.signer: must name a signer group',
      ],
      [
        { requiredReferrers: [{ artifactType: 'a/b', signer: 'o', maxAge: '1 week' }] },
        '.maxAge: must be a duration',
      ],
      [
        { requiredReferrers: [{ artifactType: 'a/b', signer: 'o', age: '1h' }] },
        '.age: unknown field',
      ],
      [
        {
          requiredReferrers: [
            { artifactType: 'application/vnd.cncf.notary.signature', signer: 'o' },
          ],
        },
        'signatures are required through the signers',
      ],
      [
        {
          requiredReferrers: [
            { artifactType: 'a/b', signer: 'o' },
            { artifactType: 'a/b', signer: 'o' },
          ],
        },
        'spec.requiredReferrers[1]: duplicates',
      ],
      [
        { signedSubject: 'Platforms' },
        'spec.signedSubject: "Platforms" is not one of Index, EachPlatform, Either',
      ],
      [{ signedSubject: 'Either', platforms: ['linux'] }, 'spec.platforms[0]: must be os/arch'],
      [
        { platforms: ['linux/amd64'] },
        'spec.platforms: applies only with signedSubject EachPlatform or Either',
      ],
    ])('returns the problem of %j', (raw, problem) => {
      const { problems } = read(raw);
      expect(problems.join('\n')).toContain(problem);
    });
  });

  describe('when the level is skip', () => {
    it('returns a problem for each field given', () => {
      const { problems } = read({ signedSubject: 'Index', requiredReferrers: [] }, 'skip');
      expect(problems).toEqual([
        'spec.requiredReferrers: a policy with level skip verifies nothing, so requires nothing',
        'spec.signedSubject: a policy with level skip verifies nothing, so requires nothing',
      ]);
    });
  });
});

describe('unknownSigners', () => {
  describe('when a requirement names a group the policy does not have', () => {
    it('returns a problem naming it and the groups there are', () => {
      const referrers = [
        { artifactType: 'a/b', signer: 'org' },
        { artifactType: 'a/c', signer: 'qa' },
      ];
      expect(unknownSigners(referrers, ['vendor', 'org'], 'spec')).toEqual([
        'spec.requiredReferrers[1].signer: "qa" is not a signer group of this policy (vendor, org)',
      ]);
    });
  });
});

describe('compileRequirements with referrer and platform fields', () => {
  const statement = parseTrustPolicyDocument({
    version: '1.0',
    trustPolicies: [
      {
        name: 'app',
        registryScopes: ['registry.example.com/app'],
        signatureVerification: { level: 'strict' },
        trustStores: ['ca:vendor'],
        trustedIdentities: ['*'],
      },
    ],
  }).trustPolicies[0]!;
  const where = 'config.json: policies.app';

  describe('when a config file entry requires a referrer of the statement itself', () => {
    it('returns it in the requirements, with the subject mode', () => {
      const fields = {
        requiredReferrers: [{ artifactType: 'application/spdx+json', signer: 'app' }],
        signedSubject: 'Either',
      };
      const compiled = compileRequirements(statement, fields, where);
      expect(compiled.problems).toEqual([]);
      expect(compiled.requirements).toMatchObject({
        referrers: [{ artifactType: 'application/spdx+json', signer: 'app' }],
        signedSubject: 'Either',
      });
    });
  });

  describe('when it names a group the entry does not have', () => {
    it('returns the problem named from the config file', () => {
      const fields = {
        requiredReferrers: [{ artifactType: 'application/spdx+json', signer: 'org' }],
      };
      expect(compileRequirements(statement, fields, where).problems).toEqual([
        `${where}.requiredReferrers[0].signer: "org" is not a signer group of this policy (app)`,
      ]);
    });
  });
});
