// Integrity step of the Notary Project verification: parse one signature envelope (JWS or COSE),
// check its signature over the received bytes with the leaf certificate's key, then read the
// signed attributes and the payload, and parse the rest of the chain link by link against the
// certificate rules (src/verify/x509). Comparing the payload with the artifact is the
// orchestrator's job.
import { VerificationError } from '../errors.js';
import { COSE_MEDIA_TYPE, JWS_MEDIA_TYPE, PAYLOAD_MEDIA_TYPE } from '../types.js';
import type { EnvelopeContent, SignatureAlgorithm } from '../types.js';
import { certificateFromDer, derKey, type Certificate } from '../x509/certificate.js';
import { readCodeSigningChain } from '../x509/requirements.js';
import { algorithmForPublicKey, publicKeyOf, verifySignature } from './algorithms.js';
import { malformed, readSignedAttributes, type DecodedEnvelope } from './attributes.js';
import { decodeCose } from './cose.js';
import { decodeJws } from './jws.js';
import { parsePayload } from './payload.js';

export { algorithmForKey } from './algorithms.js';

/** One DER certificate, refused unless it is exactly one strict DER certificate (parsed once). */
function decodeCertificate(der: Uint8Array, key: string, position: string): Certificate {
  try {
    return certificateFromDer(der, key);
  } catch {
    throw malformed(
      `certificate ${position} of the envelope's chain is not a DER X.509 certificate`,
    );
  }
}

function checkAlgorithm(header: SignatureAlgorithm, key: SignatureAlgorithm): void {
  if (header !== key) {
    // A supported algorithm the key does not mandate: algorithm substitution (checklist C-22).
    throw new VerificationError(
      'SIGNATURE_INVALID',
      'integrity',
      `the envelope declares ${header} but the signing certificate's key requires ${key}`,
    );
  }
}

function verifyDecoded(decoded: DecodedEnvelope): EnvelopeContent {
  const { certificates } = decoded;
  // Hashed once (or known by the decoder): each certificate's key in the bounded caches.
  const keys = decoded.certificateKeys ?? certificates.map((der) => derKey(der));
  const decodeAt = (der: Uint8Array, i: number) =>
    decodeCertificate(der, keys[i]!, `${i + 1} of ${certificates.length}`);
  const key = publicKeyOf(decodeAt(certificates[0]!, 0));
  const signatureAlgorithm = algorithmForPublicKey(key);
  checkAlgorithm(decoded.algorithm, signatureAlgorithm);
  verifySignature({
    algorithm: signatureAlgorithm,
    key,
    signed: decoded.signed,
    signature: decoded.signature,
  });
  // Everything below is signed, so only now is it read.
  if (decoded.contentType !== PAYLOAD_MEDIA_TYPE) {
    throw malformed(`the signed content type is not ${PAYLOAD_MEDIA_TYPE}`);
  }
  const attributes = readSignedAttributes(decoded.headers);
  const targetArtifact = parsePayload(decoded.payload);
  // The rest of the chain is parsed link by link, and not past the first broken one.
  const certificateChain = readCodeSigningChain(certificates, decodeAt, keys);
  return {
    targetArtifact,
    signerInfo: {
      ...attributes,
      signatureAlgorithm,
      certificateChain,
      signature: decoded.signature,
      ...(decoded.timestampToken && { timestampToken: decoded.timestampToken }),
      ...(decoded.signingAgent !== undefined && { signingAgent: decoded.signingAgent }),
    },
  };
}

function decode(mediaType: string, bytes: Uint8Array): DecodedEnvelope {
  if (mediaType === JWS_MEDIA_TYPE) return decodeJws(bytes);
  if (mediaType === COSE_MEDIA_TYPE) return decodeCose(bytes);
  throw new VerificationError(
    'ENVELOPE_UNSUPPORTED',
    'integrity',
    `signature envelope media type ${JSON.stringify(mediaType.slice(0, 100))} is not supported`,
  );
}

/**
 * Parses one signature envelope and verifies its signature with the leaf certificate's key.
 * @param mediaType the signature manifest layer's mediaType (`application/jose+json` or
 *   `application/cose`).
 * The chain is checked against the code-signing certificate requirements as it is parsed.
 * @throws VerificationError stage 'integrity': ENVELOPE_UNSUPPORTED, ENVELOPE_MALFORMED,
 *   UNKNOWN_CRITICAL_HEADER, ALGORITHM_UNSUPPORTED, SIGNATURE_INVALID or CERT_REQUIREMENTS_UNMET. A named verification
 *   plugin is not an error here: the caller must refuse `signerInfo.verificationPlugin`.
 */
export function parseEnvelope(mediaType: string, bytes: Uint8Array): EnvelopeContent {
  try {
    return verifyDecoded(decode(mediaType, bytes));
  } catch (error) {
    if (error instanceof VerificationError) throw error;
    // Fail closed on anything a parser did not anticipate, without echoing its internals.
    throw malformed('the signature envelope could not be parsed');
  }
}
