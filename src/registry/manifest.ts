import type { Descriptor } from '../verify/types.js';
import { isDigest } from './digest.js';
import { RegistryError } from './errors.js';

/** A descriptor with the fields this client reads from indexes and manifests. */
export interface OciDescriptor extends Descriptor {
  platform?: { os: string; architecture: string; variant?: string };
}

type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseJson(bytes: Uint8Array, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new RegistryError('PROTOCOL', `${what} is not valid JSON`);
  }
  if (!isObject(value)) throw new RegistryError('PROTOCOL', `${what} is not a JSON object`);
  return value;
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (!isObject(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

function platformOf(value: unknown): OciDescriptor['platform'] {
  if (!isObject(value)) return undefined;
  const { os, architecture, variant } = value;
  if (typeof os !== 'string' || typeof architecture !== 'string') return undefined;
  return { os, architecture, ...(typeof variant === 'string' && { variant }) };
}

/** A descriptor checked for shape (media type, digest we can verify, size); throws PROTOCOL. */
export function readDescriptor(value: unknown, what: string): OciDescriptor {
  if (!isObject(value)) throw new RegistryError('PROTOCOL', `${what} is not a descriptor`);
  const { mediaType, digest, size, artifactType } = value;
  if (typeof mediaType !== 'string' || mediaType.length === 0 || mediaType.length > 255)
    throw new RegistryError('PROTOCOL', `${what} has no valid mediaType`);
  if (!isDigest(digest)) throw new RegistryError('PROTOCOL', `${what} has no supported digest`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw new RegistryError('PROTOCOL', `${what} has no valid size`);
  const annotations = stringMap(value['annotations']);
  const platform = platformOf(value['platform']);
  return {
    mediaType,
    digest,
    size,
    ...(typeof artifactType === 'string' && { artifactType }),
    ...(annotations && { annotations }),
    ...(platform && { platform }),
  };
}

/** The `manifests` of an image index; descriptors of unusable shape are dropped, not fatal. */
export function indexManifests(index: Json): OciDescriptor[] {
  const list = index['manifests'];
  // olareg (Go) writes an empty list as null.
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list)) throw new RegistryError('PROTOCOL', 'the index has no manifests list');
  const out: OciDescriptor[] = [];
  for (const item of list) {
    try {
      out.push(readDescriptor(item, 'an index entry'));
    } catch {
      // A malformed entry names nothing we could verify; the others still count.
    }
  }
  return out;
}
