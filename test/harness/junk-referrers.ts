// Raw referrers that claim to be Notation signatures but are not valid signature artifacts: what
// anyone with push access to a repository can attach to an image. Each is pushed by digest and,
// on a registry without the referrers API, listed in the `sha256-<hex>` tag-schema index too.
import { randomBytes } from 'node:crypto';
import type { Descriptor } from './images.js';
import { OciClient, sha256, type Credentials, type OciEndpoint } from './oci.js';

/**
 * - `two-layers`: a signature manifest with two envelope layers (notation requires one);
 * - `wrong-subject`: its `subject` is another artifact (on a registry with the referrers API it is
 *   listed under that artifact, never under ours);
 * - `oversized-envelope`: one envelope layer of 1 MiB + 1 byte (the client's cap is 1 MiB);
 * - `unparsable-envelope`: one `application/jose+json` layer that is not JSON;
 * - `wrong-media-type`: `artifactType` of a signature with an image config (neither spec form);
 * - `missing-manifest`: listed, then deleted (the registry answers 404 for it); only the
 *   tag-schema index keeps listing it, so only a registry without the referrers API can serve it.
 */
export type JunkKind =
  | 'two-layers'
  | 'wrong-subject'
  | 'oversized-envelope'
  | 'unparsable-envelope'
  | 'wrong-media-type'
  | 'missing-manifest';

export const JUNK_KINDS: readonly JunkKind[] = [
  'two-layers',
  'wrong-subject',
  'oversized-envelope',
  'unparsable-envelope',
  'wrong-media-type',
  'missing-manifest',
];

/** The kinds a registry can serve: the referrers API lists only manifests that exist. */
export const junkKindsFor = (referrersApi: boolean): JunkKind[] =>
  JUNK_KINDS.filter((k) => !referrersApi || k !== 'missing-manifest');

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const NOTARY = 'application/vnd.cncf.notary.signature';
const EMPTY = 'application/vnd.oci.empty.v1+json';
const JWS = 'application/jose+json';

export interface JunkOptions {
  repository: string;
  /** The image the junk is attached to. */
  subject: Descriptor;
  kinds: readonly JunkKind[];
  /** olareg: the registry indexes referrers itself; distribution: the tag-schema index is written. */
  referrersApi: boolean;
  credentials?: Credentials | undefined;
}

async function layer(client: OciClient, repo: string, bytes: Buffer): Promise<Descriptor> {
  return { mediaType: JWS, digest: await client.pushBlob(repo, bytes), size: bytes.length };
}

/** The manifest of one junk kind (`missing-manifest` is deleted once listed). */
async function junkManifest(
  client: OciClient,
  options: JunkOptions,
  kind: JunkKind,
): Promise<Record<string, unknown>> {
  const repo = options.repository;
  const emptyBytes = Buffer.from('{}');
  const empty = { mediaType: EMPTY, digest: await client.pushBlob(repo, emptyBytes), size: 2 };
  const garbage = (n: number): Promise<Descriptor> => layer(client, repo, randomBytes(n));
  const { mediaType, digest, size } = options.subject;
  const base = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: NOTARY,
    config: empty,
    layers: [await garbage(64)],
    subject: { mediaType, digest, size },
    annotations: { 'org.opencontainers.image.created': new Date().toISOString(), kind },
  };
  switch (kind) {
    case 'two-layers':
      return { ...base, layers: [await garbage(64), await garbage(64)] };
    case 'wrong-subject': {
      const other = sha256(randomBytes(32));
      return { ...base, subject: { mediaType, digest: other, size } };
    }
    case 'oversized-envelope':
      return { ...base, layers: [await garbage(1024 * 1024 + 1)] };
    case 'unparsable-envelope':
      return { ...base, layers: [await layer(client, repo, Buffer.from('this is not a JWS'))] };
    case 'wrong-media-type': {
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux' }));
      const image = { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length };
      return { ...base, config: { ...image, digest: await client.pushBlob(repo, config) } };
    }
    case 'missing-manifest':
      return base;
  }
}

/** The `sha256-<hex>` index's entries, or none when it does not exist yet. */
async function listedByTag(client: OciClient, options: JunkOptions): Promise<Descriptor[]> {
  const tag = options.subject.digest.replace(':', '-');
  const res = await client.getManifest(options.repository, tag);
  if (res.status !== 200) return [];
  return (JSON.parse(res.body.toString('utf8')) as { manifests?: Descriptor[] }).manifests ?? [];
}

/**
 * Pushes one junk referrer of each kind given, in order, and returns their descriptors. Without
 * the referrers API they are appended to the tag-schema index after what it already lists.
 */
export async function attachJunkReferrers(
  registry: OciEndpoint,
  options: JunkOptions,
): Promise<Descriptor[]> {
  const client = new OciClient(registry, options.credentials);
  const out: Descriptor[] = [];
  const doomed: string[] = [];
  for (const kind of options.kinds) {
    const bytes = Buffer.from(JSON.stringify(await junkManifest(client, options, kind)));
    const digest = await client.pushManifest(
      options.repository,
      sha256(bytes),
      OCI_MANIFEST,
      bytes,
    );
    const annotations = { kind };
    out.push({
      mediaType: OCI_MANIFEST,
      digest,
      size: bytes.length,
      artifactType: NOTARY,
      annotations,
    });
    if (kind === 'missing-manifest') doomed.push(digest);
  }
  if (!options.referrersApi) {
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [...(await listedByTag(client, options)), ...out],
      }),
    );
    const tag = options.subject.digest.replace(':', '-');
    await client.pushManifest(options.repository, tag, OCI_INDEX, index);
  }
  for (const digest of doomed) {
    const res = await client.request('DELETE', `/v2/${options.repository}/manifests/${digest}`);
    if (res.status !== 202) throw new Error(`delete ${digest}: HTTP ${res.status}`);
  }
  return out;
}
