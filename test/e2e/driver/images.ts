// The images the scenarios name, pushed and signed before any scenario runs: small unique images,
// signed by the real notation CLI (JWS or COSE; referrers API on olareg, the tag schema on
// distribution), by a stranger's key, or carrying a byte-flipped copy of a valid signature; SBOMs
// and scan results attached by the real oras and signed by notation.
import {
  attachSignature,
  notationSign,
  notaryRootCertificate,
  OciClient,
  orasAttach,
  pushImage,
  writeReferrersTag,
  type Credentials,
  type Descriptor,
  type NotaryCli,
  type Pki,
  type PushedImage,
} from '../../harness/index.js';
import type { Vars } from './template.js';

/** The registries of the scenarios: `olareg` (referrers API), `distribution` (tag schema), `auth` (basic auth). */
export const REGISTRY_NAMES = ['olareg', 'distribution', 'auth'] as const;
export type RegistryName = (typeof REGISTRY_NAMES)[number];

/** `dct`: no Notation signature; Docker Content Trust data published by the real notary client. */
export const SIGNATURES = ['none', 'jws', 'cose', 'stranger', 'tampered', 'dct'] as const;
export type Signature = (typeof SIGNATURES)[number];

/** A registry as the driver pushes to it and as the cluster names it (the same host on loopback). */
export interface RegistryEndpoint {
  /** `http://…` where the driver pushes and signs. */
  url: string;
  /** `host:port` that notation signs through (the host part of `url`). */
  pushHost: string;
  /** `host:port` in the image references of the scenarios' objects (what the webhook resolves). */
  clusterHost: string;
  referrersApi: boolean;
  credentials?: Credentials;
}

/** One notation signature of an image: whose key, which envelope, which signed user metadata. */
export interface SignatureSpec {
  by: keyof Signers;
  format: 'jws' | 'cose';
  userMetadata?: Record<string, string>;
}

/**
 * An artifact attached to the image by the real `oras attach` (an SBOM, a scan result), signed on
 * its own digest by the real notation CLI when `signedBy` names a key.
 */
export interface ReferrerSpec {
  artifactType: string;
  signedBy?: keyof Signers;
  /** Its `org.opencontainers.image.created` (RFC 3339); oras writes the attach time otherwise. */
  created?: string;
}

export interface ImageSpec {
  registry: RegistryName;
  signature: Signature;
  /** Further signatures, in order (several signers, `--user-metadata`). */
  signatures?: SignatureSpec[];
  /** Referrers attached after the signatures. */
  referrers?: ReferrerSpec[];
}

export interface Signers {
  trusted: Pki;
  stranger: Pki;
}

const endpoint = (reg: RegistryEndpoint) => ({ url: reg.url, host: reg.pushHost });

interface ManifestJson {
  manifests?: Descriptor[];
  layers?: Descriptor[];
  config?: Descriptor;
}

async function manifestJson(client: OciClient, repo: string, ref: string): Promise<ManifestJson> {
  const res = await client.getManifest(repo, ref);
  if (res.status !== 200) throw new Error(`manifest ${repo}@${ref}: HTTP ${res.status}`);
  return JSON.parse(res.body.toString('utf8')) as ManifestJson;
}

async function sign(
  reg: RegistryEndpoint,
  image: PushedImage,
  signer: Pki,
  how: { format: 'jws' | 'cose'; userMetadata?: Record<string, string> | undefined },
) {
  await notationSign(`${reg.pushHost}/${image.repository}@${image.digest}`, reg, {
    key: signer.leaf.keyPath,
    certChain: signer.chainPath,
    format: how.format,
    referrersApi: reg.referrersApi,
    ...(how.userMetadata && { userMetadata: how.userMetadata }),
  });
}

/** The first signature envelope of an image, as the registry serves it. */
async function envelopeOf(reg: RegistryEndpoint, client: OciClient, image: PushedImage) {
  const { repository, digest } = image;
  const list: ManifestJson = reg.referrersApi
    ? (JSON.parse(
        (await client.request('GET', `/v2/${repository}/referrers/${digest}`)).body.toString(),
      ) as ManifestJson)
    : await manifestJson(client, repository, digest.replace(':', '-'));
  const first = list.manifests?.[0];
  if (!first) throw new Error(`${repository}@${digest} has no signature`);
  const layer = (await manifestJson(client, repository, first.digest)).layers?.[0];
  if (!layer) throw new Error(`signature ${first.digest} has no layer`);
  const bytes = (await client.getBlob(repository, layer.digest)).body;
  return { mediaType: layer.mediaType, bytes };
}

/** A JWS envelope with the last byte of its signature flipped (still well-formed JSON). */
function flipJwsSignature(bytes: Buffer): Buffer {
  const jws = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  const signature = Buffer.from(String(jws['signature']), 'base64url');
  signature[signature.length - 1]! ^= 0x01;
  return Buffer.from(JSON.stringify({ ...jws, signature: signature.toString('base64url') }));
}

/**
 * An image whose only signature is its own, valid one with a flipped byte: signed under
 * `<repo>-source`, then the same manifest (same digest) and the tampered envelope put in `repo`.
 */
async function pushTampered(reg: RegistryEndpoint, repo: string, signer: Pki) {
  const client = new OciClient(reg, reg.credentials);
  const source = await pushImage(endpoint(reg), `${repo}-source`, {
    credentials: reg.credentials,
  });
  await sign(reg, source, signer, { format: 'jws' });
  const envelope = await envelopeOf(reg, client, source);
  const manifest = await client.getManifest(source.repository, source.digest);
  const parsed = JSON.parse(manifest.body.toString('utf8')) as ManifestJson;
  for (const blob of [parsed.config!, ...(parsed.layers ?? [])])
    await client.pushBlob(repo, (await client.getBlob(source.repository, blob.digest)).body);
  await client.pushManifest(repo, source.tag, source.mediaType, manifest.body);
  const subject = { mediaType: source.mediaType, digest: source.digest, size: source.size };
  const tampered = { mediaType: envelope.mediaType, bytes: flipJwsSignature(envelope.bytes) };
  const signature = await attachSignature(reg, {
    repository: repo,
    subject,
    envelope: tampered,
    credentials: reg.credentials,
  });
  if (!reg.referrersApi)
    await writeReferrersTag(reg, {
      repository: repo,
      subject,
      signatures: [signature],
      ...(reg.credentials && { credentials: reg.credentials }),
    });
  return { ...source, repository: repo };
}

/**
 * Publishes the image's tag as a Docker Content Trust target (`notary init`, `addhash`) under the
 * GUN the webhook asks for (the registry as the cluster names it); returns the repository's root
 * certificate (PEM), what an operator pins in a notaryV1Root TrustStore.
 */
async function publishDct(notary: NotaryCli, gun: string, image: PushedImage): Promise<string> {
  await notary.init(gun);
  await notary.addHash(gun, image.tag, image);
  return notaryRootCertificate(notary, gun);
}

async function attachReferrer(
  reg: RegistryEndpoint,
  image: PushedImage,
  spec: ReferrerSpec,
  signers: Signers,
): Promise<string> {
  const created = spec.created && { 'org.opencontainers.image.created': spec.created };
  const attached = await orasAttach(
    `${reg.pushHost}/${image.repository}@${image.digest}`,
    { url: reg.url, credentials: reg.credentials },
    { artifactType: spec.artifactType, ...(created && { annotations: created }) },
  );
  if (spec.signedBy)
    await sign(reg, { ...image, digest: attached.digest }, signers[spec.signedBy], {
      format: 'jws',
    });
  return attached.digest;
}

/** Pushes (and signs) one image; returns its template variables. */
export async function prepareImage(
  reg: RegistryEndpoint,
  repo: string,
  o: {
    signature: Signature;
    signatures?: SignatureSpec[] | undefined;
    referrers?: ReferrerSpec[] | undefined;
    signers: Signers;
    /** The notary client of the environment's Notary server (for `dct`). */
    notary?: NotaryCli | undefined;
  },
): Promise<Vars> {
  let image: PushedImage;
  const referrer: Vars = {};
  if (o.signature === 'tampered') image = await pushTampered(reg, repo, o.signers.trusted);
  else {
    image = await pushImage(endpoint(reg), repo, { credentials: reg.credentials });
    if (o.signature === 'jws' || o.signature === 'cose')
      await sign(reg, image, o.signers.trusted, { format: o.signature });
    if (o.signature === 'stranger') await sign(reg, image, o.signers.stranger, { format: 'jws' });
    for (const s of o.signatures ?? []) await sign(reg, image, o.signers[s.by], s);
    for (const [i, r] of (o.referrers ?? []).entries()) {
      const digest = await attachReferrer(reg, image, r, o.signers);
      referrer[String(i)] = { digest, id: digest.slice(0, 19) };
    }
  }
  const ref = `${reg.clusterHost}/${repo}:${image.tag}`;
  let dctRoot: string | undefined;
  if (o.signature === 'dct') {
    if (!o.notary) throw new Error(`${repo}: signature dct needs a Notary server`);
    dctRoot = await publishDct(o.notary, `${reg.clusterHost}/${repo}`, image);
  }
  return {
    /** The pinned root of its Docker Content Trust data (PEM; `dct` images only). */
    ...(dctRoot !== undefined && { dctRoot }),
    /** `host/repo:tag`, what the objects name. */
    ref,
    /** `host/repo`, a registry scope. */
    repo: `${reg.clusterHost}/${repo}`,
    digest: image.digest,
    /** `sha256:3f1c4e0f1b7c…`, as denial messages shorten digests. */
    short: `${image.digest.slice(0, 19)}…`,
    /** `host/repo:tag@sha256:…`, what the mutating webhook pins a tag to. */
    pinned: `${ref}@${image.digest}`,
    /** Per referrer, in the spec's order: `digest`, and `id` (`sha256:` and 12 hex, as messages name it). */
    referrer,
  };
}
