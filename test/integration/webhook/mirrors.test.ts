// Issue 15 items 1 and 2 through the real HTTPS service: registry mirrors and promotion. An image
// is signed by the real notation at the vendor's registry (olareg, referrers API), promoted with
// the real `oras cp -r` to a mirror (distribution, tag schema) and on to a private registry
// (olareg again, behind basic auth), where the organisation counter-signs it; then the vendor's
// registry is stopped.
// Pods name the image as `origin.example/…`, a host that does not even resolve: the trust policy
// is chosen by that name, the image and signatures come from the mirror, and the verdict and
// the denial name the mirror. Attacks: a mirror lying about a digest's content, signatures of
// another subject, a listing of signatures that only the (unreachable) origin has.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  notationSign,
  OciClient,
  orasCopy,
  startRegistry,
  type Descriptor,
  type Pki,
  type PushedImage,
  type Registry,
} from '../../harness/index.js';
import { attachJunkReferrers } from '../../harness/junk-referrers.js';
import { makeWorkdir } from '../../harness/workdir.js';
import type { ApiServerClient } from '../../support/api-server.js';
import {
  bytes,
  startHostileRegistry,
  type HostileRegistry,
} from '../../support/hostile-registry.js';
import { podReview } from '../../support/reviews.js';
import { startTestService, type TestService } from '../../support/service.js';
import { asTrustPolicyDn, shortDigest, startSigningWorld, type SigningWorld } from './fixtures.js';

const DENIED = 'admission webhook "validate.notary-admission.dev" denied the request: ';

describe('registry mirrors and promotion (service)', () => {
  let vendorWorld: SigningWorld; // the vendor's registry: olareg, the origin
  let mirror: Registry; // distribution: tag schema
  let promoted: Registry; // olareg with basic auth: the organisation's registry
  let hostile: HostileRegistry;
  let svc: TestService;
  let api: ApiServerClient;
  let vendor: Pki;
  let org: Pki;
  const img: Record<string, PushedImage> = {};
  /** Signatures listed on the origin, by image name (their descriptors, for the listing attack). */
  let originSignature: Descriptor;

  const origin = (access: Registry) => ({
    url: access.url,
    kind: access.kind,
    credentials: access.credentials,
  });
  /** `oras cp [-r]` of an image from the vendor's registry to `to` under the same repository. */
  const copy = (name: string, to: Registry, recursive = true) =>
    orasCopy(
      { reference: img[name]!.reference, access: origin(vendorWorld.registry) },
      { reference: `${to.host}/${img[name]!.repository}:${img[name]!.tag}`, access: origin(to) },
      { recursive },
    );

  beforeAll(async () => {
    vendorWorld = await startSigningWorld({ kind: 'olareg' });
    [vendor, org] = [vendorWorld.pki, vendorWorld.stranger];
    [mirror, promoted, hostile] = await Promise.all([
      startRegistry({ kind: 'distribution' }),
      startRegistry({ kind: 'olareg', auth: 'basic' }),
      startHostileRegistry(),
    ]);
    for (const name of ['app', 'unsigned-copy', 'junk', 'listed', 'prom', 'prom-vendor-only'])
      img[name] = await vendorWorld.push(`team/${name}`);
    await Promise.all(
      ['app', 'unsigned-copy', 'junk', 'listed', 'prom', 'prom-vendor-only'].map((n) =>
        vendorWorld.sign(img[n]!),
      ),
    );
    // API → tag schema, signatures and all; and one copied without them.
    await Promise.all([
      copy('app', mirror),
      copy('unsigned-copy', mirror, false),
      copy('junk', mirror, false),
      copy('listed', mirror),
      copy('prom', mirror),
      copy('prom-vendor-only', mirror),
    ]);
    // Tag schema → API: the mirror is the source now (the vendor's registry is out of the loop).
    for (const name of ['prom', 'prom-vendor-only'])
      await orasCopy(
        {
          reference: `${mirror.host}/${img[name]!.repository}@${img[name]!.digest}`,
          access: origin(mirror),
        },
        { reference: `${promoted.host}/${img[name]!.repository}`, access: origin(promoted) },
      );
    // The organisation counter-signs after promotion: its signature exists only there.
    await notationSign(
      `${promoted.host}/${img['prom']!.repository}@${img['prom']!.digest}`,
      promoted,
      {
        key: org.leaf.keyPath,
        certChain: org.chainPath,
        format: 'cose',
        referrersApi: true,
      },
    );
    // Attacks on the mirror: a signature of another subject listed under ours; a listing that
    // names the origin's signature manifest, which the mirror does not have.
    await attachJunkReferrers(mirror, {
      repository: img['junk']!.repository,
      subject: img['junk']!,
      kinds: ['wrong-subject'],
      referrersApi: false,
    });
    // The mirror keeps listing the copied signature (tag schema) after losing its manifest: only
    // the origin still has it.
    const listing = await new OciClient(vendorWorld.registry).request(
      'GET',
      `/v2/${img['listed']!.repository}/referrers/${img['listed']!.digest}`,
    );
    originSignature = (JSON.parse(listing.body.toString('utf8')) as { manifests: Descriptor[] })
      .manifests[0]!;
    const gone = await new OciClient(mirror).request(
      'DELETE',
      `/v2/${img['listed']!.repository}/manifests/${originSignature.digest}`,
    );
    expect(gone.status).toBe(202);
    // A mirror that answers the digest with other bytes.
    hostile.route(
      'GET',
      `/v2/${img['app']!.repository}/manifests/${img['app']!.digest}`,
      bytes(200, '{"schemaVersion":2,"layers":[]}', {
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
      }),
    );

    const dir = makeWorkdir('mirrors');
    const config = path.join(dir, 'config.json');
    // Credentials apply per mirror host: the organisation's registry is asked with its own.
    const credentials = path.join(dir, 'docker-config.json');
    await writeFile(credentials, promoted.dockerConfigJson());
    const vendorGroup = {
      name: 'vendor',
      trustStores: ['ca:vendor'],
      trustedIdentities: [`x509.subject: ${asTrustPolicyDn(vendor.leaf.subject)}`],
    };
    const orgGroup = { name: 'org', trustStores: ['ca:org'], trustedIdentities: ['*'] };
    await writeFile(
      config,
      JSON.stringify({
        policies: { promoted: { signers: [vendorGroup, orgGroup] } },
        registryMirrors: {
          'origin.example': [mirror.host],
          'promoted.example': [promoted.host],
          'hostile.example': [hostile.host],
        },
        mirrorsOnly: ['origin.example', 'promoted.example', 'hostile.example'],
      }),
    );
    const statement = (name: string, scopes: string[]) => ({
      name,
      registryScopes: scopes,
      signatureVerification: { level: 'strict' },
      trustStores: ['ca:vendor'],
      trustedIdentities: ['*'],
    });
    svc = await startTestService({
      trustPolicy: {
        version: '1.0',
        trustPolicies: [
          statement('vendor', ['origin.example/*', 'hostile.example/*']),
          statement('promoted', ['promoted.example/*']),
        ],
      },
      trustStores: { ca: { vendor: [vendor.root.pem], org: [org.root.pem] } },
      flags: [
        '--config',
        config,
        '--registry-credentials',
        credentials,
        ...['--insecure-registry', mirror.host, '--insecure-registry', promoted.host],
        ...['--insecure-registry', hostile.host],
      ],
    });
    api = svc.client();
    // No route to the source: the vendor's registry is gone before any review.
    await vendorWorld.stop();
  });
  afterAll(async () => {
    await svc?.close();
    await Promise.allSettled([mirror?.stop(), promoted?.stop(), hostile?.stop()]);
  });

  const named = (host: string, name: string, at: 'digest' | 'tag' = 'digest') =>
    `${host}/${img[name]!.repository}${at === 'digest' ? `@${img[name]!.digest}` : ':v1'}`;
  const review = (image: string) => api.review(podReview({ images: [image] }));
  const clause = (image: string, digest: string, policy: string, rest: string) =>
    `${DENIED}spec.containers[0].image "${image}" (${shortDigest(digest)}): ${rest.replace('%p', policy)}`;

  describe('when the image and its signatures were copied to the mirror (mirrorsOnly)', () => {
    it('admits a Pod naming the origin by digest, verified from the mirror', async () => {
      const outcome = await review(named('origin.example', 'app'));
      expect(outcome.message).toBeUndefined();
      expect(outcome.kind).toBe('admitted');
      expect(outcome.response?.auditAnnotations?.['image-0']).toContain(
        `verified ${img['app']!.digest} policy=vendor from=${mirror.host}`,
      );
    });

    it('pins a tag the origin names to the digest the mirror resolves it to (/mutate)', async () => {
      const mutating = svc.client({ webhook: 'mutating' });
      const image = named('origin.example', 'app', 'tag');
      const outcome = await mutating.review(podReview({ images: [image] }));
      expect(outcome.kind).toBe('admitted');
      expect(JSON.stringify(outcome.patch)).toContain(`${image}@${img['app']!.digest}`);
    });
  });

  describe('when the mirror has the image but not its signatures', () => {
    it('denies naming the mirror and how signatures are copied', async () => {
      const image = named('origin.example', 'unsigned-copy');
      const outcome = await review(image);
      expect(outcome.message).toBe(
        clause(
          image,
          img['unsigned-copy']!.digest,
          'vendor',
          `signature not trusted by policy "%p" — no signature is associated with ${img['unsigned-copy']!.digest} on mirror ${mirror.host}, which has the image: were its signatures copied with it? (\`oras cp -r\` copies an image with its signatures) [SIGNATURE_NOT_FOUND]`,
        ),
      );
    });
  });

  describe('when no host of the entry has the image', () => {
    it('denies without asking the origin, naming the mirror', async () => {
      const image = `origin.example/team/absent@${img['app']!.digest}`;
      const outcome = await review(image);
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toContain(
        `mirror ${mirror.host} does not have it [MANIFEST_UNKNOWN]`,
      );
      expect(outcome.message).not.toContain('origin.example does not');
    });
  });

  describe('when the image was promoted and counter-signed at the destination', () => {
    it('admits a Pod under a two-signer policy, both signatures from the destination', async () => {
      const outcome = await review(named('promoted.example', 'prom'));
      expect(outcome.message).toBeUndefined();
      expect(outcome.kind).toBe('admitted');
      expect(outcome.response?.auditAnnotations?.['image-0']).toContain(`from=${promoted.host}`);
    });

    it('denies a promoted image the organisation did not counter-sign, naming its group', async () => {
      const outcome = await review(named('promoted.example', 'prom-vendor-only'));
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toMatch(/— org: signer .* does not chain to a certificate in ca:org/);
      expect(outcome.message).toContain(`(on mirror ${promoted.host})`);
    });
  });

  describe('when the mirror is hostile', () => {
    it('denies a digest the mirror answers with other bytes, naming the mirror', async () => {
      const image = named('hostile.example', 'app');
      const outcome = await review(image);
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toContain(`mirror ${hostile.host}: `);
      expect(outcome.message).toMatch(/\[DIGEST_MISMATCH\]$/);
    });

    it('denies a signature of another subject listed under the image', async () => {
      const outcome = await review(named('origin.example', 'junk'));
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toMatch(/\[SIGNATURE_ARTIFACT_INVALID\]$/);
      expect(outcome.message).toContain(`(on mirror ${mirror.host})`);
    });

    it('denies a listed signature only the origin has as invalid, never asking the origin', async () => {
      const outcome = await review(named('origin.example', 'listed'));
      expect(outcome.kind).toBe('denied');
      // Content (the mirror's 404), not availability: the stopped origin was never tried.
      expect(outcome.message).toContain(`has no manifest team/listed@${originSignature.digest}`);
      expect(outcome.message).toMatch(/\[SIGNATURE_ARTIFACT_INVALID\]$/);
    });
  });
});
