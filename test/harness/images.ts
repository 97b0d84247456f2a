import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { OciClient, sha256, type Credentials, type OciEndpoint } from './oci.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface PushedImage {
  repository: string;
  tag: string;
  /** The digest of the manifest (single-arch) or of the index (multi-arch). */
  digest: string;
  mediaType: string;
  size: number;
  /** `host/repo@sha256:…`, what notation signs. */
  reference: string;
  /** `host/repo:tag`. */
  tagReference: string;
  /** Platform manifests of a multi-arch image (empty for single-arch). */
  platforms: Descriptor[];
}

export interface PushImageOptions {
  tag?: string;
  /** e.g. `['linux/amd64', 'linux/arm64']` makes an OCI image index over one manifest each. */
  platforms?: string[];
  credentials?: Credentials | undefined;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** One ustar entry with a small random file, gzipped: a real, tiny image layer. */
function randomLayer(): Buffer {
  const content = Buffer.from(`notary-admission test layer ${randomBytes(16).toString('hex')}\n`);
  const header = Buffer.alloc(512);
  const field = (value: string, offset: number, length: number): void =>
    void header.write(value, offset, length, 'ascii');
  field('hello.txt', 0, 100);
  field('0000644\0', 100, 8);
  field('0000000\0', 108, 8);
  field('0000000\0', 116, 8);
  field(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 12);
  field(
    `${Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
    12,
  );
  field('        ', 148, 8);
  field('0', 156, 1);
  field('ustar\0', 257, 6);
  field('00', 263, 2);
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  field(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return gzipSync(Buffer.concat([header, content, padding, Buffer.alloc(1024)]));
}

async function pushPlatformManifest(
  client: OciClient,
  repo: string,
  platform: string | undefined,
): Promise<Descriptor> {
  const layer = randomLayer();
  const [os = 'linux', architecture = 'amd64', variant] = (platform ?? 'linux/amd64').split('/');
  const config = Buffer.from(
    JSON.stringify({
      architecture,
      os,
      ...(variant && { variant }),
      rootfs: { type: 'layers', diff_ids: [] },
      config: {},
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: await client.pushBlob(repo, config),
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: await client.pushBlob(repo, layer),
          size: layer.length,
        },
      ],
    }),
  );
  const digest = await client.pushManifest(repo, sha256(manifest), OCI_MANIFEST, manifest);
  return {
    mediaType: OCI_MANIFEST,
    digest,
    size: manifest.length,
    ...(platform && { platform: { os, architecture, ...(variant && { variant }) } }),
  };
}

/** Pushes a small, unique image (single-arch, or a multi-arch index) and tags it. */
export async function pushImage(
  registry: OciEndpoint & { host: string },
  repository: string,
  options: PushImageOptions = {},
): Promise<PushedImage> {
  const client = new OciClient(registry, options.credentials);
  const tag = options.tag ?? 'v1';
  let top: Descriptor;
  let platforms: Descriptor[] = [];
  if (options.platforms && options.platforms.length > 0) {
    platforms = await Promise.all(
      options.platforms.map((p) => pushPlatformManifest(client, repository, p)),
    );
    const index = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: platforms }),
    );
    await client.pushManifest(repository, sha256(index), OCI_INDEX, index);
    top = { mediaType: OCI_INDEX, digest: sha256(index), size: index.length };
    await client.pushManifest(repository, tag, OCI_INDEX, index);
  } else {
    top = await pushPlatformManifest(client, repository, undefined);
    const bytes = (await client.getManifest(repository, top.digest)).body;
    await client.pushManifest(repository, tag, OCI_MANIFEST, bytes);
  }
  return {
    repository,
    tag,
    digest: top.digest,
    mediaType: top.mediaType,
    size: top.size,
    reference: `${registry.host}/${repository}@${top.digest}`,
    tagReference: `${registry.host}/${repository}:${tag}`,
    platforms,
  };
}

export interface PushedLayout {
  /** Tag → digest, from the `org.opencontainers.image.ref.name` annotations of index.json. */
  tags: Record<string, string>;
  /** Every manifest and index pushed, in push order. */
  manifests: Descriptor[];
}

interface ManifestJson {
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
  subject?: Descriptor;
}

/**
 * Pushes an OCI image layout (such as those in shared/vectors/notation/oci-layouts/) as it is:
 * every blob, every manifest listed in index.json (tagged by its ref.name, else by digest),
 * children before the indexes that list them and subjects before their referrers.
 */
export async function pushOciLayout(
  registry: OciEndpoint,
  layoutDir: string,
  repository: string,
  credentials?: Credentials,
): Promise<PushedLayout> {
  const client = new OciClient(registry, credentials);
  const blob = (digest: string): Buffer =>
    readFileSync(path.join(layoutDir, 'blobs', ...digest.split(':')));
  const has = (digest: string): boolean =>
    existsSync(path.join(layoutDir, 'blobs', ...digest.split(':')));
  const index = JSON.parse(readFileSync(path.join(layoutDir, 'index.json'), 'utf8')) as {
    manifests: Descriptor[];
  };
  const pushed = new Set<string>();
  const order: Descriptor[] = [];

  const pushNode = async (desc: Descriptor, reference: string): Promise<void> => {
    const bytes = blob(desc.digest);
    if (sha256(bytes) !== desc.digest)
      throw new Error(`layout blob ${desc.digest} does not match its digest`);
    if (!pushed.has(desc.digest)) {
      const json = JSON.parse(bytes.toString('utf8')) as ManifestJson;
      for (const child of json.manifests ?? [])
        if (has(child.digest)) await pushNode(child, child.digest);
      for (const b of [json.config, ...(json.layers ?? [])])
        if (b && has(b.digest)) await client.pushBlob(repository, blob(b.digest));
      pushed.add(desc.digest);
      order.push(desc);
    }
    await client.pushManifest(repository, reference, desc.mediaType, bytes);
  };

  // Plain manifests first, then referrers (they name a subject), then indexes.
  const rank = (d: Descriptor): number => {
    if (d.mediaType.endsWith('index.v1+json') || d.mediaType.endsWith('list.v2+json')) return 2;
    return (JSON.parse(blob(d.digest).toString('utf8')) as ManifestJson).subject ? 1 : 0;
  };
  const tags: Record<string, string> = {};
  for (const desc of [...index.manifests].sort((a, b) => rank(a) - rank(b))) {
    const tag = desc.annotations?.['org.opencontainers.image.ref.name'];
    await pushNode(desc, tag ?? desc.digest);
    if (tag) tags[tag] = desc.digest;
  }
  return { tags, manifests: order };
}

export interface AttachOptions {
  repository: string;
  /** The signed artifact. */
  subject: Descriptor;
  envelope: { mediaType: string; bytes: Uint8Array };
  credentials?: Credentials | undefined;
  /** `legacy`: config mediaType is the signature type (what notation writes); `oci11`: artifactType + empty config. */
  form?: 'legacy' | 'oci11';
  annotations?: Record<string, string>;
}

const EMPTY_CONFIG = Buffer.from('{}');
const NOTARY_SIGNATURE = 'application/vnd.cncf.notary.signature';

/**
 * Attaches an envelope to `subject` as a Notation signature manifest, pushed by digest. A
 * registry with the referrers API indexes it by its subject; for one without (distribution),
 * pass the result to `writeReferrersTag` to maintain the `sha256-<hex>` index too.
 */
export async function attachSignature(
  registry: OciEndpoint,
  options: AttachOptions,
): Promise<Descriptor> {
  const { repository, subject, envelope } = options;
  const client = new OciClient(registry, options.credentials);
  const configDigest = await client.pushBlob(repository, EMPTY_CONFIG);
  const layerDigest = await client.pushBlob(repository, Buffer.from(envelope.bytes));
  const oci11 = options.form === 'oci11';
  const annotations = {
    'org.opencontainers.image.created': new Date().toISOString(),
    ...options.annotations,
  };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      ...(oci11 && { artifactType: NOTARY_SIGNATURE }),
      config: {
        mediaType: oci11 ? 'application/vnd.oci.empty.v1+json' : NOTARY_SIGNATURE,
        digest: configDigest,
        size: EMPTY_CONFIG.length,
      },
      layers: [{ mediaType: envelope.mediaType, digest: layerDigest, size: envelope.bytes.length }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations,
    }),
  );
  const digest = await client.pushManifest(repository, sha256(manifest), OCI_MANIFEST, manifest);
  return {
    mediaType: OCI_MANIFEST,
    digest,
    size: manifest.length,
    artifactType: NOTARY_SIGNATURE,
    annotations,
  };
}

/** Writes the referrers tag-schema index `sha256-<hex>` of `subject`, listing `signatures`. */
export async function writeReferrersTag(
  registry: OciEndpoint,
  options: {
    repository: string;
    subject: Descriptor;
    signatures: Descriptor[];
    credentials?: Credentials;
  },
): Promise<void> {
  const { repository, subject, signatures, credentials } = options;
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: signatures }),
  );
  await new OciClient(registry, credentials).pushManifest(
    repository,
    subject.digest.replace(':', '-'),
    OCI_INDEX,
    index,
  );
}
