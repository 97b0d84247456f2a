import { webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';
import { describe, expect, it } from 'vitest';
import { issue, makeChain, type CertSpec, type Issued } from '../../../test/support/certs.js';
import { vector, vectorText } from '../../../test/support/vectors.js';
import { parseCertificates } from '../trust-store/trust-store.js';
import type { Certificate } from './certificate.js';
import { type CertificateLike } from './certificate.js';
import * as x509 from './peculiar.js';
import {
  readCodeSigningChain,
  validateCodeSigningChain,
  validateTimestampingChain,
} from './requirements.js';

const KU = x509.KeyUsageFlags;
const EKU = {
  codeSigning: '1.3.6.1.5.5.7.3.3',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  OCSPSigning: '1.3.6.1.5.5.7.3.9',
  anyExtendedKeyUsage: '2.5.29.37.0',
};
const DAY = 24 * 3600_000;
/** The hash of a certificate's signature algorithm, as @peculiar/x509 decodes it. */
const hashOf = (cert: x509.X509Certificate): string | undefined =>
  (cert.signatureAlgorithm as { hash?: { name?: string } }).hash?.name;

const certsOf = (chain: (Issued | CertificateLike)[]): CertificateLike[] =>
  chain.map((c) => ('cert' in c ? c.cert : c));
const file = (path: string): Certificate[] => parseCertificates(vector(path));

async function expectUnmet(
  chain: (Issued | CertificateLike)[],
  reason: string,
  validate = validateCodeSigningChain,
): Promise<void> {
  const stage = validate === validateCodeSigningChain ? 'integrity' : 'authenticTimestamp';
  await expect(validate(certsOf(chain))).rejects.toMatchObject({
    name: 'VerificationError',
    code: 'CERT_REQUIREMENTS_UNMET',
    stage,
    message: expect.stringContaining(reason) as string,
  });
}

const leafExtensions = (
  ku: number,
  options: { kuCritical?: boolean; eku?: string[]; ca?: boolean } = {},
): x509.Extension[] => [
  ...(options.ca === undefined ? [] : [new x509.BasicConstraintsExtension(options.ca)]),
  new x509.KeyUsagesExtension(ku, options.kuCritical ?? true),
  ...(options.eku ? [new x509.ExtendedKeyUsageExtension(options.eku, false)] : []),
];

/** root → intermediate → leaf with the intermediate given (or the leaf given). */
async function chainWith(spec: { intermediate?: CertSpec; leaf?: CertSpec }): Promise<Issued[]> {
  const root = await issue({ profile: 'root', subject: 'CN=Root' });
  const intermediate = await issue(
    { profile: 'intermediate', subject: 'CN=Intermediate', ...spec.intermediate },
    root,
  );
  const leaf = await issue({ profile: 'codeSigning', ...spec.leaf }, intermediate);
  return [leaf, intermediate, root];
}

function mockEnvelopeChain(): x509.X509Certificate[] {
  const env = JSON.parse(vectorText('envelopes/notation-go-mock/ca_valid_sig_env.json')) as {
    header: { x5c: string[] };
  };
  return env.header.x5c.map((b64) => new x509.X509Certificate(Buffer.from(b64, 'base64')));
}

describe('validateCodeSigningChain', () => {
  describe('when given real vector chains', () => {
    it('C-45 accepts the single self-signed e2e.crt as a leaf', async () => {
      await expect(
        validateCodeSigningChain(file('certs/notation-e2e/localkeys/e2e.crt')),
      ).resolves.toBeUndefined();
    });

    it('C-40 accepts expired_e2e.crt, which has no EKU, whatever the clock says', async () => {
      const chain = file('certs/notation-e2e/localkeys/expired_e2e.crt');
      await expect(validateCodeSigningChain(chain)).resolves.toBeUndefined();
    });

    it('accepts the CRL (3 levels) and OCSP (2 levels) test chains', async () => {
      for (const path of [
        'certs/notation-e2e/crl/certchain_with_crl.pem',
        'certs/notation-e2e/ocsp/certchain_with_ocsp.pem',
      ]) {
        await expect(validateCodeSigningChain(file(path))).resolves.toBeUndefined();
      }
    });

    it('accepts the mock envelope chain whose leaf has the root subject but is root-signed', async () => {
      await expect(validateCodeSigningChain(mockEnvelopeChain())).resolves.toBeUndefined();
    });

    it('C-37 throws CERT_REQUIREMENTS_UNMET for the mock envelope chain reversed', async () => {
      await expectUnmet(mockEnvelopeChain().reverse(), 'only the last certificate');
    });
  });

  describe('when given well-formed crafted chains', () => {
    it.each(['rsa-2048', 'rsa-3072', 'ec-p256', 'ec-p384', 'ec-p521'] as const)(
      'accepts a 3-level %s chain',
      async (key) => {
        const { certs } = await makeChain({ key, levels: 3 });
        await expect(validateCodeSigningChain(certsOf(certs))).resolves.toBeUndefined();
      },
    );

    it('C-44 accepts an intermediate that expires before the leaf (no validity nesting)', async () => {
      const chain = await chainWith({
        intermediate: { notAfter: new Date(Date.now() + DAY) },
        leaf: { notAfter: new Date(Date.now() + 100 * DAY) },
      });
      await expect(validateCodeSigningChain(certsOf(chain))).resolves.toBeUndefined();
    });

    it('accepts an expired chain (validity is the authentic-timestamp step’s job)', async () => {
      const chain = await chainWith({
        leaf: { notBefore: new Date('2001-01-01'), notAfter: new Date('2002-01-01') },
      });
      await expect(validateCodeSigningChain(certsOf(chain))).resolves.toBeUndefined();
    });

    it('accepts an unknown critical extension on the leaf (other extensions fail open)', async () => {
      const unknown = new x509.Extension('1.3.6.1.4.1.99999.1', true, new Uint8Array([5, 0]));
      const leaf = await issue({
        extensions: [...leafExtensions(KU.digitalSignature), unknown],
      });
      await expect(validateCodeSigningChain([leaf.cert])).resolves.toBeUndefined();
    });

    it('accepts pathLen 1 with exactly one CA below', async () => {
      const root = await issue({
        extensions: [
          new x509.BasicConstraintsExtension(true, 1, true),
          new x509.KeyUsagesExtension(KU.keyCertSign, true),
        ],
      });
      const mid = await issue({ profile: 'intermediate' }, root);
      const leaf = await issue({ profile: 'codeSigning' }, mid);
      await expect(validateCodeSigningChain(certsOf([leaf, mid, root]))).resolves.toBeUndefined();
    });
  });

  describe('when the order or issuance is wrong', () => {
    it('throws CERT_REQUIREMENTS_UNMET for an empty chain', async () => {
      await expectUnmet([], 'empty');
    });

    it('C-37 throws for an unrelated certificate appended after the root', async () => {
      const { certs } = await makeChain();
      const other = await issue({ profile: 'root', subject: 'CN=Other Root' });
      await expectUnmet([...certs, other], 'only the last certificate');
    });

    it('C-37 throws for intermediate and root swapped', async () => {
      const [leaf, mid, root] = await chainWith({});
      await expectUnmet([leaf!, root!, mid!], 'is not issued by the next certificate');
    });

    it('C-37 throws when the next certificate has the issuer’s name but another key', async () => {
      const [leaf, , root] = await chainWith({});
      const impostor = await issue({ profile: 'intermediate', subject: 'CN=Intermediate' }, root);
      await expectUnmet([leaf!, impostor, root!], 'is not issued by the next certificate');
    });

    it('C-38 throws for leaf → intermediate without the root', async () => {
      const [leaf, mid] = await chainWith({});
      await expectUnmet([leaf!, mid!], 'must end with a self-signed root');
    });

    it('C-38 throws for a single leaf that is not self-signed', async () => {
      const [leaf] = await chainWith({});
      await expectUnmet([leaf!], 'must end with a self-signed root');
    });
  });

  describe('when the leaf breaks the profile', () => {
    it('C-39 throws for a leaf without keyUsage', async () => {
      const leaf = await issue({ extensions: [] });
      await expectUnmet([leaf], 'key usage extension must be present');
    });

    it('C-39 throws for a non-critical keyUsage', async () => {
      const leaf = await issue({
        extensions: leafExtensions(KU.digitalSignature, { kuCritical: false }),
      });
      await expectUnmet([leaf], 'must be marked critical');
    });

    it('C-39 throws for a keyUsage without digitalSignature', async () => {
      const leaf = await issue({ extensions: leafExtensions(KU.nonRepudiation) });
      await expectUnmet([leaf], 'must have digitalSignature');
    });

    it.each([
      ['keyEncipherment', KU.keyEncipherment],
      ['dataEncipherment', KU.dataEncipherment],
      ['keyAgreement', KU.keyAgreement],
      ['keyCertSign', KU.keyCertSign],
      ['cRLSign', KU.cRLSign],
      ['encipherOnly', KU.keyAgreement | KU.encipherOnly],
      ['decipherOnly', KU.keyAgreement | KU.decipherOnly],
    ])('C-39 throws for a leaf keyUsage with %s', async (name, bit) => {
      const chain = await chainWith({
        leaf: { extensions: leafExtensions(KU.digitalSignature | bit) },
      });
      await expectUnmet(chain, name);
    });

    it('C-40 accepts EKU codeSigning, and an unrelated private EKU alone', async () => {
      for (const eku of [[EKU.codeSigning], ['1.3.6.1.4.1.311.99.1']]) {
        const leaf = await issue({ extensions: leafExtensions(KU.digitalSignature, { eku }) });
        await expect(validateCodeSigningChain([leaf.cert])).resolves.toBeUndefined();
      }
    });

    it.each([
      'serverAuth',
      'clientAuth',
      'emailProtection',
      'timeStamping',
      'OCSPSigning',
    ] as const)('C-40 throws for an EKU with codeSigning and %s', async (name) => {
      const eku = [EKU.codeSigning, EKU[name]];
      const chain = await chainWith({
        leaf: { extensions: leafExtensions(KU.digitalSignature, { eku }) },
      });
      await expectUnmet(chain, `must not contain ${name}`);
    });

    it('C-40 D5 throws for anyExtendedKeyUsage (which notation-go misses)', async () => {
      const leaf = await issue({
        extensions: leafExtensions(KU.digitalSignature, { eku: [EKU.anyExtendedKeyUsage] }),
      });
      await expectUnmet([leaf], 'must not contain anyExtendedKeyUsage');
    });

    it('C-41 throws for a single self-signed certificate with cA=true', async () => {
      const leaf = await issue({ extensions: leafExtensions(KU.digitalSignature, { ca: true }) });
      await expectUnmet([leaf], 'must not have cA=true');
    });

    it('C-41 throws for a CA-issued leaf with cA=true, and accepts cA=false', async () => {
      const bad = await chainWith({
        leaf: { extensions: leafExtensions(KU.digitalSignature, { ca: true }) },
      });
      await expectUnmet(bad, 'must not have cA=true');
      const good = await chainWith({
        leaf: { extensions: leafExtensions(KU.digitalSignature, { ca: false }) },
      });
      await expect(validateCodeSigningChain(certsOf(good))).resolves.toBeUndefined();
    });

    it('C-23 D6 throws for an RSA-1024 leaf', async () => {
      const leaf = await issue({ key: 'rsa-1024', profile: 'codeSigning' });
      await expectUnmet([leaf], 'RSA key size 1024 bits is not supported');
    });

    it('throws for a leaf with a duplicated keyUsage extension', async () => {
      const leaf = await issue({
        extensions: [...leafExtensions(KU.digitalSignature), ...leafExtensions(KU.keyCertSign)],
      });
      await expectUnmet([leaf], 'duplicated extension 2.5.29.15');
    });
  });

  describe('when a CA certificate breaks the profile', () => {
    const ku = new x509.KeyUsagesExtension(KU.keyCertSign, true);
    it.each([
      ['without basicConstraints', [ku]],
      ['with cA=false', [new x509.BasicConstraintsExtension(false, undefined, true), ku]],
      ['with non-critical basicConstraints', [new x509.BasicConstraintsExtension(true), ku]],
    ])('C-42 throws for an intermediate %s', async (_, extensions) => {
      await expectUnmet(await chainWith({ intermediate: { extensions } }), 'basic constraints');
    });

    const bc = new x509.BasicConstraintsExtension(true, undefined, true);
    it.each([
      ['without keyUsage', [bc], 'key usage extension must be present'],
      [
        'with non-critical keyUsage',
        [bc, new x509.KeyUsagesExtension(KU.keyCertSign, false)],
        'must be marked critical',
      ],
      [
        'without keyCertSign',
        [bc, new x509.KeyUsagesExtension(KU.cRLSign, true)],
        'must have keyCertSign',
      ],
    ])('C-42 throws for an intermediate %s', async (_, extensions, reason) => {
      await expectUnmet(await chainWith({ intermediate: { extensions } }), reason);
    });

    it('C-42 throws for pathLen 0 with another CA below it', async () => {
      const root = await issue({
        extensions: [new x509.BasicConstraintsExtension(true, 0, true), ku],
      });
      const mid = await issue({ profile: 'intermediate' }, root);
      const leaf = await issue({ profile: 'codeSigning' }, mid);
      await expectUnmet([leaf, mid, root], 'path length constraint 0');
    });

    it('throws for an RSA-1024 intermediate', async () => {
      const root = await issue({ key: 'rsa-2048', profile: 'root' });
      const mid = await issue({ key: 'rsa-1024', profile: 'intermediate' }, root);
      const leaf = await issue({ key: 'rsa-2048', profile: 'codeSigning' }, mid);
      await expectUnmet([leaf, mid, root], 'RSA key size 1024 bits');
    });
  });

  describe('when a certificate is signed with SHA-1', () => {
    it('C-43 throws for a leaf signed with sha1WithRSAEncryption', async () => {
      // test/support/certs.ts cannot do this: a WebCrypto RSA key is bound to its hash.
      const root = await issue({ key: 'rsa-2048', profile: 'root' });
      const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', root.keys.privateKey);
      const sha1 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' };
      const signingKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, sha1, false, ['sign']);
      const template = await issue({ key: 'rsa-2048', profile: 'codeSigning' }, root);
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: '01',
        subject: template.cert.subject,
        issuer: root.cert.subject,
        notBefore: template.cert.notBefore,
        notAfter: template.cert.notAfter,
        signingAlgorithm: sha1,
        publicKey: template.keys.publicKey,
        signingKey,
        extensions: leafExtensions(KU.digitalSignature),
      });
      expect(hashOf(leaf)).toBe('SHA-1');
      await expectUnmet([leaf, root], 'is signed with SHA-1');
    });

    it('C-43 throws for an intermediate signed with ecdsa-with-SHA1', async () => {
      const [leaf, mid, root] = await chainWith({ intermediate: { hash: 'SHA-1' } });
      expect(hashOf(mid!.cert)).toBe('SHA-1');
      await expectUnmet([leaf!, mid!, root!], 'SHA-1');
    });

    it('C-43 throws for a root self-signed with SHA-1', async () => {
      const root = await issue({ profile: 'root', hash: 'SHA-1' });
      expect(hashOf(root.cert)).toBe('SHA-1');
      const leaf = await issue({ profile: 'codeSigning' }, root);
      await expectUnmet([leaf, root], 'SHA-1');
    });

    it('C-43 throws for a single self-signed leaf signed with SHA-1', async () => {
      const leaf = await issue({ profile: 'codeSigning', hash: 'SHA-1' });
      expect(hashOf(leaf.cert)).toBe('SHA-1');
      await expectUnmet([leaf], 'is signed with SHA-1');
    });
  });

  describe('when certificates are signed with RSASSA-PSS', () => {
    async function pssSelfSigned(hash: string, saltLength: number): Promise<x509.X509Certificate> {
      const algorithm = { name: 'RSA-PSS', hash, saltLength };
      const keys = await webcrypto.subtle.generateKey(
        { ...algorithm, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
        true,
        ['sign', 'verify'],
      );
      return x509.X509CertificateGenerator.createSelfSigned({
        name: 'CN=pss',
        keys,
        signingAlgorithm: algorithm,
        extensions: leafExtensions(KU.digitalSignature),
      });
    }

    it('accepts SHA-256 with a 32-byte salt', async () => {
      await expect(
        validateCodeSigningChain([await pssSelfSigned('SHA-256', 32)]),
      ).resolves.toBeUndefined();
    });

    it('C-43 throws for RSASSA-PSS over SHA-1', async () => {
      await expectUnmet([await pssSelfSigned('SHA-1', 20)], 'RSASSA-PSS');
    });
  });
});

/** The certificates of a real RFC 3161 token, by subject. */
function tokenCertificates(path: string): Map<string, x509.X509Certificate> {
  const info = pkijs.ContentInfo.fromBER(vector(path));
  const signed = new pkijs.SignedData({ schema: info.content });
  const certs = (signed.certificates ?? []).map(
    (c) => new x509.X509Certificate(c.toSchema().toBER()),
  );
  return new Map(certs.map((c) => [c.subject, c]));
}

describe('readCodeSigningChain', () => {
  /** Parses as the envelope does, and records which positions (1-based) it was asked for. */
  function recordingParser(): {
    parse: (der: Uint8Array, i: number) => x509.X509Certificate;
    asked: number[];
  } {
    const asked: number[] = [];
    const parse = (der: Uint8Array, i: number) => {
      asked.push(i + 1);
      return new x509.X509Certificate(der);
    };
    return { parse, asked };
  }
  const junk = () => Buffer.from(`not a certificate ${Math.random()}`);

  describe('when every link holds', () => {
    it('returns the certificates in chain order, each parsed once', async () => {
      const { certs } = await makeChain();
      const { parse, asked } = recordingParser();
      const chain = readCodeSigningChain(
        certs.map((c) => c.der),
        parse,
      );
      expect(chain.map((c) => c.subject)).toEqual(certs.map((c) => c.cert.subject));
      expect(asked).toEqual([1, 2, 3]);
    });
  });

  describe('when the chain is broken at link 2 of 10', () => {
    it('throws CERT_REQUIREMENTS_UNMET naming certificate 2 without parsing 3 to 10', async () => {
      const { leaf } = await makeChain();
      const stranger = await issue({ profile: 'root', subject: 'CN=Stranger' });
      const ders = [leaf.der, stranger.der, ...Array.from({ length: 8 }, junk)];
      const { parse, asked } = recordingParser();
      expect(() => readCodeSigningChain(ders, parse)).toThrow(
        expect.objectContaining({
          code: 'CERT_REQUIREMENTS_UNMET',
          stage: 'integrity',
          message: expect.stringContaining('certificate 2 of 10 "CN=Stranger"') as string,
        }) as Error,
      );
      expect(asked).toEqual([1, 2]);
    });
  });

  describe('when the leaf itself breaks a rule', () => {
    it('throws CERT_REQUIREMENTS_UNMET without parsing the next certificate', async () => {
      const [leaf, mid, root] = await chainWith({ leaf: { profile: 'none' } });
      const { parse, asked } = recordingParser();
      expect(() => readCodeSigningChain([leaf!.der, mid!.der, root!.der], parse)).toThrow(
        /leaf certificate 1 of 3 .*key usage extension must be present/,
      );
      expect(asked).toEqual([1]);
    });
  });
});

describe('validateTimestampingChain', () => {
  describe('when given real TSA chains', () => {
    it('accepts the DigiCert timestamping chain', async () => {
      const chain = ['leaf', 'intermediate', 'root'].flatMap((n) =>
        file(`certs/notation-core-go-x509/timestamp_${n}.crt`),
      );
      await expect(validateTimestampingChain(chain)).resolves.toBeUndefined();
    });

    it('accepts the GlobalSign token chain ending in the tsa store root', async () => {
      const token = tokenCertificates('timestamp-tokens/notation-go/TimeStampToken.p7s');
      const leaf = token.get('C=BE, O=GlobalSign nv-sa, CN=Globalsign TSA for Advanced - G4');
      const ca = token.get('C=BE, O=GlobalSign nv-sa, CN=GlobalSign Timestamping CA - SHA384 - G4');
      const root = file(
        'truststores/notation-go/truststore/x509/tsa/test-timestamp/globalsignRoot.cer',
      );
      await expect(validateTimestampingChain([leaf!, ca!, ...root])).resolves.toBeUndefined();
    });

    it('throws CERT_REQUIREMENTS_UNMET (authenticTimestamp) for a code-signing chain', async () => {
      const chain = file('certs/notation-e2e/crl/certchain_with_crl.pem');
      await expectUnmet(chain, 'exactly timeStamping', validateTimestampingChain);
    });
  });

  describe('when given crafted TSA chains', () => {
    const tsaLeaf = (eku: x509.Extension[], kuCritical = true): CertSpec => ({
      extensions: [new x509.KeyUsagesExtension(KU.digitalSignature, kuCritical), ...eku],
    });

    it('accepts a TSA leaf whose keyUsage is not critical', async () => {
      const eku = [new x509.ExtendedKeyUsageExtension([EKU.timeStamping], true)];
      const chain = await chainWith({ leaf: tsaLeaf(eku, false) });
      await expect(validateTimestampingChain(certsOf(chain))).resolves.toBeUndefined();
    });

    it.each([
      ['no EKU', [], 'exactly timeStamping'],
      [
        'a non-critical EKU',
        [new x509.ExtendedKeyUsageExtension([EKU.timeStamping], false)],
        'must be marked critical',
      ],
      [
        'EKU timeStamping plus codeSigning',
        [new x509.ExtendedKeyUsageExtension([EKU.timeStamping, EKU.codeSigning], true)],
        'exactly timeStamping',
      ],
    ])('throws for a TSA leaf with %s', async (_, eku, reason) => {
      await expectUnmet(await chainWith({ leaf: tsaLeaf(eku) }), reason, validateTimestampingChain);
    });

    it('throws for a TSA leaf without keyUsage', async () => {
      const eku = new x509.ExtendedKeyUsageExtension([EKU.timeStamping], true);
      const chain = await chainWith({ leaf: { extensions: [eku] } });
      await expectUnmet(chain, 'key usage extension must be present', validateTimestampingChain);
    });

    it('C-43 throws for a TSA intermediate signed with SHA-1', async () => {
      const chain = await chainWith({
        intermediate: { hash: 'SHA-1' },
        leaf: { profile: 'timeStamping' },
      });
      await expectUnmet(chain, 'SHA-1', validateTimestampingChain);
    });
  });
});
