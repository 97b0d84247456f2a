// Issue 14's acceptance for required signed referrers and multi-arch subjects, through the real
// service (as `serve` wires it, the file source with a `--config` file) over HTTPS: SBOMs and
// scan results attached by the real `oras attach`, every signature made by the real `notation`
// CLI, on both harness registries (olareg: referrers API; distribution: the tag schema). Each
// referrer's signature verdict is also compared with `notation verify <repo>@<referrer digest>`.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makePki,
  notationSign,
  notationVerify,
  orasAttach,
  pushImage,
  type Descriptor,
  type Pki,
  type PushedImage,
} from '../../harness/index.js';
import { makeWorkdir } from '../../harness/workdir.js';
import type { ApiServerClient } from '../../support/api-server.js';
import { podReview } from '../../support/reviews.js';
import { startTestService, type TestService } from '../../support/service.js';
import { parseReference, RegistryClient } from '../../../src/registry/index.js';
import { verifyReferrers } from '../../../src/pipeline/referrers.js';
import {
  createTrustStore,
  parseTrustPolicyDocument,
  type TrustStores,
} from '../../../src/verify/index.js';
import { registryRequests, startSigningWorld, statement, type SigningWorld } from './fixtures.js';

const SPDX = 'application/spdx+json';
const SARIF = 'application/sarif+json';
const CREATED = 'org.opencontainers.image.created';
const LONG_AGO = '2026-01-01T00:00:00Z';
const SUPPLY = ['ok', 'no-sbom', 'unsigned-sbom', 'wrong-sbom', 'old-scan', 'junk-flood'] as const;
type Supply = (typeof SUPPLY)[number];
const sbomPiece = `referrer ${SPDX} signed by org`;
const scanPiece = `referrer ${SARIF} signed by org (maxAge 604800 s)`;

describe.each(['olareg', 'distribution'] as const)(
  'required referrers through serve on %s',
  (kind) => {
    let world: SigningWorld;
    let org: Pki;
    let svc: TestService;
    let api: ApiServerClient;
    const img = {} as Record<Supply, PushedImage>;
    const multi = {} as Record<
      'each-index' | 'each-platforms' | 'either-platforms' | 'index-platforms',
      PushedImage
    >;
    /** The referrers whose own signature the differential compares: digest → image. */
    const referrers: { image: PushedImage; referrer: Descriptor; type: string }[] = [];

    const host = () => world.registry.host;
    const signDigest = (repository: string, digest: string, signer: Pki) =>
      notationSign(`${host()}/${repository}@${digest}`, world.registry, {
        key: signer.leaf.keyPath,
        certChain: signer.chainPath,
        referrersApi: kind === 'olareg',
      });
    const attach = async (image: PushedImage, type: string, signer?: Pki, created?: string) => {
      const referrer = await orasAttach(image.reference, world.registry, {
        artifactType: type,
        ...(created && { annotations: { [CREATED]: created } }),
      });
      if (signer) await signDigest(image.repository, referrer.digest, signer);
      referrers.push({ image, referrer, type });
      return referrer;
    };
    /** Signed by both groups: the vendor (the world's trusted PKI) and the organisation. */
    const signBoth = async (image: PushedImage) => {
      await world.sign(image);
      await world.sign(image, { signer: org });
    };

    beforeAll(async () => {
      [world, org] = await Promise.all([
        startSigningWorld({ kind }),
        makePki({ key: 'ec-p256', name: 'Org Signer' }),
      ]);
      for (const name of SUPPLY) {
        img[name] = await world.push(`supply/${name}`);
        await signBoth(img[name]);
      }
      await attach(img.ok, SPDX, org);
      await attach(img.ok, SARIF, org);
      await attach(img['no-sbom'], SARIF, org);
      await attach(img['unsigned-sbom'], SPDX);
      await attach(img['unsigned-sbom'], SARIF, org);
      await attach(img['wrong-sbom'], SPDX, world.pki);
      await attach(img['wrong-sbom'], SARIF, org);
      await attach(img['old-scan'], SPDX, org);
      await attach(img['old-scan'], SARIF, org, LONG_AGO);
      // A flood of junk referrers of the SBOM type beside the real one (the newest: a flood that
      // claims to be newer pushes it out of the candidates and fails closed, see referrers.test.ts).
      for (let i = 0; i < 12; i++)
        await orasAttach(img['junk-flood'].reference, world.registry, {
          artifactType: SPDX,
          content: `junk ${i}`,
          annotations: { [CREATED]: `2026-01-02T00:00:${String(i).padStart(2, '0')}Z` },
        });
      await attach(img['junk-flood'], SPDX, org);
      await attach(img['junk-flood'], SARIF, org);

      // Multi-arch: the index signed alone, or each platform manifest alone (vendor only).
      const push = (repo: string) =>
        pushImage(world.registry, repo, {
          platforms: ['linux/amd64', 'linux/arm64'],
          credentials: world.registry.credentials,
        });
      multi['each-index'] = await push('each/index-signed');
      await world.sign(multi['each-index']);
      for (const [key, repo] of [
        ['each-platforms', 'each/platforms-signed'],
        ['either-platforms', 'either/platforms-signed'],
        ['index-platforms', 'index/platforms-signed'],
      ] as const) {
        multi[key] = await push(repo);
        for (const p of multi[key].platforms) await signDigest(repo, p.digest, world.pki);
      }

      const dir = makeWorkdir('referrers-config');
      const config = path.join(dir, 'config.json');
      const group = (name: string, store: string) => ({
        name,
        trustStores: [store],
        trustedIdentities: ['*'],
      });
      const policies = {
        supply: {
          signers: [group('vendor', 'ca:trusted'), group('org', 'ca:org')],
          requiredReferrers: [
            { artifactType: SPDX, signer: 'org' },
            { artifactType: SARIF, signer: 'org', maxAge: '168h' },
          ],
        },
        each: { signedSubject: 'EachPlatform', platforms: ['linux/amd64', 'linux/arm64'] },
        either: { signedSubject: 'Either' },
      };
      await writeFile(config, JSON.stringify({ policies }));
      const scope = (repo: string) => [`${host()}/${repo}/*`];
      svc = await startTestService({
        trustPolicy: {
          version: '1.0',
          trustPolicies: [
            statement('supply', scope('supply')),
            statement('each', scope('each')),
            statement('either', scope('either')),
            statement('index', ['*']),
          ],
        },
        trustStores: { ca: { ...world.serviceStores.ca, org: [org.root.pem] } },
        flags: ['--config', config, ...world.serviceFlags],
      });
      api = svc.client();
    });
    afterAll(async () => {
      await svc?.close();
      await world?.stop();
    });

    const review = async (image: PushedImage) =>
      api.review(podReview({ images: [image.reference] }));
    const expectDenied = async (image: PushedImage, policy: string, ...pieces: string[]) => {
      const outcome = await review(image);
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toContain(`policy "${policy}"`);
      for (const piece of pieces) expect(outcome.message).toContain(piece);
    };

    describe('when every group, SBOM and scan result holds', () => {
      it('admits the image', async () => {
        expect((await review(img.ok)).kind).toBe('admitted');
      });
    });

    describe('when a single piece is missing', () => {
      it('denies an image without an SBOM, naming it [REFERRER_NOT_FOUND]', async () => {
        await expectDenied(
          img['no-sbom'],
          'supply',
          `${sbomPiece}: the image has no referrer of type ${SPDX} [REFERRER_NOT_FOUND]`,
        );
      });

      it('denies an unsigned SBOM, naming it [REFERRER_UNTRUSTED] and why [SIGNATURE_NOT_FOUND]', async () => {
        await expectDenied(
          img['unsigned-sbom'],
          'supply',
          `${sbomPiece}: none of its`,
          '[SIGNATURE_NOT_FOUND]',
          '[REFERRER_UNTRUSTED]',
        );
      });

      it('denies an SBOM signed by the wrong group, naming it [REFERRER_UNTRUSTED]', async () => {
        await expectDenied(
          img['wrong-sbom'],
          'supply',
          `${sbomPiece}: none of its`,
          '[CERT_CHAIN_UNTRUSTED]',
          '[REFERRER_UNTRUSTED]',
        );
      });

      it('denies a scan result older than maxAge, naming it [REFERRER_TOO_OLD]', async () => {
        await expectDenied(
          img['old-scan'],
          'supply',
          `${scanPiece}: none of its ${SARIF} referrers counts:`,
          `was created ${LONG_AGO.replace('Z', '.000Z')}, more than 604800 s ago (maxAge) [REFERRER_TOO_OLD]`,
        );
      });
    });

    describe('when junk referrers of the SBOM type flood the image (attacker)', () => {
      it('admits it on the real SBOM with a bounded number of registry requests', async () => {
        const before = await registryRequests(svc.service.metricsUrl);
        expect((await review(img['junk-flood'])).kind).toBe('admitted');
        const spent = (await registryRequests(svc.service.metricsUrl)) - before;
        // The listing (1; the tag schema: +1) + 2 groups × (manifest + envelope) + the SBOM's
        // 4 candidates (MAX_REFERRER_CANDIDATES) × (manifest + own listing) + the real one's
        // signature (2) + the scan result (2 + 2): 19, and 20 on distribution, whatever the flood.
        expect(spent).toBeLessThanOrEqual(kind === 'olareg' ? 19 : 20);
      });
    });

    describe('when each referrer signature is judged as notation judges the referrer', () => {
      it('returns the same verdict as notation verify <repo>@<referrer digest>', async () => {
        const orgStatement = {
          name: 'org',
          registryScopes: ['*'],
          signatureVerification: { level: 'strict' as const },
          trustStores: ['ca:org'],
          trustedIdentities: ['*'],
        };
        const trustPolicy = { version: '1.0', trustPolicies: [orgStatement] };
        const trustStores: TrustStores = new Map([
          ['ca:org', createTrustStore({ type: 'ca', name: 'org', certificates: [org.root.pem] })],
        ]);
        const groupStatement = parseTrustPolicyDocument(trustPolicy).trustPolicies[0]!;
        const client = new RegistryClient({
          allowPrivateNetworks: true,
          insecureRegistries: [host()],
        });
        try {
          const verdicts = [];
          for (const { image, referrer, type } of referrers.filter(
            (r) => r.image !== img['junk-flood'],
          )) {
            const ref = parseReference(image.reference);
            const listing = await client.listReferrers(ref, image.digest);
            const only = listing.artifacts.get(type)!.filter((d) => d.digest === referrer.digest);
            const [ours] = await verifyReferrers({
              registry: client,
              ref,
              repository: `${host()}/${image.repository}`,
              listing: { ...listing, artifacts: new Map([[type, only]]) },
              requirements: {
                signers: [{ name: 'org', statement: groupStatement }],
                referrers: [{ artifactType: type, signer: 'org' }],
              },
              trustStores,
              now: Date.now,
              call: {},
            });
            const theirs = await notationVerify(
              `${host()}/${image.repository}@${referrer.digest}`,
              world.registry,
              {
                trustPolicy,
                trustStores: { ca: { org: [org.root.certPath] } },
              },
            );
            verdicts.push({
              referrer: referrer.digest,
              ours: ours!.verified,
              notation: theirs.verified,
            });
          }
          expect(verdicts.filter((v) => v.ours !== v.notation)).toEqual([]);
          expect(new Set(verdicts.map((v) => v.ours))).toEqual(new Set([true, false]));
        } finally {
          await client.close();
        }
      });
    });

    describe('when a multi-arch image is signed on the index or on each platform', () => {
      it('denies an index-only signature under EachPlatform, naming the platform', async () => {
        const amd64 = multi['each-index'].platforms[0]!.digest.slice(0, 19);
        await expectDenied(
          multi['each-index'],
          'each',
          `platform linux/amd64 (${amd64}): no signature is associated with`,
          '[SIGNATURE_NOT_FOUND]',
        );
      });

      it('admits every platform signed under EachPlatform and Either', async () => {
        expect((await review(multi['each-platforms'])).kind).toBe('admitted');
        expect((await review(multi['either-platforms'])).kind).toBe('admitted');
      });

      it('denies platforms signed without the index under Index (as notation verify of the index)', async () => {
        await expectDenied(
          multi['index-platforms'],
          'index',
          `no signature is associated with ${multi['index-platforms'].digest}`,
        );
      });
    });
  },
);
