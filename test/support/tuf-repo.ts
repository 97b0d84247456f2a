// In-process Notary v1 trust data: keys of every type Notary uses, metadata built as Notary lays
// it out and signed over its canonical form, served from memory through a TufMetadataSource.
// Unit tests use it where thresholds, expiry and versions need precise control.
import { createHash, generateKeyPairSync, sign, constants, type KeyObject } from 'node:crypto';
import { canonicalBytes, type Json } from '../../src/verify/tuf/canonical-json.js';
import { canonicalPem, keyId } from '../../src/verify/tuf/keys.js';
import type { TufMetadataRequest, TufMetadataSource } from '../../src/verify/tuf/source.js';
import { createTufTrustStore, type TufTrustStore } from '../../src/verify/tuf/trust-store.js';
import { issue, type CertSpec } from './certs.js';

export interface SigningKey {
  id: string;
  keytype: string;
  /** The `public` member as metadata carries it (base64). */
  public: string;
  method: string;
  privateKey: KeyObject;
  /** PEM of the root certificate, for x509 keys. */
  certPem?: string;
}

function tufKey(keytype: string, pub: Buffer, privateKey: KeyObject, method: string): SigningKey {
  return { id: keyId(keytype, pub), keytype, public: pub.toString('base64'), method, privateKey };
}

export function ecdsaKey(curve = 'P-256'): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
  return tufKey('ecdsa', publicKey.export({ type: 'spki', format: 'der' }), privateKey, 'ecdsa');
}

export function ed25519Key(): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return tufKey('ed25519', raw, privateKey, 'eddsa');
}

export function rsaKey(method: 'rsapss' | 'rsapkcs1v15' = 'rsapss', bits = 2048): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return tufKey('rsa', publicKey.export({ type: 'spki', format: 'der' }), privateKey, method);
}

/** A root key as `notary init` makes it: a certificate whose CN is the GUN (ecdsa-x509 or rsa-x509). */
export async function rootCertKey(gun: string, spec: CertSpec = {}): Promise<SigningKey> {
  const issued = await issue({ subject: `CN=${gun}`, profile: 'codeSigning', ...spec });
  const pem = canonicalPem([issued.cert]);
  const rsa = issued.keyAlg.startsWith('rsa');
  const key = tufKey(
    rsa ? 'rsa-x509' : 'ecdsa-x509',
    Buffer.from(pem),
    issued.privateKey,
    rsa ? 'rsapss' : 'ecdsa',
  );
  return { ...key, certPem: pem };
}

export function signWith(key: SigningKey, message: Buffer): Buffer {
  if (key.keytype === 'ed25519') return sign(null, message, key.privateKey);
  if (key.keytype.startsWith('ecdsa'))
    return sign('sha256', message, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  const padding =
    key.method === 'rsapkcs1v15' ? constants.RSA_PKCS1_PADDING : constants.RSA_PKCS1_PSS_PADDING;
  return sign('sha256', message, { key: key.privateKey, padding, saltLength: 32 });
}

/** `{"signed": body, "signatures": [...]}` as Notary serialises it (signed part canonical). */
export function signed(body: Json, signers: readonly SigningKey[]): Buffer {
  const message = canonicalBytes(body);
  const signatures = signers.map((k) => ({
    keyid: k.id,
    method: k.method,
    sig: signWith(k, message).toString('base64'),
  }));
  return Buffer.from(
    `{"signed":${message.toString('utf8')},"signatures":${JSON.stringify(signatures)}}`,
  );
}

export function meta(bytes: Buffer): { length: number; hashes: Record<string, string> } {
  const h = (alg: string): string => createHash(alg).update(bytes).digest('base64');
  return { length: bytes.length, hashes: { sha256: h('sha256'), sha512: h('sha512') } };
}

export const keyJson = (k: SigningKey): Json => ({
  keytype: k.keytype,
  keyval: { private: null, public: k.public },
});
const DAY = 86_400_000;
export const inDays = (days: number, from = Date.now()): string =>
  new Date(from + days * DAY).toISOString();

/** A delegated role: its keys sign its targets, its parent lists it. */
export interface Delegation {
  name: string;
  keys: SigningKey[];
  threshold?: number;
  paths?: string[];
  targets: Record<string, Json>;
  version?: number;
  expires?: string;
  /** Who signs it (default its keys). */
  signers?: SigningKey[];
}

/** Everything one publication contains; each test edits what it needs. */
export interface Publication {
  rootVersion: number;
  rootKeys: SigningKey[];
  rootThreshold: number;
  rootSigners?: SigningKey[];
  rootExpires: string;
  targets: Record<string, Json>;
  targetsVersion: number;
  targetsExpires: string;
  delegations: Delegation[];
  snapshotVersion: number;
  snapshotExpires: string;
  timestampVersion: number;
  timestampExpires: string;
  /** Last-minute edits of the documents before signing. */
  edit?: {
    root?: (d: Record<string, Json>) => void;
    targets?: (d: Record<string, Json>) => void;
    snapshot?: (d: Record<string, Json>) => void;
    timestamp?: (d: Record<string, Json>) => void;
  };
}

/** A target entry for an image manifest of `size` bytes with this sha256 digest. */
export function target(digest: string, size: number): Json {
  const hex = digest.replace(/^sha256:/, '');
  return { length: size, hashes: { sha256: Buffer.from(hex, 'hex').toString('base64') } };
}

export class MemoryTufRepo implements TufMetadataSource {
  readonly files = new Map<string, Buffer>();
  readonly requests: string[] = [];
  targetsKey = ecdsaKey();
  snapshotKey = ecdsaKey();
  timestampKey = ed25519Key();

  readonly gun: string;
  root: SigningKey;
  private lastRoot: { same: string; bytes: Buffer } | undefined;

  private constructor(gun: string, root: SigningKey) {
    this.gun = gun;
    this.root = root;
  }

  static async create(gun = 'registry.example/acme/app'): Promise<MemoryTufRepo> {
    return new MemoryTufRepo(gun, await rootCertKey(gun));
  }

  /** Pins the given root key's certificate (default the current one). */
  pins(key: SigningKey = this.root): TufTrustStore {
    return createTufTrustStore([key.certPem!]);
  }

  defaults(): Publication {
    return {
      rootVersion: 1,
      rootKeys: [this.root],
      rootThreshold: 1,
      rootExpires: inDays(3650),
      targets: {},
      targetsVersion: 1,
      targetsExpires: inDays(1095),
      delegations: [],
      snapshotVersion: 1,
      snapshotExpires: inDays(1095),
      timestampVersion: 1,
      timestampExpires: inDays(14),
    };
  }

  /** Writes every file of a publication as notary-server would serve it. */
  publish(p: Publication): void {
    const root = this.publishRoot(p);
    const snapMeta = this.publishTargets(p, root);
    this.publishSnapshotAndTimestamp(p, snapMeta);
  }

  private publishRoot(p: Publication): Buffer {
    const keys: Record<string, Json> = {};
    for (const k of [...p.rootKeys, this.targetsKey, this.snapshotKey, this.timestampKey])
      keys[k.id] = keyJson(k);
    const role = (ks: SigningKey[], threshold = 1): Json => ({
      keyids: ks.map((k) => k.id),
      threshold,
    });
    const rootDoc: Record<string, Json> = {
      _type: 'Root',
      consistent_snapshot: false,
      expires: p.rootExpires,
      version: p.rootVersion,
      keys,
      roles: {
        root: role(p.rootKeys, p.rootThreshold),
        targets: role([this.targetsKey]),
        snapshot: role([this.snapshotKey]),
        timestamp: role([this.timestampKey]),
      },
    };
    p.edit?.root?.(rootDoc);
    // An unchanged root keeps its bytes, as a Notary server's does until the root is rotated.
    const signers = p.rootSigners ?? p.rootKeys;
    const same = JSON.stringify([rootDoc, signers.map((k) => k.id)]);
    const root = same === this.lastRoot?.same ? this.lastRoot.bytes : signed(rootDoc, signers);
    this.lastRoot = { same, bytes: root };
    this.files.set('root', root);
    this.files.set(`${p.rootVersion}.root`, root);
    return root;
  }

  /** targets.json and every delegation; returns their snapshot meta (with the root's). */
  private publishTargets(p: Publication, root: Buffer): Record<string, Json> {
    const delegated = p.delegations.filter((d) => d.name.split('/').length === 2);
    const targetsDoc: Record<string, Json> = {
      _type: 'Targets',
      expires: p.targetsExpires,
      version: p.targetsVersion,
      targets: p.targets,
      delegations: this.delegationsOf(delegated),
    };
    p.edit?.targets?.(targetsDoc);
    const targets = signed(targetsDoc, [this.targetsKey]);
    const snapMeta: Record<string, Json> = { root: meta(root), targets: meta(targets) };
    this.put('targets', targets);
    for (const d of p.delegations) {
      const children = p.delegations.filter(
        (c) =>
          c.name.startsWith(`${d.name}/`) &&
          c.name.split('/').length === d.name.split('/').length + 1,
      );
      const body = {
        _type: 'Targets',
        expires: d.expires ?? inDays(1095),
        version: d.version ?? 1,
        targets: d.targets,
        delegations: this.delegationsOf(children),
      };
      const bytes = signed(body, d.signers ?? d.keys);
      snapMeta[d.name] = meta(bytes);
      this.put(d.name, bytes);
    }
    return snapMeta;
  }

  private publishSnapshotAndTimestamp(p: Publication, snapMeta: Record<string, Json>): void {
    const snapDoc: Record<string, Json> = {
      _type: 'Snapshot',
      expires: p.snapshotExpires,
      version: p.snapshotVersion,
      meta: snapMeta,
    };
    p.edit?.snapshot?.(snapDoc);
    const snapshot = signed(snapDoc, [this.snapshotKey]);
    this.put('snapshot', snapshot);
    const tsDoc: Record<string, Json> = {
      _type: 'Timestamp',
      expires: p.timestampExpires,
      version: p.timestampVersion,
      meta: { snapshot: meta(snapshot) },
    };
    p.edit?.timestamp?.(tsDoc);
    this.files.set('timestamp', signed(tsDoc, [this.timestampKey]));
  }

  private delegationsOf(list: Delegation[]): Json {
    const keys: Record<string, Json> = {};
    for (const d of list) for (const k of d.keys) keys[k.id] = keyJson(k);
    return {
      keys,
      roles: list.map((d) => ({
        name: d.name,
        keyids: d.keys.map((k) => k.id),
        threshold: d.threshold ?? 1,
        paths: d.paths ?? [''],
      })),
    };
  }

  /** Stored under the consistent name and the plain one, as notary-server answers both. */
  private put(role: string, bytes: Buffer): void {
    this.files.set(`${role}.${createHash('sha256').update(bytes).digest('hex')}`, bytes);
    this.files.set(role, bytes);
  }

  async fetch(_gun: string, r: TufMetadataRequest): Promise<Uint8Array | undefined> {
    const name =
      r.version !== undefined
        ? `${r.version}.${r.role}`
        : r.checksum !== undefined
          ? `${r.role}.${r.checksum}`
          : r.role;
    this.requests.push(name);
    return Promise.resolve(this.files.get(name));
  }
}
