// A TrustStore object → the verifier's TrustStore, validated as notation validates a store
// directory (createTrustStore), plus what its status shows. Secrets and ConfigMaps are read from
// the trust namespace only (the service's own): a TrustStore cannot make the service read a
// Secret of another namespace, so RBAC stays one namespaced Role.
import { createHash } from 'node:crypto';
import { createTrustStore, PolicyError, type TrustStore } from '../../verify/index.js';
import type {
  CertificateStatus,
  ClusterState,
  KeyRef,
  ReadyReason,
  StoreVerdict,
  TrustStoreObject,
} from './types.js';

export interface StoreSources {
  secrets: ClusterState['secrets'];
  configMaps: ClusterState['configMaps'];
  trustNamespace: string;
  now: Date;
}

export interface CompiledStore {
  verdict: StoreVerdict;
  /** Present when the store is Ready. */
  store?: TrustStore;
}

/** The most certificates a status lists (certificateCount still counts them all). */
export const MAX_STATUS_CERTIFICATES = 256;

const STORE_TYPES: readonly string[] = ['ca', 'signingAuthority', 'tsa'];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isKeyRef = (value: unknown): value is KeyRef =>
  isRecord(value) && typeof value['name'] === 'string' && typeof value['key'] === 'string';

class StoreProblem extends Error {
  readonly reason: ReadyReason;
  constructor(reason: ReadyReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

interface Source {
  data: Uint8Array | string;
  name: string;
}

function inline(spec: Record<string, unknown>): Source[] {
  const raw = spec['certificates'] ?? [];
  if (!Array.isArray(raw))
    throw new StoreProblem('InvalidSpec', 'spec.certificates: must be a list');
  return raw.map((pem: unknown, i) => {
    if (typeof pem !== 'string')
      throw new StoreProblem('InvalidSpec', `spec.certificates[${i}]: must be a PEM string`);
    return { data: pem, name: `spec.certificates[${i}]` };
  });
}

function referenced(spec: Record<string, unknown>, sources: StoreSources): Source[] {
  const raw = spec['certificatesFrom'] ?? [];
  if (!Array.isArray(raw))
    throw new StoreProblem('InvalidSpec', 'spec.certificatesFrom: must be a list');
  const missing: string[] = [];
  const found = raw.flatMap((item: unknown, i): Source[] => {
    const at = `spec.certificatesFrom[${i}]`;
    const secret = isRecord(item) ? item['secretKeyRef'] : undefined;
    const configMap = isRecord(item) ? item['configMapKeyRef'] : undefined;
    const ref = secret ?? configMap;
    if ((secret === undefined) === (configMap === undefined) || !isKeyRef(ref))
      throw new StoreProblem(
        'InvalidSpec',
        `${at}: needs exactly one of secretKeyRef or configMapKeyRef, each with name and key`,
      );
    const kind = secret === undefined ? 'ConfigMap' : 'Secret';
    const object = `${kind} "${sources.trustNamespace}/${ref.name}"`;
    const entries =
      kind === 'Secret' ? sources.secrets.get(ref.name) : sources.configMaps.get(ref.name);
    const data = entries && Object.hasOwn(entries, ref.key) ? entries[ref.key] : undefined;
    if (data === undefined) {
      missing.push(`${at}: ${object} ${entries ? `has no key "${ref.key}"` : 'not found'}`);
      return [];
    }
    return [{ data, name: `${at} (${object} key "${ref.key}")` }];
  });
  if (missing.length > 0) throw new StoreProblem('SourceNotFound', missing.join('; '));
  return found;
}

function certificateStatus(store: TrustStore): CertificateStatus[] {
  return store.certificates.map((cert) => ({
    subject: cert.subject,
    sha256Fingerprint: createHash('sha256').update(new Uint8Array(cert.rawData)).digest('hex'),
    notAfter: cert.notAfter.toISOString(),
  }));
}

function readyMessage(certificates: CertificateStatus[], now: Date): string {
  const count = `${certificates.length} certificate${certificates.length === 1 ? '' : 's'}`;
  const expired = certificates.filter((c) => Date.parse(c.notAfter) <= now.getTime());
  if (expired.length === 0) return count;
  const list = expired.map((c) => `"${c.subject}" (notAfter ${c.notAfter})`).join(', ');
  return `${count}; expired, so no signature can chain to them now: ${list}`;
}

function build(object: TrustStoreObject, sources: StoreSources): TrustStore {
  const spec: unknown = object.spec;
  if (!isRecord(spec)) throw new StoreProblem('InvalidSpec', 'spec: must be an object');
  const type = spec['type'];
  if (typeof type !== 'string' || !STORE_TYPES.includes(type))
    throw new StoreProblem(
      'InvalidSpec',
      `spec.type: ${JSON.stringify(type)} is not one of ${STORE_TYPES.join(', ')}`,
    );
  const all = [...inline(spec), ...referenced(spec, sources)];
  if (all.length === 0)
    throw new StoreProblem(
      'InvalidSpec',
      'spec: at least one of certificates or certificatesFrom is required',
    );
  try {
    return createTrustStore({
      type: type as TrustStore['type'],
      name: object.metadata.name,
      certificates: all.map((s) => s.data),
      sources: all.map((s) => s.name),
    });
  } catch (err) {
    // Anything else is a parser surprise on hostile input: still not Ready, never a crash.
    if (!(err instanceof PolicyError))
      throw new StoreProblem('CertificateInvalid', 'the certificates could not be parsed');
    const prefix = `${err.path}: `;
    const message = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    throw new StoreProblem('CertificateInvalid', message);
  }
}

/**
 * Compiles one TrustStore: Ready with its certificates, or not Ready (InvalidSpec,
 * SourceNotFound, CertificateInvalid) with a message naming the field. Never throws for bad data.
 */
export function compileTrustStore(object: TrustStoreObject, sources: StoreSources): CompiledStore {
  const observedGeneration = object.metadata.generation ?? 0;
  try {
    const store = build(object, sources);
    const certificates = certificateStatus(store);
    const message = readyMessage(certificates, sources.now);
    return {
      store,
      verdict: { ready: true, reason: 'Valid', message, observedGeneration, certificates },
    };
  } catch (err) {
    if (!(err instanceof StoreProblem)) throw err;
    return {
      verdict: {
        ready: false,
        reason: err.reason,
        message: err.message,
        observedGeneration,
        certificates: [],
      },
    };
  }
}
