// Signature checks of OCSP responses, CRLs and delegated responder certificates. SHA-1 and
// unknown algorithms are refused, as Go's crypto/x509 refuses them for notation-go.
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { RevocationCheckError } from './fetcher.js';

const HASHES: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const SIMPLE: Record<string, string | null> = {
  '1.2.840.113549.1.1.11': 'sha256', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null, // Ed25519
};

const RSA_PSS = '1.2.840.113549.1.1.10';

interface Scheme {
  hash: string | null;
  saltLength?: number;
}

function pssScheme(algorithm: pkijs.AlgorithmIdentifier): Scheme {
  if (!(algorithm.algorithmParams instanceof asn1js.Sequence)) {
    throw new RevocationCheckError('RSASSA-PSS signature without parameters');
  }
  const params = new pkijs.RSASSAPSSParams({ schema: algorithm.algorithmParams });
  const hash = HASHES[params.hashAlgorithm.algorithmId];
  if (hash === undefined) throw new RevocationCheckError('RSASSA-PSS with an unsupported hash');
  return { hash, saltLength: params.saltLength };
}

function schemeOf(algorithm: pkijs.AlgorithmIdentifier): Scheme {
  const oid = algorithm.algorithmId;
  if (oid === RSA_PSS) return pssScheme(algorithm);
  const hash = SIMPLE[oid];
  if (hash === undefined) {
    throw new RevocationCheckError(`unsupported signature algorithm ${oid}`);
  }
  return { hash };
}

/** The public key of a certificate, for node:crypto. */
export function publicKeyOf(cert: pkijs.Certificate): KeyObject {
  const spki = cert.subjectPublicKeyInfo.toSchema().toBER();
  return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
}

export interface SignedData {
  tbs: Uint8Array;
  algorithm: pkijs.AlgorithmIdentifier;
  signature: asn1js.BitString;
}

/** True when `signer`'s key made the signature over `data.tbs` with the named algorithm. */
export function verifiedBy(data: SignedData, signer: pkijs.Certificate): boolean {
  const scheme = schemeOf(data.algorithm);
  const key = publicKeyOf(signer);
  const signature = data.signature.valueBlock.valueHexView;
  const options =
    scheme.saltLength === undefined
      ? { key }
      : { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength };
  try {
    return verify(scheme.hash, data.tbs, options, signature);
  } catch {
    return false;
  }
}

/** The certificate's own signature, as SignedData (to check a responder was issued by the CA). */
export function certificateSignedData(cert: pkijs.Certificate): SignedData {
  return { tbs: cert.tbsView, algorithm: cert.signatureAlgorithm, signature: cert.signatureValue };
}
