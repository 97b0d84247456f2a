import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { issue } from '../../../test/support/certs.js';
import { vectorText } from '../../../test/support/vectors.js';
import * as x509 from '../x509/peculiar.js';
import {
  leafSubject,
  matchesTrustedIdentity,
  parseDistinguishedName,
  parseTrustPolicyDocument,
} from './index.js';

const e2eCert = new x509.X509Certificate(vectorText('certs/notation-e2e/localkeys/e2e.crt'));
const identitiesOf = (name: string): string[] =>
  parseTrustPolicyDocument(vectorText(`trustpolicies/notation-e2e/${name}`)).trustPolicies[0]!
    .trustedIdentities;
const leafWith = async (subject: string) => (await issue({ subject })).cert;

/** A self-signed certificate with a subject @peculiar/x509's string form cannot express. */
async function leafWithJson(name: x509.JsonNameParams): Promise<x509.X509Certificate> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, false, ['sign', 'verify']);
  return x509.X509CertificateGenerator.createSelfSigned({
    name: new x509.Name(name),
    keys,
    signingAlgorithm: alg,
  });
}

const asObject = (dn: ReadonlyMap<string, string> | undefined) =>
  dn ? Object.fromEntries(dn) : undefined;

describe('parseDistinguishedName', () => {
  describe('when the DN is valid', () => {
    it.each<[string, Record<string, string>]>([
      [
        'CN=e2e,O=Notary,L=Seattle,ST=WA,C=US',
        { CN: 'e2e', O: 'Notary', L: 'Seattle', ST: 'WA', C: 'US' },
      ],
      [' C=US , S=WA , O=Notary ', { C: 'US', ST: 'WA', O: 'Notary' }],
      ['C=US;ST=WA;O=Notary', { C: 'US', ST: 'WA', O: 'Notary' }],
      ['C=US, ST=WA, O=Acme\\, Inc.', { C: 'US', ST: 'WA', O: 'Acme, Inc.' }],
      [
        'C=US, ST=WA, O=a\\;b\\+c\\\\d\\"e\\<f\\>g\\=h',
        { C: 'US', ST: 'WA', O: 'a;b+c\\d"e<f>g=h' },
      ],
      ['C=US, ST=WA, O=\\ padded\\ ', { C: 'US', ST: 'WA', O: ' padded ' }],
      ['C=US, ST=WA, O=\\#1', { C: 'US', ST: 'WA', O: '#1' }],
      ['C=US, ST=WA, O=Caf\\C3\\A9', { C: 'US', ST: 'WA', O: 'Café' }],
      ['C=US, ST=WA, O=Café, OU=a=b', { C: 'US', ST: 'WA', O: 'Café', OU: 'a=b' }],
      ['C=US, ST=WA, O=trailing\\\\ ', { C: 'US', ST: 'WA', O: 'trailing\\' }],
    ])('returns the attributes of %j', (text, expected) => {
      expect(Object.fromEntries(parseDistinguishedName(text))).toEqual(expected);
    });
  });

  describe('when the DN is unusable', () => {
    it.each<[string, RegExp]>([
      ['C=US, ST=WA, O=#04024869', /hex-encoded/],
      ['C=US, ST=WA, O= #04024869', /hex-encoded/],
      ['C=US, ST=WA, O=Notary+OU=x', /multi-valued/],
      ['C=US, ST=WA, S=WA, O=Notary', /ST appears more than once/],
      ['C=US, ST=WA, O=a, O=b', /O appears more than once/],
      ['C=US, O=Notary', /missing ST/],
      ['ST=WA, O=Notary', /missing C/],
      ['C=US, ST=WA', /missing O/],
      ['', /every RDN/],
      ['C=US, ST=WA, O=Notary,', /every RDN/],
      ['C=US, ST=WA, O=', /empty attribute value/],
      ['c=US, ST=WA, O=Notary', /"c" is not supported/],
      ['C=US, ST=WA, O=Notary, E=a@b.c', /"E" is not supported/],
      ['C=US, ST=WA, O=Notary, 2.5.4.3=x', /"2.5.4.3" is not supported/],
      ['C=US, ST=WA, O=a\\', /invalid escape/],
      ['C=US, ST=WA, O=a\\zz', /invalid escape/],
      ['C=US, ST=WA, O=a"b', /must be escaped/],
      ['C=US, ST=WA, O=a<b', /must be escaped/],
      ['C=US, ST=WA, O=\\FF', /not valid UTF-8/],
    ])('throws for %j', (text, message) => {
      expect(() => parseDistinguishedName(text)).toThrow(message);
    });
  });
});

describe('leafSubject', () => {
  describe('when the subject has only types Go prints by name', () => {
    it('returns them (e2e.crt)', () => {
      expect(asObject(leafSubject(e2eCert))).toEqual({
        CN: 'e2e',
        O: 'Notary',
        L: 'Seattle',
        ST: 'WA',
        C: 'US',
      });
    });

    it('returns BMPString values decoded', async () => {
      const leaf = await leafWithJson([
        { C: ['US'] },
        { ST: ['WA'] },
        { O: [{ bmpString: 'Notary Ω' }] },
      ]);
      expect(asObject(leafSubject(leaf))).toEqual({ C: 'US', ST: 'WA', O: 'Notary Ω' });
    });
  });

  describe('when the subject can only match "*"', () => {
    it.each<[string, x509.JsonNameParams]>([
      ['a universalString', [{ C: ['US'] }, { O: [{ universalString: 'Notary' }] }]],
      ['a value containing =#', [{ C: ['US'] }, { O: ['a=#b'] }]],
      ['a surname (2.5.4.4)', [{ C: ['US'] }, { SN: ['Doe'] }]],
    ])('C-50 returns undefined for %s', async (_, name) => {
      expect(leafSubject(await leafWithJson(name))).toBeUndefined();
    });
  });
});

describe('matchesTrustedIdentity', () => {
  describe('when the e2e identity policies are used with e2e.crt', () => {
    it('C-49 returns true for valid_trusted_identity_trustpolicy.json', () => {
      const ids = identitiesOf('valid_trusted_identity_trustpolicy.json');
      expect(matchesTrustedIdentity(e2eCert, ids)).toBe(true);
    });

    it('C-49 returns false for invalid_trusted_identity_trustpolicy.json (C=USB)', () => {
      const ids = identitiesOf('invalid_trusted_identity_trustpolicy.json');
      expect(matchesTrustedIdentity(e2eCert, ids)).toBe(false);
    });

    it('C-49 returns true for multiple_trusted_identity_trustpolicy.json', () => {
      const ids = identitiesOf('multiple_trusted_identity_trustpolicy.json');
      expect(matchesTrustedIdentity(e2eCert, ids)).toBe(true);
    });

    it('returns true for "*" (trustpolicy.json)', () => {
      expect(matchesTrustedIdentity(e2eCert, identitiesOf('trustpolicy.json'))).toBe(true);
    });
  });

  describe('when an identity names some of the leaf attributes', () => {
    it.each<[string, boolean]>([
      ['x509.subject: C=US, ST=WA, O=Notary', true],
      ['x509.subject:C=US,S=WA,O=Notary', true],
      ['x509.subject:    O=Notary, ST=WA, C=US, CN=e2e', true],
      ['x509.subject: C=US, ST=WA, O=notary', false],
      ['x509.subject: C=US, ST=WA, O=Notary, OU=Build', false],
      ['x509.subject: C=US, ST=WA, O=Notary, CN=e2e ', true],
      ['x509.subject: C=US, ST=WA, O=Notary, CN=e2e\\ ', false],
      ['X509.subject: C=US, ST=WA, O=Notary', false],
      ['x509.issuer: C=US, ST=WA, O=Notary', false],
    ])('C-49 %s → %s', (identity, expected) => {
      expect(matchesTrustedIdentity(e2eCert, [identity])).toBe(expected);
    });
  });

  describe('when one of several identities matches', () => {
    it('returns true and ignores unknown prefixes', () => {
      const ids = [
        'custom:anything',
        'x509.subject: C=DE, ST=BE, O=Other',
        'x509.subject: C=US, ST=WA, O=Notary',
      ];
      expect(matchesTrustedIdentity(e2eCert, ids)).toBe(true);
    });
  });

  describe('when the list is empty, unusable or "*" is not alone', () => {
    it.each([
      [[]],
      [['custom:x']],
      [['x509.subject: C=US, O=Notary']],
      [['*', 'x509.subject: C=DE, ST=BE, O=x']],
    ])('returns false for %j', (ids) => expect(matchesTrustedIdentity(e2eCert, ids)).toBe(false));
  });

  describe('when the leaf subject has escaped characters', () => {
    it('returns true for the escaped identity and false for the unescaped one', async () => {
      const leaf = await leafWithJson([{ C: ['US'] }, { ST: ['WA'] }, { O: ['Acme, Inc.'] }]);
      expect(matchesTrustedIdentity(leaf, ['x509.subject: C=US, ST=WA, O=Acme\\, Inc.'])).toBe(
        true,
      );
      expect(matchesTrustedIdentity(leaf, ['x509.subject: C=US, ST=WA, O=Acme'])).toBe(false);
    });
  });

  describe('when the leaf subject has an attribute Go prints as OID=#hex or a repeated type', () => {
    const identity = 'x509.subject: C=US, ST=WA, O=Notary';

    it.each([
      ['emailAddress', 'C=US, ST=WA, O=Notary, CN=signer, E=signer@example.com'],
      ['two OU values', 'C=US, ST=WA, O=Notary, OU=a, OU=b, CN=signer'],
      ['two CN values', 'C=US, ST=WA, O=Notary, CN=a, CN=b'],
      ['a domain component', 'DC=example, C=US, ST=WA, O=Notary, CN=signer'],
    ])(
      'C-50 returns false for %s with an x509.subject identity and true with "*"',
      async (_, subject) => {
        const leaf = await leafWith(subject);
        expect(matchesTrustedIdentity(leaf, [identity])).toBe(false);
        expect(matchesTrustedIdentity(leaf, ['*'])).toBe(true);
      },
    );

    it('C-50 returns true for a multi-valued RDN in the certificate (Go flattens it)', async () => {
      const leaf = await leafWith('C=US+ST=WA, O=Notary+OU=Build, CN=signer');
      expect(matchesTrustedIdentity(leaf, [`${identity}, OU=Build`])).toBe(true);
    });
  });
});
