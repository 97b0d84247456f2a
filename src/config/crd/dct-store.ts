// Docker Content Trust in the cluster source (issue 18): a TrustStore of type notaryV1Root holds
// the pinned Notary v1 roots (PEM certificates or public keys; never trust on first use), and a
// TrustPolicy's `spec.dct.trustStore` names one. Kept apart from the notation stores: such a
// store never reaches a notation statement, and a notation store never pins a Notary root.
import { createHash, X509Certificate } from 'node:crypto';
import { createTufTrustStore, isTufError } from '../../verify/index.js';
import type { PolicyRequirements } from '../snapshot.types.js';
import type { CertificateStatus, ObjectVerdict, StoreVerdict } from './types.js';

export const NOTARY_ROOT_STORE_TYPE = 'notaryV1Root';

/** A source's PEM text and where it came from. */
export interface PemSource {
  data: Uint8Array | string;
  name: string;
}

/** What a notaryV1Root store compiles to: its verdict and, when Ready, its pins. */
export interface CompiledRootStore {
  verdict: StoreVerdict;
  tufRoots?: readonly string[];
}

/** The certificates among the pins, for status (public keys have no subject or notAfter). */
function certificateStatus(pems: readonly string[]): CertificateStatus[] {
  const store = createTufTrustStore(pems);
  return store.certificates.map((der) => {
    const cert = new X509Certificate(der);
    return {
      subject: cert.subject.split('\n').join(', '),
      sha256Fingerprint: createHash('sha256').update(der).digest('hex'),
      notAfter: new Date(cert.validTo).toISOString(),
    };
  });
}

/**
 * Compiles the pins of a notaryV1Root TrustStore (its sources already read): Ready when every
 * PEM block is a certificate or public key that parses, CertificateInvalid otherwise.
 */
export function compileRootStore(
  sources: readonly PemSource[],
  observedGeneration: number,
): CompiledRootStore {
  const pems = sources.map((s) =>
    typeof s.data === 'string' ? s.data : Buffer.from(s.data).toString('utf8'),
  );
  try {
    const store = createTufTrustStore(pems);
    const certificates = certificateStatus(pems);
    const keys = store.publicKeys.length;
    const message = `${certificates.length} root certificate${certificates.length === 1 ? '' : 's'}, ${keys} root public key${keys === 1 ? '' : 's'} pinned for Docker Content Trust`;
    return {
      tufRoots: pems,
      verdict: { ready: true, reason: 'Valid', message, observedGeneration, certificates },
    };
  } catch (err) {
    const message = isTufError(err) ? err.message : 'the pins could not be parsed';
    return {
      verdict: {
        ready: false,
        reason: 'CertificateInvalid',
        message: `${message} (a notaryV1Root store holds PEM CERTIFICATE or PUBLIC KEY blocks)`,
        observedGeneration,
        certificates: [],
      },
    };
  }
}

/** A compiled TrustStore as the policy check sees it. */
export interface StoreForDct {
  type: unknown;
  verdict: StoreVerdict;
  tufRoots?: readonly string[];
}

/**
 * The requirements with the `dct` block's pins from the TrustStore it names, or why the policy
 * cannot be Ready: the store is missing, of another type, or not Ready.
 */
export function withDctRoots(
  requirements: PolicyRequirements,
  stores: ReadonlyMap<string, StoreForDct>,
): { requirements: PolicyRequirements } | { problem: Omit<ObjectVerdict, 'observedGeneration'> } {
  const dct = requirements.dct;
  if (!dct) return { requirements };
  const name = dct.trustStore;
  const store = stores.get(name);
  const at = 'spec.dct.trustStore';
  if (!store || store.type !== NOTARY_ROOT_STORE_TYPE) {
    const why = store
      ? `has type ${String(store.type)}, not ${NOTARY_ROOT_STORE_TYPE}`
      : 'not found';
    return {
      problem: {
        ready: false,
        reason: 'TrustStoreNotFound',
        message: `${at}: TrustStore "${name}" ${why}`,
      },
    };
  }
  if (!store.verdict.ready || !store.tufRoots)
    return {
      problem: {
        ready: false,
        reason: 'TrustStoreNotReady',
        message: `${at}: TrustStore "${name}" is not Ready (${store.verdict.reason})`,
      },
    };
  return { requirements: { ...requirements, dct: { ...dct, roots: store.tufRoots } } };
}
