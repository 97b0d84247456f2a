// Referrers that are not signatures, on both harness registries: SBOMs and scan results attached
// by the real `oras attach`, signed by the real `notation sign`. One unfiltered listing serves the
// signatures and every artifact type (olareg filters by artifactType when asked, the tag schema
// cannot, so the client never relies on it); each referrer manifest is fetched by digest and
// believed over the listing's registry-asserted descriptor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makePki,
  notationSign,
  orasAttach,
  pushImage,
  startRegistry,
  writeReferrersTag,
  type Descriptor,
  type Pki,
  type PushedImage,
  type Registry,
} from '../../harness/index.js';
import {
  parseReference,
  RegistryClient,
  type ReferrerDescriptor,
} from '../../../src/registry/index.js';

const SPDX = 'application/spdx+json';
const SARIF = 'application/sarif+json';
const OLD = '2020-01-01T00:00:00Z';

describe.each(['olareg', 'distribution'] as const)('RegistryClient referrers on %s', (kind) => {
  let registry: Registry;
  let pki: Pki;
  let image: PushedImage;
  let other: PushedImage;
  let sbom: Descriptor;
  let scan: Descriptor;
  let client: RegistryClient;
  const newClient = () =>
    new RegistryClient({ allowPrivateNetworks: true, insecureRegistries: [registry.host] });

  beforeAll(async () => {
    [registry, pki] = await Promise.all([startRegistry({ kind }), makePki({ key: 'ec-p256' })]);
    [image, other] = await Promise.all([
      pushImage(registry, 'refs/app'),
      pushImage(registry, 'refs/app', { tag: 'other' }),
    ]);
    const sign = {
      key: pki.leaf.keyPath,
      certChain: pki.chainPath,
      referrersApi: kind === 'olareg',
    };
    await notationSign(image.reference, registry, sign);
    sbom = await orasAttach(image.reference, registry, { artifactType: SPDX });
    scan = await orasAttach(image.reference, registry, {
      artifactType: SARIF,
      annotations: { 'org.opencontainers.image.created': OLD },
    });
    await notationSign(`${registry.host}/refs/app@${sbom.digest}`, registry, sign);
    client = newClient();
  });
  afterAll(async () => {
    await client?.close();
    await registry?.stop();
  });

  const ref = () => parseReference(image.reference);

  describe('when one listing is asked for every referrer', () => {
    it('returns the signatures apart and each attached artifact by its type', async () => {
      const listing = await client.listReferrers(ref(), image.digest);
      const signatures = await client.listSignatures(ref(), image.digest);
      expect(listing.signatures.map((s) => s.digest)).toEqual(signatures.map((s) => s.digest));
      expect(listing.signatures).toHaveLength(1);
      expect(listing.artifacts.get(SPDX)?.map((d) => d.digest)).toEqual([sbom.digest]);
      expect(listing.artifacts.get(SARIF)?.map((d) => d.digest)).toEqual([scan.digest]);
    });
  });

  describe('when a listed referrer is fetched by digest', () => {
    it('returns what oras wrote: its descriptor, subject and signed created time', async () => {
      const listing = await client.listReferrers(ref(), image.digest);
      const fetched = await client.fetchReferrer(ref(), listing.artifacts.get(SARIF)![0]!);
      expect(fetched.descriptor).toEqual({
        mediaType: scan.mediaType,
        digest: scan.digest,
        size: scan.size,
      });
      expect(fetched.subject).toEqual({
        mediaType: image.mediaType,
        digest: image.digest,
        size: image.size,
      });
      expect(fetched.created).toEqual(new Date(OLD));
    });

    it('lists the referrer’s own signature as notation signed it', async () => {
      const signatures = await client.listSignatures(ref(), sbom.digest);
      expect(signatures).toHaveLength(1);
      const envelope = await client.fetchEnvelope(ref(), signatures[0]!);
      expect(envelope.subject.digest).toBe(sbom.digest);
    });
  });

  describe.runIf(kind === 'distribution')('when the tag schema index lies', () => {
    // Whoever can push can write the sha256-<hex> index: an SBOM of another image, or an old
    // scan result described as new. Only the fetched manifest is believed.
    it('throws PROTOCOL for an SBOM whose manifest names another image', async () => {
      const foreign = await orasAttach(other.reference, registry, { artifactType: SPDX });
      const subject = { mediaType: image.mediaType, digest: image.digest, size: image.size };
      await writeReferrersTag(registry, {
        repository: 'refs/app',
        subject,
        signatures: [
          {
            ...foreign,
            annotations: { 'org.opencontainers.image.created': new Date().toISOString() },
          },
        ],
      });
      const listed = (await client.listReferrers(ref(), image.digest)).artifacts.get(SPDX)!;
      expect(listed.map((d) => d.digest)).toEqual([foreign.digest]);
      const err = await client.fetchReferrer(ref(), listed[0]!).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'PROTOCOL', kind: 'content' });
      expect((err as Error).message).toContain(`names ${other.digest} as its subject`);
    });

    it('returns the manifest’s own created time, not the listing’s claim', async () => {
      const claim = new Date().toISOString();
      const listed: ReferrerDescriptor = {
        ...scan,
        artifactType: SARIF,
        subject: image.digest,
        annotations: { 'org.opencontainers.image.created': claim },
      };
      expect((await client.fetchReferrer(ref(), listed)).created).toEqual(new Date(OLD));
    });
  });

  describe('when the referrer is larger than an envelope may be', () => {
    it('throws TOO_LARGE before any request', async () => {
      const huge: ReferrerDescriptor = {
        ...sbom,
        size: 2 * 1024 * 1024,
        artifactType: SPDX,
        subject: image.digest,
      };
      await expect(client.fetchReferrer(ref(), huge)).rejects.toMatchObject({ code: 'TOO_LARGE' });
    });
  });
});
