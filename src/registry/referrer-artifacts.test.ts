import { describe, expect, it } from 'vitest';
import { digestOf } from './digest.js';
import {
  checkReferrerManifest,
  parseCreated,
  partitionReferrers,
  type ReferrerDescriptor,
} from './referrer-artifacts.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const NOTARY = 'application/vnd.cncf.notary.signature';
const EMPTY = 'application/vnd.oci.empty.v1+json';
const SPDX = 'application/spdx+json';
const SARIF = 'application/sarif+json';
const image = digestOf(Buffer.from('image'));
const other = digestOf(Buffer.from('another image'));
const d = (name: string, artifactType?: string, mediaType = OCI_MANIFEST) => ({
  mediaType,
  digest: digestOf(Buffer.from(name)),
  size: 700,
  ...(artifactType !== undefined && { artifactType }),
});

describe('partitionReferrers', () => {
  describe('when one unfiltered listing holds signatures and other artifacts', () => {
    it('returns the signatures apart and the others by artifact type, once each, in order', () => {
      const sig = d('sig', NOTARY);
      const [sbom1, sbom2, scan] = [d('sbom1', SPDX), d('sbom2', SPDX), d('scan', SARIF)];
      const listing = partitionReferrers([sbom1, sig, scan, sbom2, sbom1, sig], image);
      expect(listing.signatures.map((s) => s.digest)).toEqual([sig.digest]);
      expect([...listing.artifacts.keys()]).toEqual([SPDX, SARIF]);
      expect(listing.artifacts.get(SPDX)).toEqual([
        { ...sbom1, subject: image },
        { ...sbom2, subject: image },
      ]);
      expect(listing.artifacts.get(SARIF)).toEqual([{ ...scan, subject: image }]);
    });
  });

  describe('when an entry is no manifest or has no artifact type', () => {
    it('returns it nowhere', () => {
      const blob = d('blob', SPDX, 'application/octet-stream');
      const index = d('index', SPDX, 'application/vnd.oci.image.index.v1+json');
      const untyped = d('untyped');
      const listing = partitionReferrers([blob, index, untyped, d('empty', '')], image);
      expect(listing.signatures).toEqual([]);
      expect(listing.artifacts.size).toBe(0);
    });
  });
});

describe('parseCreated', () => {
  it.each([
    ['2026-12-07T03:51:51Z', '2026-12-07T03:51:51.000Z'],
    ['2026-12-07T04:51:51.5+01:00', '2026-12-07T03:51:51.500Z'],
  ])('returns the instant of %s', (value, iso) => {
    expect(parseCreated(value)?.toISOString()).toBe(iso);
  });
  it.each([
    [undefined],
    [''],
    ['yesterday'],
    ['2026-12-07'],
    ['2026-13-01T00:00:00Z'],
    ['1700000000'],
  ])('returns undefined for %j', (value) => {
    expect(parseCreated(value)).toBeUndefined();
  });
});

describe('checkReferrerManifest', () => {
  const listed: ReferrerDescriptor = { ...d('sbom', SPDX), artifactType: SPDX, subject: image };
  const fetched = { mediaType: OCI_MANIFEST, digest: listed.digest, size: 700 };
  const manifest = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: SPDX,
    config: { mediaType: EMPTY, digest: digestOf(Buffer.from('{}')), size: 2 },
    layers: [{ mediaType: SPDX, digest: digestOf(Buffer.from('{}')), size: 2 }],
    subject: { mediaType: OCI_MANIFEST, digest: image, size: 500 },
    annotations: { 'org.opencontainers.image.created': '2026-12-01T00:00:00Z' },
    ...overrides,
  });
  const codeOf = (json: Record<string, unknown>): string | undefined => {
    try {
      checkReferrerManifest(json, fetched, listed);
      return undefined;
    } catch (err) {
      return (err as { code?: string }).code;
    }
  };

  describe('when the manifest is the listed artifact of the image', () => {
    it('returns its descriptor, subject and signed created time', () => {
      const r = checkReferrerManifest(manifest(), fetched, listed);
      expect(r).toEqual({
        descriptor: fetched,
        artifactType: SPDX,
        subject: { mediaType: OCI_MANIFEST, digest: image, size: 500 },
        annotations: { 'org.opencontainers.image.created': '2026-12-01T00:00:00Z' },
        created: new Date('2026-12-01T00:00:00Z'),
      });
    });

    it('returns the artifact type of a manifest without one from its config media type', () => {
      const json = manifest({
        artifactType: undefined,
        config: { ...(manifest()['config'] as object), mediaType: SPDX },
      });
      expect(checkReferrerManifest(json, fetched, listed).artifactType).toBe(SPDX);
    });

    it('returns no created time when the annotation is absent or not RFC 3339', () => {
      expect(
        checkReferrerManifest(manifest({ annotations: {} }), fetched, listed).created,
      ).toBeUndefined();
      const junk = manifest({ annotations: { 'org.opencontainers.image.created': 'now' } });
      expect(checkReferrerManifest(junk, fetched, listed).created).toBeUndefined();
    });
  });

  describe('when the manifest is not what the listing said', () => {
    it('throws PROTOCOL for a subject that is another image', () => {
      expect(
        codeOf(manifest({ subject: { mediaType: OCI_MANIFEST, digest: other, size: 1 } })),
      ).toBe('PROTOCOL');
    });
    it('throws PROTOCOL for no subject at all', () => {
      expect(codeOf(manifest({ subject: undefined }))).toBe('PROTOCOL');
    });
    it('throws PROTOCOL for another artifact type than listed', () => {
      expect(codeOf(manifest({ artifactType: SARIF }))).toBe('PROTOCOL');
    });
    it('throws PROTOCOL for an index', () => {
      expect(codeOf(manifest({ mediaType: 'application/vnd.oci.image.index.v1+json' }))).toBe(
        'PROTOCOL',
      );
    });
  });
});
