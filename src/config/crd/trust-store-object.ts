// A TrustStore object → the verifier's TrustStore, validated as notation validates a store
// directory (createTrustStore), and the CRLs it supplies (`crlsFrom`, issue 15), plus what its
// status shows. Secrets and ConfigMaps are read from the trust namespace only (the service's
// own): a TrustStore cannot make the service read a Secret of another namespace, so RBAC stays
// one namespaced Role.
import { createHash } from 'node:crypto';
import {
  createCrlBundle,
  createTrustStore,
  CrlBundleError,
  PolicyError,
  type CrlBundle,
  type TrustStore,
} from '../../verify/index.js';
import type {
  CertificateStatus,
  ClusterState,
  CrlStatus,
  KeyRef,
  ReadyReason,
  StoreVerdict,
  TrustStoreObject,
} from './types.js';
import { compileRootStore, NOTARY_ROOT_STORE_TYPE } from './dct-store.js';

export interface StoreSources {
  secrets: ClusterState['secrets'];
  configMaps: ClusterState['configMaps'];
  trustNamespace: string;
  now: Date;
}

export interface CompiledStore {
  verdict: StoreVerdict;
  /** A notaryV1Root store's pins (PEM), when it is Ready (dct-store.ts). */
  tufRoots?: readonly string[];
  /** Present when the store is Ready. */
  store?: TrustStore;
  /** The CRLs of `crlsFrom`, when the store is Ready and names some. */
  crls?: CrlBundle;
}

/** The most certificates a status lists (certificateCount still counts them all). */
export const MAX_STATUS_CERTIFICATES = 256;
/** The most CRLs a status lists. */
export const MAX_STATUS_CRLS = 64;

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

function referenced(
  spec: Record<string, unknown>,
  sources: StoreSources,
  field: 'certificatesFrom' | 'crlsFrom',
): Source[] {
  const raw = spec[field] ?? [];
  if (!Array.isArray(raw)) throw new StoreProblem('InvalidSpec', `spec.${field}: must be a list`);
  const missing: string[] = [];
  const found = raw.flatMap((item: unknown, i): Source[] => {
    const at = `spec.${field}[${i}]`;
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

/** A notaryV1Root store's PEM sources: inline and referenced, at least one. */
function pinSources(spec: Record<string, unknown>, sources: StoreSources): Source[] {
  const all = [...inline(spec), ...referenced(spec, sources, 'certificatesFrom')];
  if (all.length === 0)
    throw new StoreProblem(
      'InvalidSpec',
      'spec: at least one of certificates or certificatesFrom is required',
    );
  return all;
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
  const all = [...inline(spec), ...referenced(spec, sources, 'certificatesFrom')];
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

/** The CRLs of `crlsFrom` (none named: undefined); one that is not a CRL makes the store not Ready. */
function crlsOf(object: TrustStoreObject, sources: StoreSources): CrlBundle | undefined {
  const spec = object.spec as unknown as Record<string, unknown>;
  const found = referenced(spec, sources, 'crlsFrom');
  if (found.length === 0) return undefined;
  try {
    return createCrlBundle(found.map((s) => ({ data: s.data, source: s.name })));
  } catch (err) {
    if (err instanceof CrlBundleError) throw new StoreProblem('CrlInvalid', err.message);
    throw new StoreProblem('CrlInvalid', 'the CRLs could not be parsed');
  }
}

function crlStatus(crls: CrlBundle | undefined): CrlStatus[] | undefined {
  return crls?.crls.map((c) => ({
    issuer: c.issuer,
    sha256Fingerprint: c.sha256,
    thisUpdate: c.thisUpdate.toISOString(),
    ...(c.nextUpdate && { nextUpdate: c.nextUpdate.toISOString() }),
  }));
}

/** The CRL part of the Ready message: how many, and those already past their nextUpdate. */
function crlMessage(crls: CrlStatus[] | undefined, now: Date): string {
  if (crls === undefined) return '';
  const count = `; ${crls.length} CRL${crls.length === 1 ? '' : 's'}`;
  const stale = crls.filter(
    (c) => c.nextUpdate === undefined || Date.parse(c.nextUpdate) <= now.getTime(),
  );
  if (stale.length === 0) return count;
  const list = stale.map((c) => `"${c.issuer}" (nextUpdate ${c.nextUpdate ?? 'none'})`).join(', ');
  return `${count}; out of date, so the revocation status of what they cover is unknown: ${list}`;
}

/**
 * Compiles one TrustStore: Ready with its certificates and CRLs, or not Ready (InvalidSpec,
 * SourceNotFound, CertificateInvalid, CrlInvalid) with a message naming the field. Never throws
 * for bad data.
 */
export function compileTrustStore(object: TrustStoreObject, sources: StoreSources): CompiledStore {
  const observedGeneration = object.metadata.generation ?? 0;
  try {
    // Docker Content Trust's pinned roots (issue 18): dct-store.ts.
    if (isRecord(object.spec) && object.spec['type'] === NOTARY_ROOT_STORE_TYPE)
      return compileRootStore(pinSources(object.spec, sources), observedGeneration);
    const store = build(object, sources);
    const crls = crlsOf(object, sources);
    const certificates = certificateStatus(store);
    const listed = crlStatus(crls);
    const message = readyMessage(certificates, sources.now) + crlMessage(listed, sources.now);
    return {
      store,
      ...(crls && { crls }),
      verdict: {
        ready: true,
        reason: 'Valid',
        message,
        observedGeneration,
        certificates,
        ...(listed && { crls: listed }),
      },
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
