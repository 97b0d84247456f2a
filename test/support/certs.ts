// In-process test certificates (no openssl, no files): chains of any key type and profile,
// with Node KeyObjects to sign crafted envelopes. For certificates served by real PKI
// components (CRL, OCSP, TSA) use test/harness/pki.ts instead.
import { createPrivateKey, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '../../src/verify/x509/peculiar.js';

export type KeyAlg =
  'rsa-1024' | 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'ec-p256' | 'ec-p384' | 'ec-p521';
export type Profile = 'root' | 'intermediate' | 'codeSigning' | 'timeStamping' | 'none';

export interface Issued {
  cert: x509.X509Certificate;
  der: Uint8Array;
  pem: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** WebCrypto keys, to issue further certificates. */
  keys: CryptoKeyPair;
  keyAlg: KeyAlg;
}

export interface CertSpec {
  subject?: string;
  key?: KeyAlg;
  profile?: Profile;
  /** Replaces the profile's extensions entirely (for broken certificates). */
  extensions?: x509.Extension[];
  notBefore?: Date;
  notAfter?: Date;
  /** Hash of the issuer's signature over this certificate (SHA-1 only for negative tests). */
  hash?: 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
  crlUrl?: string;
  ocspUrl?: string;
}

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const OID = { codeSigning: '1.3.6.1.5.5.7.3.3', timeStamping: '1.3.6.1.5.5.7.3.8' };
const KU = x509.KeyUsageFlags;
const YEAR = 365 * 24 * 3600_000;

function keyParams(
  alg: KeyAlg,
  hash: string,
): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  const [kind, size] = alg.split('-') as [string, string];
  if (kind === 'rsa') {
    return {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: Number(size),
      publicExponent: new Uint8Array([1, 0, 1]),
      hash,
    };
  }
  return { name: 'ECDSA', namedCurve: `P-${size.slice(1)}` };
}

function defaultHash(alg: KeyAlg): 'SHA-256' | 'SHA-384' | 'SHA-512' {
  return alg === 'ec-p384' ? 'SHA-384' : alg === 'ec-p521' ? 'SHA-512' : 'SHA-256';
}

function profileExtensions(profile: Profile): x509.Extension[] {
  switch (profile) {
    case 'root':
      return [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(KU.keyCertSign | KU.cRLSign, true),
      ];
    case 'intermediate':
      return [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(KU.keyCertSign | KU.cRLSign, true),
      ];
    case 'codeSigning':
      return [
        new x509.BasicConstraintsExtension(false, undefined, false),
        new x509.KeyUsagesExtension(KU.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([OID.codeSigning], false),
      ];
    case 'timeStamping':
      return [
        new x509.KeyUsagesExtension(KU.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([OID.timeStamping], true),
      ];
    case 'none':
      return [];
  }
}

let serial = 0x1000;

async function extensionsFor(
  spec: CertSpec,
  keys: CryptoKeyPair,
  issuer: Issued | undefined,
): Promise<x509.Extension[]> {
  const profile = spec.profile ?? (issuer ? 'codeSigning' : 'root');
  const extensions = [...(spec.extensions ?? profileExtensions(profile))];
  if (spec.crlUrl) extensions.push(new x509.CRLDistributionPointsExtension([spec.crlUrl]));
  if (spec.ocspUrl)
    extensions.push(new x509.AuthorityInfoAccessExtension({ ocsp: [spec.ocspUrl] }));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey));
  if (issuer)
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey));
  return extensions;
}

/**
 * The issuer's private key for signing with `hash`. A WebCrypto RSA key is bound to the hash it
 * was generated with, so RSA keys are re-imported for any other hash (SHA-1 negative tests).
 */
async function signingKeyFor(
  signer: { keys: CryptoKeyPair; keyAlg: KeyAlg },
  hash: string,
): Promise<webcrypto.CryptoKey> {
  if (!signer.keyAlg.startsWith('rsa') || hash === defaultHash(signer.keyAlg))
    return signer.keys.privateKey;
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', signer.keys.privateKey);
  return webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash }, false, [
    'sign',
  ]);
}

/** Issues a certificate; self-signed when no issuer is given. */
export async function issue(spec: CertSpec = {}, issuer?: Issued): Promise<Issued> {
  const keyAlg = spec.key ?? 'ec-p256';
  const keys = await webcrypto.subtle.generateKey(keyParams(keyAlg, defaultHash(keyAlg)), true, [
    'sign',
    'verify',
  ]);
  const signer = issuer ?? { keys, keyAlg };
  const hash = spec.hash ?? defaultHash(signer.keyAlg);
  const signingAlgorithm = {
    name: signer.keyAlg.startsWith('rsa') ? 'RSASSA-PKCS1-v1_5' : 'ECDSA',
    hash,
  };
  const extensions = await extensionsFor(spec, keys, issuer);
  const subject =
    spec.subject ??
    `C=US, ST=WA, L=Seattle, O=Notary Admission, CN=test-${(serial + 1).toString(16)}`;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: (++serial).toString(16).padStart(4, '0'),
    subject,
    issuer: issuer?.cert.subject ?? subject,
    notBefore: spec.notBefore ?? new Date(now - 3600_000),
    notAfter: spec.notAfter ?? new Date(now + 10 * YEAR),
    signingAlgorithm,
    publicKey: keys.publicKey,
    signingKey: await signingKeyFor(signer, hash),
    extensions,
  });
  const der = new Uint8Array(cert.rawData);
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    cert,
    der,
    pem: cert.toString('pem'),
    privateKey: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }),
    publicKey: createPublicKey(cert.toString('pem')),
    keys,
    keyAlg,
  };
}

export interface Chain {
  root: Issued;
  intermediate: Issued | undefined;
  leaf: Issued;
  /** Leaf first, root last: what an envelope carries. */
  certs: Issued[];
}

/** root → (intermediate →) code-signing leaf, every certificate of the same key type. */
export async function makeChain(
  options: { key?: KeyAlg; levels?: 1 | 2 | 3; leaf?: CertSpec } = {},
): Promise<Chain> {
  const key = options.key ?? 'ec-p256';
  const levels = options.levels ?? 3;
  if (levels === 1) {
    const leaf = await issue({ key, profile: 'codeSigning', ...options.leaf });
    return { root: leaf, intermediate: undefined, leaf, certs: [leaf] };
  }
  const root = await issue({
    key,
    profile: 'root',
    subject: 'C=US, O=Notary Admission, CN=Test Root',
  });
  const intermediate =
    levels === 3
      ? await issue(
          {
            key,
            profile: 'intermediate',
            subject: 'C=US, O=Notary Admission, CN=Test Intermediate',
          },
          root,
        )
      : undefined;
  const leaf = await issue({ key, profile: 'codeSigning', ...options.leaf }, intermediate ?? root);
  return { root, intermediate, leaf, certs: [leaf, ...(intermediate ? [intermediate] : []), root] };
}
