// A signing world for the webhook's integration tests: a real registry, a trusted PKI and a
// stranger's (openssl), images signed by the real notation CLI, and the helpers that turn them
// into trust policies, trust stores and the exact denial clauses of src/webhook/decision.ts.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'undici';
import {
  attachSignature,
  makePki,
  notationSign,
  OciClient,
  pushImage,
  startRegistry,
  writeReferrersTag,
  type Descriptor,
  type Pki,
  type PushedImage,
  type Registry,
  type RegistryAuth,
  type RegistryKind,
} from '../../harness/index.js';
import { makeWorkdir } from '../../harness/workdir.js';
import type { TrustStoreFiles } from '../../support/service.js';

/** The trust store every statement of these tests names. */
export const TRUSTED_STORE = 'ca:trusted';

/** `CN=a,O=b,C=c` (RFC 2253, most specific first) as notation writes DNs: `C=c, O=b, CN=a`. */
export const asTrustPolicyDn = (rfc2253: string): string => rfc2253.split(',').reverse().join(', ');

export interface SignOptions {
  /** Default: the trusted PKI's leaf. */
  signer?: Pki;
  format?: 'jws' | 'cose';
  /** notation's `--expiry`, e.g. `2s`. */
  expiry?: string;
}

export interface Envelope {
  mediaType: string;
  bytes: Buffer;
}

export interface SigningWorld {
  registry: Registry;
  pki: Pki;
  stranger: Pki;
  /** The trusted root as startTestService takes it (PEM). */
  serviceStores: TrustStoreFiles;
  /** The trusted root as notationVerify takes it (file paths). */
  notationStores: { ca: Record<string, string[]> };
  /** Flags that let the service reach the registry (plain HTTP, credentials when it has auth). */
  serviceFlags: string[];
  push(repository: string): Promise<PushedImage>;
  /** `notation sign` of the image's digest reference (referrers API on olareg, tag schema on distribution). */
  sign(image: PushedImage, options?: SignOptions): Promise<void>;
  /** The first signature envelope attached to an image, as the registry serves it. */
  envelopeOf(image: PushedImage): Promise<Envelope>;
  /** Attaches an envelope to an image as a Notation signature, indexed for both discovery paths. */
  attach(image: PushedImage, envelope: Envelope): Promise<void>;
  /** The same manifest (same digest) and blobs in another repository, without its signatures. */
  copy(image: PushedImage, repository: string): Promise<PushedImage>;
  stop(): Promise<void>;
}

interface ManifestJson {
  manifests?: Descriptor[];
  layers?: Descriptor[];
}

async function json(
  res: Promise<{ status: number; body: Buffer }>,
  what: string,
): Promise<ManifestJson> {
  const r = await res;
  if (r.status !== 200) throw new Error(`${what}: HTTP ${r.status}`);
  return JSON.parse(r.body.toString('utf8')) as ManifestJson;
}

/** Starts a registry and two PKIs; everything it makes is stopped by `stop()`. */
export async function startSigningWorld(options: {
  kind: RegistryKind;
  auth?: RegistryAuth;
}): Promise<SigningWorld> {
  const [registry, pki, stranger] = await Promise.all([
    startRegistry({ kind: options.kind, auth: options.auth ?? 'none' }),
    makePki({ key: 'ec-p256', name: 'Trusted Signer' }),
    makePki({ key: 'ec-p256', name: 'Stranger' }),
  ]);
  const credentials = registry.credentials;
  const oci = new OciClient(registry, credentials);
  const dir = makeWorkdir('webhook-world');
  const serviceFlags = ['--insecure-registry', registry.host];
  if (credentials) {
    const file = path.join(dir, 'docker-config.json');
    await writeFile(file, registry.dockerConfigJson());
    serviceFlags.push('--registry-credentials', file);
  }
  const referrersApi = options.kind === 'olareg';

  const signatureDescriptors = async (image: PushedImage): Promise<Descriptor[]> => {
    const { repository, digest } = image;
    const list = referrersApi
      ? oci.request('GET', `/v2/${repository}/referrers/${digest}`)
      : oci.getManifest(repository, digest.replace(':', '-'));
    return (await json(list, `signatures of ${image.reference}`)).manifests ?? [];
  };

  return {
    registry,
    pki,
    stranger,
    serviceStores: { ca: { trusted: [pki.root.pem] } },
    notationStores: { ca: { trusted: [pki.root.certPath] } },
    serviceFlags,
    push: (repository) => pushImage(registry, repository, { credentials }),
    sign: async (image, o = {}) => {
      const signer = o.signer ?? pki;
      await notationSign(image.reference, registry, {
        key: signer.leaf.keyPath,
        certChain: signer.chainPath,
        format: o.format ?? 'jws',
        referrersApi,
        ...(o.expiry !== undefined && { expiry: o.expiry }),
      });
    },
    envelopeOf: async (image) => {
      const [first] = await signatureDescriptors(image);
      if (!first) throw new Error(`${image.reference} has no signature`);
      const manifest = await json(
        oci.getManifest(image.repository, first.digest),
        `signature manifest ${first.digest}`,
      );
      const layer = manifest.layers?.[0];
      if (!layer) throw new Error(`signature manifest ${first.digest} has no layer`);
      const blob = await oci.getBlob(image.repository, layer.digest);
      return { mediaType: layer.mediaType, bytes: blob.body };
    },
    attach: async (image, envelope) => {
      const subject = { mediaType: image.mediaType, digest: image.digest, size: image.size };
      const signature = await attachSignature(registry, {
        repository: image.repository,
        subject,
        envelope,
        credentials,
      });
      if (!referrersApi)
        await writeReferrersTag(registry, {
          repository: image.repository,
          subject,
          signatures: [...(await signatureDescriptors(image).catch(() => [])), signature],
          ...(credentials && { credentials }),
        });
    },
    copy: async (image, repository) => {
      const manifest = await oci.getManifest(image.repository, image.digest);
      const parsed = JSON.parse(manifest.body.toString('utf8')) as ManifestJson & {
        config: Descriptor;
      };
      for (const blob of [parsed.config, ...(parsed.layers ?? [])])
        await oci.pushBlob(repository, (await oci.getBlob(image.repository, blob.digest)).body);
      await oci.pushManifest(repository, image.tag, image.mediaType, manifest.body);
      return {
        ...image,
        repository,
        reference: `${registry.host}/${repository}@${image.digest}`,
        tagReference: `${registry.host}/${repository}:${image.tag}`,
      };
    },
    stop: () => registry.stop(),
  };
}

/** A copy of a JWS envelope whose signature has one byte flipped (still well-formed JSON). */
export function flipJwsSignature(envelope: Envelope): Envelope {
  const jws = JSON.parse(envelope.bytes.toString('utf8')) as Record<string, unknown>;
  const signature = Buffer.from(String(jws['signature']), 'base64url');
  signature[signature.length - 1]! ^= 0x01;
  return {
    mediaType: envelope.mediaType,
    bytes: Buffer.from(JSON.stringify({ ...jws, signature: signature.toString('base64url') })),
  };
}

/** One trust policy statement trusting the test CA (notation's trustpolicy.json shape). */
export function statement(
  name: string,
  registryScopes: string[],
  options: { level?: 'strict' | 'permissive' | 'audit'; trustedIdentities?: string[] } = {},
): unknown {
  return {
    name,
    registryScopes,
    signatureVerification: { level: options.level ?? 'strict' },
    trustStores: [TRUSTED_STORE],
    trustedIdentities: options.trustedIdentities ?? ['*'],
  };
}

/** `sha256:3f1c4e0f1b7c…` as denial messages shorten digests. */
export const shortDigest = (digest: string): string => `${digest.slice(0, 19)}…`;

/** A denial clause exactly as src/webhook/decision.ts writes it for a definitive failure. */
export function failedClause(c: {
  fieldPath: string;
  image: string;
  digest: string;
  policy: string;
  reason: string;
  code: string;
}): string {
  const subject = `${c.fieldPath} "${c.image}" (${shortDigest(c.digest)})`;
  return `${subject}: signature not trusted by policy "${c.policy}" — ${c.reason} [${c.code}]`;
}

/** The reason of an unsigned image. */
export const notFound = (digest: string): string => `no signature is associated with ${digest}`;

/** `"C=US, …, CN=…"`: how the verifier names a signer (its leaf's subject as @peculiar/x509 prints it). */
export const signerName = (pki: Pki): string => `"${asTrustPolicyDn(pki.leaf.subject)}"`;

/** The sum of `notary_admission_registry_requests_total` over every label set. */
export async function registryRequests(metricsUrl: string | undefined): Promise<number> {
  if (metricsUrl === undefined) throw new Error('the service has no metrics listener');
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('notary_admission_registry_requests_total{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** Sleeps until `at` (ms since the epoch), if it is still ahead. */
export async function waitUntil(at: number): Promise<void> {
  const left = at - Date.now();
  if (left > 0) await sleep(left);
}

/** The signed `io.cncf.notary.expiry` of a JWS envelope, as the verifier prints it. */
export function jwsExpiry(envelope: Envelope): string {
  const jws = JSON.parse(envelope.bytes.toString('utf8')) as { protected: string };
  const header = JSON.parse(Buffer.from(jws.protected, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
  return new Date(String(header['io.cncf.notary.expiry'])).toISOString();
}

export interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
  ms: number;
}

/** A keep-alive HTTPS client that sends any bytes with any Content-Type (the H-API one won't). */
export function rawClient(url: string, ca: string) {
  const client = new Client(url, { connect: { ca, rejectUnauthorized: true } });
  return {
    async send(o: {
      method?: 'GET' | 'POST';
      path: string;
      body?: string | Buffer;
      contentType?: string;
    }): Promise<RawAnswer> {
      const started = performance.now();
      const res = await client.request({
        method: o.method ?? 'POST',
        path: o.path,
        headers: o.contentType === undefined ? {} : { 'content-type': o.contentType },
        ...(o.body !== undefined && { body: o.body }),
      });
      const text = await res.body.text();
      const contentType = String(res.headers['content-type'] ?? '');
      return { status: res.statusCode, contentType, text, ms: performance.now() - started };
    },
    close: () => client.close(),
  };
}
