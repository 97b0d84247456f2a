import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Descriptor } from '../../src/verify/index.js';
import { VECTORS } from './vectors.js';

const NOTARY = 'application/vnd.cncf.notary.signature';

interface Manifest {
  config?: { mediaType: string };
  artifactType?: string;
  layers?: { mediaType: string; digest: string }[];
  subject?: { digest: string };
}

export interface LayoutSignature {
  /** Digest of the signature manifest. */
  digest: string;
  mediaType: string;
  bytes: Uint8Array;
}

/** The artifact (by tag) of a vector OCI layout and the Notation signatures on it. */
export function readLayout(
  name: string,
  tag = 'v1',
): { artifact: Descriptor; signatures: LayoutSignature[] } {
  const dir = path.join(VECTORS, 'oci-layouts', name);
  const blob = (digest: string): Buffer =>
    readFileSync(path.join(dir, 'blobs', ...digest.split(':')));
  const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as {
    manifests: Descriptor[];
  };
  const tagged = index.manifests.find(
    (m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag,
  );
  if (!tagged) throw new Error(`${name} has no tag ${tag}`);
  const artifact: Descriptor = {
    mediaType: tagged.mediaType,
    digest: tagged.digest,
    size: tagged.size,
  };
  const signatures: LayoutSignature[] = [];
  for (const entry of index.manifests) {
    if (!entry.mediaType.endsWith('manifest.v1+json')) continue;
    const manifest = JSON.parse(blob(entry.digest).toString('utf8')) as Manifest;
    const isSignature = manifest.artifactType === NOTARY || manifest.config?.mediaType === NOTARY;
    const layer = manifest.layers?.[0];
    if (!isSignature || manifest.subject?.digest !== artifact.digest || !layer) continue;
    signatures.push({
      digest: entry.digest,
      mediaType: layer.mediaType,
      bytes: new Uint8Array(blob(layer.digest)),
    });
  }
  return { artifact, signatures };
}
