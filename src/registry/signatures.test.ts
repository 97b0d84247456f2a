import { describe, expect, it } from 'vitest';
import { digestOf } from './digest.js';
import {
  annotatedThumbprints,
  envelopeLayer,
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

describe('envelopeLayer errors', () => {
  describe('when a signature manifest is junk', () => {
    it.each([
      ['two layers', manifest({ layers: [layer, layer] })],
      ['another subject', manifest({ subject: { ...layer, digest: digestOf(Buffer.from('y')) } })],
      ['an oversized envelope', manifest({ layers: [{ ...layer, size: 2048 }] })],
      ['an image config', manifest({ config: { ...layer, mediaType: 'application/json' } })],
    ])('throws a RegistryError of kind content for %s', (_, json) => {
      let thrown: unknown;
      try {
        envelopeLayer(json, sig, 1024);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toMatchObject({ name: 'RegistryError', kind: 'content' });
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

describe('annotatedThumbprints', () => {
  const annotated = (value: string) => ({
    ...sig,
    annotations: { 'io.cncf.notary.x509chain.thumbprint#S256': value },
  });

  describe('when the annotation is a JSON array of hex strings', () => {
    it('returns them in lower case, in order', () => {
      expect(annotatedThumbprints(annotated('["AA","bb"]'))).toEqual(['aa', 'bb']);
    });
  });

  describe('when the annotation is missing, not JSON, or not an array of strings', () => {
    it.each([[sig], [annotated('not json')], [annotated('{"a":1}')], [annotated('[1,null]')]])(
      'returns no thumbprint for %j',
      (d) => {
        expect(annotatedThumbprints(d)).toEqual([]);
      },
    );
  });

  describe('when the annotation lists more than a chain can hold', () => {
    it('returns the first 32 only', () => {
      const many = JSON.stringify(Array.from({ length: 100 }, (_, i) => `${i}`));
      expect(annotatedThumbprints(annotated(many))).toHaveLength(32);
    });
  });
});
