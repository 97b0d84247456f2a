// The signed payload `application/vnd.cncf.notary.payload.v1+json` (spec §Payload). It is read only
// after the envelope's signature has verified; comparing it with the artifact is the caller's job.
import type { Descriptor } from '../types.js';
import { malformed } from './attributes.js';

/** OCI digest grammar: `algorithm ":" encoded` (image-spec descriptor.md). */
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readAnnotations(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw malformed('payload targetArtifact.annotations must be an object');
  const annotations: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') {
      throw malformed('payload targetArtifact.annotations values must be strings');
    }
    Object.defineProperty(annotations, key, { value: entry, enumerable: true, writable: true });
  }
  return annotations;
}

function checkRequired(value: Record<string, unknown>): void {
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string' || mediaType === '') {
    throw malformed('payload targetArtifact.mediaType must be a non-empty string');
  }
  if (typeof digest !== 'string' || !DIGEST.test(digest)) {
    throw malformed('payload targetArtifact.digest is not a valid digest');
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw malformed('payload targetArtifact.size must be a non-negative integer');
  }
}

function readDescriptor(value: unknown): Descriptor {
  if (!isObject(value)) throw malformed('the payload has no targetArtifact object');
  checkRequired(value);
  const { mediaType, digest, size, artifactType } = value as {
    mediaType: string;
    digest: string;
    size: number;
    artifactType?: unknown;
  };
  if (artifactType !== undefined && typeof artifactType !== 'string') {
    throw malformed('payload targetArtifact.artifactType must be a string');
  }
  const annotations = readAnnotations(value['annotations']);
  return {
    mediaType,
    digest,
    size,
    ...(annotations && { annotations }),
    ...(artifactType !== undefined && { artifactType }),
  };
}

/**
 * Parses a verified payload into its `targetArtifact` descriptor. Unknown members are ignored,
 * as notation-go does: they are signed, so they cannot be smuggled in.
 * @throws VerificationError ENVELOPE_MALFORMED for anything that is not such a JSON document.
 */
export function parsePayload(bytes: Uint8Array): Descriptor {
  let document: unknown;
  try {
    document = JSON.parse(utf8.decode(bytes));
  } catch {
    throw malformed('the signed payload is not a JSON document');
  }
  if (!isObject(document)) throw malformed('the signed payload is not a JSON object');
  return readDescriptor(document['targetArtifact']);
}
