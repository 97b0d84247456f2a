// The pins a Notary v1 repository's root must chain to: root certificates or root public keys,
// given by the operator. Never trust on first use (SPEC.md § Root of trust).
import { createPublicKey } from 'node:crypto';
import { TufError } from './errors.js';
import { pemCertificates } from './keys.js';

export interface TufTrustStore {
  /** DER of pinned root certificates (a root key matches when its leaf is byte-equal). */
  readonly certificates: readonly Buffer[];
  /** SPKI DER of pinned root public keys (a root key matches when its leaf carries this key). */
  readonly publicKeys: readonly Buffer[];
}

const MAX_PINS = 64;

/**
 * A trust store from PEM text: `CERTIFICATE` blocks pin certificates, `PUBLIC KEY` blocks pin
 * keys. Anything else, or nothing at all, is refused: an empty store would trust no one, which
 * is never what an operator meant to write.
 */
export function createTufTrustStore(pems: readonly string[]): TufTrustStore {
  const certificates: Buffer[] = [];
  const publicKeys: Buffer[] = [];
  for (const pem of pems) {
    const blocks = [...pem.matchAll(/-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/g)];
    if (blocks.length === 0)
      throw new TufError('ROOT_UNTRUSTED', 'trust store entry has no PEM block');
    for (const [block, type] of blocks) {
      if (type === 'CERTIFICATE') certificates.push(certificateDer(block));
      else if (type === 'PUBLIC KEY') publicKeys.push(publicKeyDer(block));
      else throw new TufError('ROOT_UNTRUSTED', `trust store has a ${type} block`);
    }
  }
  if (certificates.length + publicKeys.length === 0)
    throw new TufError('ROOT_UNTRUSTED', 'trust store is empty');
  if (certificates.length + publicKeys.length > MAX_PINS)
    throw new TufError('TOO_LARGE', `trust store has more than ${MAX_PINS} pins`);
  return { certificates, publicKeys };
}

function certificateDer(block: string): Buffer {
  const cert = pemCertificates(Buffer.from(`${block}\n`));
  if (!cert) throw new TufError('ROOT_UNTRUSTED', 'trust store certificate does not parse');
  return Buffer.from(cert[0]!.rawData);
}

function publicKeyDer(block: string): Buffer {
  try {
    return createPublicKey(block).export({ type: 'spki', format: 'der' });
  } catch {
    throw new TufError('ROOT_UNTRUSTED', 'trust store public key does not parse');
  }
}
