// Referrers that are not signatures (SBOMs, scan results …): one unfiltered listing of a subject
// partitioned into its signatures and its other artifacts, and the check of a referrer manifest
// fetched by digest. Only the manifest's own bytes (what a signature of the referrer signs) are
// believed: the listing's descriptors, annotations included, are the registry's word.
import type { Descriptor } from '../verify/types.js';
import { RegistryError } from './errors.js';
import { isObject, readDescriptor, type OciDescriptor } from './manifest.js';
import { OCI_ARTIFACT_MANIFEST, OCI_MANIFEST } from './media-types.js';
import { signatureReferrers, type SignatureDescriptor } from './signatures.js';

/** The OCI annotation a referrer's creation time is read from (RFC 3339). */
export const CREATED_ANNOTATION = 'org.opencontainers.image.created';

const REFERRER_MANIFEST_TYPES = new Set([OCI_MANIFEST, OCI_ARTIFACT_MANIFEST]);

/** A listed referrer of one artifact type, and the subject it was listed for. */
export interface ReferrerDescriptor extends OciDescriptor {
  artifactType: string;
  /** Digest of the artifact it was listed for; its manifest must name it. */
  subject: string;
}

/** One listing of a subject's referrers, partitioned. */
export interface ReferrerListing {
  subject: string;
  /** Notation signature manifests, once each, in the registry's order. */
  signatures: SignatureDescriptor[];
  /** Every other referrer by its listed artifactType, once each, in the registry's order. */
  artifacts: ReadonlyMap<string, ReferrerDescriptor[]>;
}

/**
 * Splits one listing: the signatures as `signatureReferrers` keeps them, everything else that is
 * a manifest with an artifactType by that type. The registry's `artifactType` filter is optional
 * (olareg applies it, the tag schema cannot), so nothing here relies on it.
 */
export function partitionReferrers(
  list: readonly OciDescriptor[],
  subject: string,
): ReferrerListing {
  const signatures = signatureReferrers(list, subject);
  const taken = new Set(signatures.map((s) => s.digest));
  const artifacts = new Map<string, ReferrerDescriptor[]>();
  for (const d of list) {
    const type = d.artifactType;
    if (type === undefined || type === '' || !REFERRER_MANIFEST_TYPES.has(d.mediaType)) continue;
    if (taken.has(d.digest)) continue;
    taken.add(d.digest);
    const of = artifacts.get(type) ?? [];
    of.push({ ...d, artifactType: type, subject });
    artifacts.set(type, of);
  }
  return { subject, signatures, artifacts };
}

/** A referrer manifest fetched by digest and checked: what its signature covers. */
export interface FetchedReferrer {
  /** The manifest as fetched (digest and size checked): the artifact its signatures sign. */
  descriptor: Descriptor;
  artifactType: string;
  /** The manifest's own `subject` (equal to the artifact it was listed for). */
  subject: Descriptor;
  /** The manifest's own annotations (signed with it). */
  annotations: Readonly<Record<string, string>>;
  /** `org.opencontainers.image.created` of the manifest, when present and valid RFC 3339. */
  created?: Date;
}

const RFC3339 =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt](?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)(?:\.\d{1,9})?(?:[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** An RFC 3339 date-time (as the OCI annotation requires), or undefined. */
export function parseCreated(value: string | undefined): Date | undefined {
  if (value === undefined || !RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function stringAnnotations(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(value))
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * Checks a referrer manifest already verified against its digest: a manifest type, the artifact
 * type it is required as (its `artifactType`, else its config's media type, as the referrers API
 * derives it), and a `subject` naming the artifact it was listed for — a manifest listed for
 * this image but naming another is someone else's SBOM. Throws PROTOCOL (a content error).
 */
export function checkReferrerManifest(
  json: Record<string, unknown>,
  fetched: Descriptor,
  listed: ReferrerDescriptor,
): FetchedReferrer {
  const what = `referrer ${listed.digest}`;
  const declared = typeof json['mediaType'] === 'string' ? json['mediaType'] : fetched.mediaType;
  if (!REFERRER_MANIFEST_TYPES.has(declared))
    throw new RegistryError('PROTOCOL', `${what} has media type ${declared.slice(0, 100)}`);
  const config = isObject(json['config']) ? json['config']['mediaType'] : undefined;
  const own = typeof json['artifactType'] === 'string' ? json['artifactType'] : config;
  if (own !== listed.artifactType)
    throw new RegistryError(
      'PROTOCOL',
      `${what} is listed as ${listed.artifactType} but its manifest says ${String(own).slice(0, 100)}`,
    );
  const subject = readDescriptor(json['subject'], `${what} subject`);
  if (subject.digest !== listed.subject)
    throw new RegistryError(
      'PROTOCOL',
      `${what} names ${subject.digest} as its subject, not ${listed.subject}`,
    );
  const annotations = stringAnnotations(json['annotations']);
  const created = parseCreated(annotations[CREATED_ANNOTATION]);
  return {
    // As `notation verify <repo>@<digest>` resolves it: the media type the registry serves.
    descriptor: { mediaType: fetched.mediaType, digest: fetched.digest, size: fetched.size },
    artifactType: listed.artifactType,
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations,
    ...(created && { created }),
  };
}
