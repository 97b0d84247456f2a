// Lists and loads Notation signatures with the harness's OCI client, so the verifier can be
// compared with `notation verify` before the product's registry client exists.
import type { OciClient } from '../../harness/index.js';
import type { Envelope, SignatureCandidate } from '../../../src/verify/index.js';

const SIGNATURE = 'application/vnd.cncf.notary.signature';

interface Manifest {
  layers?: { mediaType: string; digest: string }[];
  manifests?: { digest: string; artifactType?: string }[];
}

const json = (body: Buffer): Manifest => JSON.parse(body.toString('utf8')) as Manifest;

/** Signature manifests of `digest`: the referrers API, else the `sha256-<hex>` tag schema. */
export async function listSignatures(
  client: OciClient,
  repo: string,
  digest: string,
): Promise<SignatureCandidate[]> {
  const api = await client.request(
    'GET',
    `/v2/${repo}/referrers/${digest}?artifactType=${encodeURIComponent(SIGNATURE)}`,
  );
  let index: Manifest | undefined;
  if (api.status === 200) index = json(api.body);
  else {
    const tag = await client.getManifest(repo, digest.replace(':', '-'));
    if (tag.status === 200) index = json(tag.body);
  }
  return (index?.manifests ?? [])
    .filter((m) => m.artifactType === SIGNATURE)
    .map((m) => ({ digest: m.digest, load: () => loadEnvelope(client, repo, m.digest) }));
}

async function loadEnvelope(
  client: OciClient,
  repo: string,
  manifestDigest: string,
): Promise<Envelope> {
  const manifest = json((await client.getManifest(repo, manifestDigest)).body);
  const layer = manifest.layers?.[0];
  if (!layer || manifest.layers?.length !== 1)
    throw new Error(`signature manifest ${manifestDigest} must have one layer`);
  const blob = await client.getBlob(repo, layer.digest);
  return { mediaType: layer.mediaType, bytes: new Uint8Array(blob.body) };
}
