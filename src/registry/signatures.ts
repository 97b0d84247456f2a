import type { Descriptor } from '../verify/types.js';
import { tooLarge } from './body.js';
import { RegistryError } from './errors.js';
import { isObject, readDescriptor, type OciDescriptor } from './manifest.js';
import {
  NOTARY_SIGNATURE,
  OCI_ARTIFACT_MANIFEST,
  OCI_EMPTY,
  OCI_MANIFEST,
  THUMBPRINT_ANNOTATION,
} from './media-types.js';

/** A Notation signature manifest found for an artifact (a referrer of `subject`). */
export interface SignatureDescriptor extends Descriptor {
  /** Digest of the artifact the signature was listed for; its manifest must name it. */
  subject: string;
}

const SIGNATURE_MANIFEST_TYPES = new Set([OCI_MANIFEST, OCI_ARTIFACT_MANIFEST]);

/** A referrer that can be a Notation signature: right artifactType and a manifest type. */
export function isSignatureReferrer(d: Descriptor): boolean {
  return d.artifactType === NOTARY_SIGNATURE && SIGNATURE_MANIFEST_TYPES.has(d.mediaType);
}

/** Keeps signature referrers once each, in the registry's order. */
export function signatureReferrers(
  list: readonly Descriptor[],
  subject: string,
): SignatureDescriptor[] {
  const seen = new Set<string>();
  const out: SignatureDescriptor[] = [];
  for (const d of list) {
    if (!isSignatureReferrer(d) || seen.has(d.digest)) continue;
    seen.add(d.digest);
    out.push({ ...d, subject });
  }
  return out;
}

/**
 * The chain thumbprints a signature manifest's `io.cncf.notary.x509chain.thumbprint#S256`
 * annotation claims (hex, lower case). Unsigned: src/verify only orders candidates by them.
 */
export function annotatedThumbprints(d: Descriptor): string[] {
  try {
    const value: unknown = JSON.parse(d.annotations?.[THUMBPRINT_ANNOTATION] ?? '[]');
    return Array.isArray(value)
      ? value
          .filter((v): v is string => typeof v === 'string')
          .slice(0, 32)
          .map((v) => v.toLowerCase())
      : [];
  } catch {
    return [];
  }
}

/** The spec's two forms: OCI 1.1 (artifactType + empty config) and legacy (config type). */
function checkForm(json: Record<string, unknown>, mediaType: string, what: string): void {
  if (mediaType === OCI_ARTIFACT_MANIFEST) {
    if (json['artifactType'] !== NOTARY_SIGNATURE)
      throw new RegistryError(
        'PROTOCOL',
        `${what} is an artifact manifest of another artifactType`,
      );
    return;
  }
  const config = isObject(json['config']) ? json['config']['mediaType'] : undefined;
  const artifactType = json['artifactType'];
  const modern = artifactType === NOTARY_SIGNATURE && config === OCI_EMPTY;
  const legacy = artifactType === undefined && config === NOTARY_SIGNATURE;
  if (!modern && !legacy) {
    throw new RegistryError(
      'PROTOCOL',
      `${what} is not a Notation signature manifest (artifactType ${String(artifactType)}, config ${String(config)})`,
    );
  }
}

/**
 * Checks a signature manifest (already verified against its digest) and returns its one
 * envelope layer. The layer's mediaType is what the envelope parser is told, as notation-go does.
 */
export function envelopeLayer(
  json: Record<string, unknown>,
  sig: SignatureDescriptor,
  maxEnvelopeBytes: number,
): OciDescriptor {
  const what = `signature manifest ${sig.digest}`;
  const mediaType = typeof json['mediaType'] === 'string' ? json['mediaType'] : sig.mediaType;
  if (!SIGNATURE_MANIFEST_TYPES.has(mediaType) || mediaType !== sig.mediaType)
    throw new RegistryError('PROTOCOL', `${what} has media type ${mediaType}`);
  checkForm(json, mediaType, what);
  const subject = readDescriptor(json['subject'], `${what} subject`);
  if (subject.digest !== sig.subject)
    throw new RegistryError('PROTOCOL', `${what} signs ${subject.digest}, not ${sig.subject}`);
  const layers = json[mediaType === OCI_ARTIFACT_MANIFEST ? 'blobs' : 'layers'];
  if (!Array.isArray(layers) || layers.length !== 1) {
    const n = Array.isArray(layers) ? layers.length : 0;
    throw new RegistryError(
      'PROTOCOL',
      `${what} has ${n} layers; exactly one envelope is required`,
    );
  }
  const layer = readDescriptor(layers[0], `${what} layer`);
  if (layer.size > maxEnvelopeBytes)
    throw tooLarge(`the envelope of ${what} (${layer.size} bytes)`, maxEnvelopeBytes);
  return layer;
}
