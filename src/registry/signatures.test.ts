import { describe, expect, it } from 'vitest';
import { digestOf } from './digest.js';
import {
  envelopeLayer,
  preferThumbprints,
  signatureReferrers,
  type SignatureDescriptor,
} from './signatures.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const NOTARY = 'application/vnd.cncf.notary.signature';
const EMPTY = 'application/vnd.oci.empty.v1+json';
const subject = digestOf(Buffer.from('subject'));
const layer = { mediaType: 'application/jose+json', digest: digestOf(Buffer.from('env')), size: 3 };
const sig: SignatureDescriptor = {
  mediaType: OCI_MANIFEST,
  digest: digestOf(Buffer.from('sig')),
  size: 1,
  subject,
};

function manifest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: NOTARY,
    config: { mediaType: EMPTY, digest: digestOf(Buffer.from('{}')), size: 2 },
    layers: [layer],
    subject: { mediaType: OCI_MANIFEST, digest: subject, size: 10 },
    ...overrides,
  };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('envelopeLayer', () => {
  describe('when the manifest has one of the two spec forms', () => {
    it('C-03 returns the layer of the OCI 1.1 form', () => {
      expect(envelopeLayer(manifest(), sig, 1024)).toEqual(layer);
    });

    it('C-03 returns the layer of the legacy form', () => {
      const legacy = manifest({
        artifactType: undefined,
        config: { mediaType: NOTARY, digest: digestOf(Buffer.from('{}')), size: 2 },
      });
      expect(envelopeLayer(legacy, sig, 1024)).toEqual(layer);
    });
  });

  describe('when the manifest is not a Notation signature', () => {
    it('C-04 throws PROTOCOL for artifactType with the notary config type', () => {
      const mixed = manifest({
        config: { mediaType: NOTARY, digest: digestOf(Buffer.from('{}')), size: 2 },
      });
      expect(codeOf(() => envelopeLayer(mixed, sig, 1024))).toBe('PROTOCOL');
    });

    it('throws PROTOCOL for an SBOM manifest', () => {
      expect(
        codeOf(() => envelopeLayer(manifest({ artifactType: 'application/spdx+json' }), sig, 1024)),
      ).toBe('PROTOCOL');
    });

    it('throws PROTOCOL when the subject is another artifact', () => {
      const other = manifest({
        subject: { mediaType: OCI_MANIFEST, digest: digestOf(Buffer.from('x')), size: 1 },
      });
      expect(codeOf(() => envelopeLayer(other, sig, 1024))).toBe('PROTOCOL');
    });

    it('throws PROTOCOL when the manifest media type differs from its descriptor', () => {
      expect(
        codeOf(() =>
          envelopeLayer(
            manifest({ mediaType: 'application/vnd.oci.image.index.v1+json' }),
            sig,
            1024,
          ),
        ),
      ).toBe('PROTOCOL');
    });
  });

  describe('when the layers are wrong', () => {
    it.each([[[]], [[layer, layer]], ['x']])('C-10 throws PROTOCOL for layers %j', (layers) => {
      expect(codeOf(() => envelopeLayer(manifest({ layers }), sig, 1024))).toBe('PROTOCOL');
    });

    it('C-12 T-29 throws TOO_LARGE for an envelope over the cap', () => {
      expect(
        codeOf(() => envelopeLayer(manifest({ layers: [{ ...layer, size: 2048 }] }), sig, 1024)),
      ).toBe('TOO_LARGE');
    });
  });
});

describe('signatureReferrers', () => {
  it('C-05 returns only Notation signature manifests, once each', () => {
    const d = (artifactType: string, n: string, mediaType = OCI_MANIFEST) => ({
      mediaType,
      artifactType,
      size: 1,
      digest: digestOf(Buffer.from(n)),
    });
    const list = [
      d(NOTARY, 'a'),
      d('application/spdx+json', 'b'),
      d(NOTARY, 'a'),
      d(NOTARY, 'c', 'application/vnd.oci.image.index.v1+json'),
      d(NOTARY, 'e'),
    ];
    expect(signatureReferrers(list, subject).map((s) => s.digest)).toEqual([
      digestOf(Buffer.from('a')),
      digestOf(Buffer.from('e')),
    ]);
    expect(signatureReferrers(list, subject)[0]?.subject).toBe(subject);
  });
});

describe('preferThumbprints', () => {
  it('returns trusted-thumbprint signatures first and keeps the rest', () => {
    const signed = (t: string, n: string) => ({
      ...sig,
      digest: n,
      annotations: { 'io.cncf.notary.x509chain.thumbprint#S256': JSON.stringify([t]) },
    });
    const sigs = [
      signed('aa', '1'),
      {
        ...sig,
        digest: '2',
        annotations: { 'io.cncf.notary.x509chain.thumbprint#S256': 'not json' },
      },
      signed('BB', '3'),
    ];
    expect(preferThumbprints(sigs, ['bb']).map((s) => s.digest)).toEqual(['3', '1', '2']);
  });
});
