// The four kinds of Notary metadata, parsed from untrusted bytes into checked shapes
// (tuf/data/{types,root,timestamp,snapshot,targets}.go). SPEC.md § Metadata.
import { canonicalBytes, parseJson, type Json } from './canonical-json.js';
import { TufError } from './errors.js';
import * as f from './json-fields.js';
import { keyId, type TufKey } from './keys.js';
import type { TufLimits } from './limits.js';
import { isDelegationName, parentOf } from './paths.js';

export interface Signature {
  keyid: string;
  method: string;
  sig: Buffer;
}

/** `{"signed": …, "signatures": […]}` with the bytes the signatures cover. */
export interface SignedEnvelope {
  signed: f.JsonObject;
  canonical: Buffer;
  signatures: Signature[];
}

export interface RoleKeys {
  keyids: string[];
  threshold: number;
}

interface Common {
  version: number;
  expires: Date;
}

export interface FileMeta {
  length: number;
  sha256: Buffer;
  sha512?: Buffer;
}

export type BaseRoleName = 'root' | 'targets' | 'snapshot' | 'timestamp';
const BASE_ROLES: readonly BaseRoleName[] = ['root', 'targets', 'snapshot', 'timestamp'];

export interface Root extends Common {
  keys: Map<string, TufKey>;
  roles: Record<BaseRoleName, RoleKeys>;
}

export interface Timestamp extends Common {
  snapshot: FileMeta;
}

export interface Snapshot extends Common {
  meta: Map<string, FileMeta>;
}

export interface DelegatedRole extends RoleKeys {
  name: string;
  paths: string[];
}

export interface Targets extends Common {
  /** Entries as listed; each is checked (fileMeta) only when it is looked at. */
  targets: Map<string, Json>;
  keys: Map<string, TufKey>;
  roles: DelegatedRole[];
}

export function parseEnvelope(bytes: Uint8Array, what: string, limits: TufLimits): SignedEnvelope {
  const doc = f.fields(parseJson(bytes, limits.jsonDepth, what), what, ['signed', 'signatures']);
  const signed = f.object(doc['signed'], `${what} signed`);
  const signatures = f
    .array(doc['signatures'], `${what} signatures`, limits.signatures)
    .map((s, i) => {
      const sig = f.fields(s, `${what} signature ${i}`, ['keyid', 'method', 'sig']);
      return {
        keyid: f.string(sig['keyid'], `${what} signature ${i} keyid`),
        method: f.string(sig['method'], `${what} signature ${i} method`).toLowerCase(),
        sig: f.base64(sig['sig'], `${what} signature ${i} sig`),
      };
    });
  return { signed, canonical: canonicalBytes(signed), signatures };
}

function common(signed: f.JsonObject, what: string, type: string): Common {
  const body = f.fields(signed, what, ['_type', 'version', 'expires']);
  if (body['_type'] !== type)
    throw new TufError('METADATA_MALFORMED', `${what} _type is not "${type}"`);
  return {
    version: f.integer(body['version'], `${what} version`, 1),
    expires: f.time(body['expires'], `${what} expires`),
  };
}

/** A `keys` map: each entry's ID must be the one its content hashes to (Notary's ErrInvalidKeyID). */
function keys(value: Json | undefined, what: string, limits: TufLimits): Map<string, TufKey> {
  const out = new Map<string, TufKey>();
  for (const [id, raw] of f.entries(value, what, limits.keys)) {
    const key = f.fields(raw, `${what} ${id}`, ['keytype', 'keyval']);
    const type = f.string(key['keytype'], `${what} ${id} keytype`);
    const val = f.fields(key['keyval'], `${what} ${id} keyval`, ['public', 'private']);
    if (val['private'] !== undefined && val['private'] !== null)
      throw new TufError('METADATA_MALFORMED', `${what} ${id} carries a private key`);
    const pub = f.base64(val['public'], `${what} ${id} public`);
    if (keyId(type, pub) !== id)
      throw new TufError('METADATA_MALFORMED', `${what} ${id} is not the ID of its key`);
    out.set(id, { id, type, public: pub });
  }
  return out;
}

function roleKeys(
  value: Json | undefined,
  what: string,
  known: Map<string, TufKey>,
  limits: TufLimits,
): RoleKeys {
  const role = f.fields(value, what, ['keyids', 'threshold', 'name', 'paths']);
  const keyids = f
    .array(role['keyids'], `${what} keyids`, limits.signatures)
    .map((k) => f.string(k, `${what} keyid`));
  for (const id of keyids)
    if (!known.has(id))
      throw new TufError('METADATA_MALFORMED', `${what} lists key ${id} it does not define`);
  return {
    keyids: [...new Set(keyids)],
    threshold: f.integer(role['threshold'], `${what} threshold`, 1),
  };
}

export function fileMeta(value: Json | undefined, what: string): FileMeta {
  const meta = f.fields(value, what, ['length', 'hashes', 'custom']);
  const hashes = f.entries(meta['hashes'], `${what} hashes`, 8);
  const get = (alg: string, size: number): Buffer | undefined => {
    const h = hashes.find(([k]) => k === alg)?.[1];
    if (h === undefined) return undefined;
    const bytes = f.base64(h, `${what} ${alg}`);
    if (bytes.length !== size)
      throw new TufError('METADATA_MALFORMED', `${what} ${alg} is not ${size} bytes`);
    return bytes;
  };
  const sha256 = get('sha256', 32);
  const sha512 = get('sha512', 64);
  if (!sha256) throw new TufError('METADATA_MALFORMED', `${what} has no sha256`);
  return { length: f.integer(meta['length'], `${what} length`), sha256, ...(sha512 && { sha512 }) };
}

export function parseRoot(env: SignedEnvelope, limits: TufLimits): Root {
  const base = common(env.signed, 'root', 'Root');
  const body = f.fields(env.signed, 'root', ['keys', 'roles', 'consistent_snapshot']);
  const k = keys(body['keys'], 'root keys', limits);
  const listed = f.entries(body['roles'], 'root roles', 16);
  const roles = {} as Record<BaseRoleName, RoleKeys>;
  for (const name of BASE_ROLES) {
    const entry = listed.find(([n]) => n === name);
    if (!entry) throw new TufError('METADATA_MALFORMED', `root has no ${name} role`);
    roles[name] = roleKeys(entry[1], `root role ${name}`, k, limits);
  }
  return { ...base, keys: k, roles };
}

export function parseTimestamp(env: SignedEnvelope): Timestamp {
  const base = common(env.signed, 'timestamp', 'Timestamp');
  const meta = f.entries(f.fields(env.signed, 'timestamp', ['meta'])['meta'], 'timestamp meta', 8);
  const snapshot = meta.find(([n]) => n === 'snapshot');
  if (!snapshot) throw new TufError('METADATA_MALFORMED', 'timestamp has no snapshot meta');
  return { ...base, snapshot: fileMeta(snapshot[1], 'timestamp meta snapshot') };
}

export function parseSnapshot(env: SignedEnvelope, limits: TufLimits): Snapshot {
  const base = common(env.signed, 'snapshot', 'Snapshot');
  const listed = f.entries(
    f.fields(env.signed, 'snapshot', ['meta'])['meta'],
    'snapshot meta',
    limits.targets,
  );
  const meta = new Map(listed.map(([n, m]) => [n, fileMeta(m, `snapshot meta ${n}`)] as const));
  for (const name of ['root', 'targets'])
    if (!meta.has(name)) throw new TufError('METADATA_MALFORMED', `snapshot has no ${name} meta`);
  return { ...base, meta };
}

/** Targets of `role` (`targets` or a delegation): its delegations must be its own children. */
export function parseTargets(env: SignedEnvelope, role: string, limits: TufLimits): Targets {
  const base = common(env.signed, role, 'Targets');
  const body = f.fields(env.signed, role, ['targets', 'delegations']);
  const targets = new Map(f.entries(body['targets'], `${role} targets`, limits.targets));
  const delegations =
    body['delegations'] === undefined
      ? { keys: {}, roles: [] }
      : f.fields(body['delegations'], `${role} delegations`, ['keys', 'roles']);
  const k = keys(delegations['keys'] ?? {}, `${role} delegation keys`, limits);
  const roles = f
    .array(delegations['roles'] ?? [], `${role} delegation roles`, limits.delegations)
    .map((r, i) => {
      const what = `${role} delegation ${i}`;
      const name = f.string(f.object(r, what)['name'], `${what} name`);
      if (!isDelegationName(name) || parentOf(name) !== role)
        throw new TufError(
          'DELEGATION_INVALID',
          `${role} delegates "${name}", which is not a child role of it`,
          { role: 'targets' },
        );
      const paths = f
        .array(f.object(r, what)['paths'] ?? [], `${what} paths`, limits.paths)
        .map((p) => f.string(p, `${what} path`));
      return { name, paths, ...roleKeys(r, what, k, limits) };
    });
  if (new Set(roles.map((r) => r.name)).size !== roles.length)
    throw new TufError('DELEGATION_INVALID', `${role} delegates one role twice`);
  return { ...base, targets, keys: k, roles };
}
