// Issue 14's required referrers and multi-arch subjects through `serve --policy-source
// kubernetes` on a real kube-apiserver: the CRD fields (requiredReferrers, signedSubject,
// platforms) applied with kubectl, refused at write time where CEL can, counted in status (the
// REFERRERS column), and the same scenarios as the file source's test (SBOMs and scan results
// attached by the real oras, every signature by the real notation) judged by the real service.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../../src/config/index.js';
import { startService, type Service } from '../../../src/main.js';
import {
  makePki,
  notationSign,
  orasAttach,
  pushImage,
  startControlPlane,
  type ControlPlane,
  type Pki,
  type PushedImage,
} from '../../harness/index.js';
import { makeWorkdir } from '../../harness/workdir.js';
import {
  createApiServerClient,
  type ApiServerClient,
  type Outcome,
} from '../../support/api-server.js';
import { podReview } from '../../support/reviews.js';
import { startSigningWorld, type SigningWorld } from '../webhook/fixtures.js';

const CRD_DIR = path.resolve('charts/notary-admission/crds');
const TRUST_NS = 'na-referrers-trust';
const API_VERSION = 'notary-admission.dev/v1alpha1';
const SPDX = 'application/spdx+json';
const SARIF = 'application/sarif+json';
const REPOS = ['ok', 'no-sbom', 'unsigned-sbom', 'wrong-sbom', 'old-scan'] as const;
type Repo = (typeof REPOS)[number];

let cp: ControlPlane;
let world: SigningWorld;
let org: Pki;
let service: Service;
let api: ApiServerClient;
const img = {} as Record<Repo, PushedImage>;
let multi: PushedImage;

async function kubectl(args: string[], input?: string) {
  return cp.kubectl(args, input === undefined ? {} : { input });
}
const apply = (...objects: unknown[]) =>
  kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));

const store = (name: string, pem: string) => ({
  apiVersion: API_VERSION,
  kind: 'TrustStore',
  metadata: { name },
  spec: { type: 'ca', certificates: [pem] },
});

const policy = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: API_VERSION,
  kind: 'TrustPolicy',
  metadata: { name },
  spec: { signatureVerification: { level: 'strict' }, ...spec },
});

const group = (name: string, trustStore: string) => ({
  name,
  trustStores: [trustStore],
  trustedIdentities: ['*'],
});

/** The policy of this test's supply images: two groups, an SBOM and a fresh scan result by org. */
const supply = () =>
  policy('supply', {
    registryScopes: [`${world.registry.host}/crdref/*`],
    signers: [group('vendor', 'ca:vendor'), group('org', 'ca:org')],
    requiredReferrers: [
      { artifactType: SPDX, signer: 'org' },
      { artifactType: SARIF, signer: 'org', maxAge: '7d' },
    ],
  });

const review = (image: PushedImage): Promise<Outcome> =>
  api.review(podReview({ images: [image.reference] }));

/** Reviews until the verdict is of `kind` (the policies reach the informer asynchronously). */
async function reviewUntil(image: PushedImage, kind: Outcome['kind']): Promise<Outcome> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const outcome = await review(image);
    if (outcome.kind === kind || Date.now() > deadline) return outcome;
    await sleep(50);
  }
}

beforeAll(async () => {
  [cp, world, org] = await Promise.all([
    startControlPlane(),
    startSigningWorld({ kind: 'olareg' }),
    makePki({ key: 'ec-p256', name: 'Org Signer' }),
  ]);
  const sign = (reference: string, signer: Pki) =>
    notationSign(reference, world.registry, {
      key: signer.leaf.keyPath,
      certChain: signer.chainPath,
      referrersApi: true,
    });
  const attach = async (image: PushedImage, type: string, signer?: Pki, created?: string) => {
    const annotations = created ? { 'org.opencontainers.image.created': created } : undefined;
    const r = await orasAttach(image.reference, world.registry, {
      artifactType: type,
      ...(annotations && { annotations }),
    });
    if (signer) await sign(`${world.registry.host}/${image.repository}@${r.digest}`, signer);
  };
  for (const repo of REPOS) {
    img[repo] = await world.push(`crdref/${repo}`);
    await world.sign(img[repo]);
    await world.sign(img[repo], { signer: org });
    if (repo === 'unsigned-sbom') await attach(img[repo], SPDX);
    else if (repo === 'wrong-sbom') await attach(img[repo], SPDX, world.pki);
    else if (repo !== 'no-sbom') await attach(img[repo], SPDX, org);
    await attach(img[repo], SARIF, org, repo === 'old-scan' ? '2026-01-01T00:00:00Z' : undefined);
  }
  multi = await pushImage(world.registry, 'crdmulti/app', {
    platforms: ['linux/amd64', 'linux/arm64'],
  });
  await world.sign(multi);

  expect((await kubectl(['create', 'namespace', TRUST_NS])).code).toBe(0);
  expect((await kubectl(['apply', '-f', CRD_DIR])).code).toBe(0);
  await kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=30s',
    'crd/trustpolicies.notary-admission.dev',
  ]);
  const dir = makeWorkdir('crd-referrers');
  const settings = parseServeArgs(
    [
      '--port=0',
      '--metrics-port=0',
      `--tls-dir=${path.join(dir, 'tls')}`,
      '--drain-delay=200ms',
      '--log-level=silent',
      '--allow-private-network=all',
      '--policy-source=kubernetes',
      `--kubeconfig=${cp.kubeconfigPath}`,
      `--trust-namespace=${TRUST_NS}`,
      ...world.serviceFlags,
    ],
    {},
  );
  service = await startService(settings);
  api = createApiServerClient({
    url: service.url,
    ca: await readFile(service.caPath!, 'utf8'),
    webhook: 'validating',
  });
  const applied = await apply(
    store('vendor', world.pki.root.pem),
    store('org', org.root.pem),
    supply(),
    policy('each', {
      registryScopes: [`${world.registry.host}/crdmulti/app`],
      trustStores: ['ca:vendor'],
      trustedIdentities: ['*'],
      signedSubject: 'EachPlatform',
      platforms: ['linux/amd64', 'linux/arm64'],
    }),
  );
  expect(applied.stderr).toBe('');
  await service.policies.reload();
});
afterAll(async () => {
  await api?.close();
  await service?.close();
  await Promise.allSettled([world?.stop(), cp?.stop()]);
});

describe('required referrers with --policy-source kubernetes', () => {
  describe('when the TrustPolicy breaks a rule CEL checks', () => {
    it.each([
      [
        'a requirement naming an unknown group',
        { requiredReferrers: [{ artifactType: SPDX, signer: 'qa' }] },
        'spec.requiredReferrers: Invalid value: "object": each requiredReferrers[].signer must name a signer group of this policy',
      ],
      [
        'a zero maxAge',
        { requiredReferrers: [{ artifactType: SPDX, signer: 'org', maxAge: '0h' }] },
        'spec.requiredReferrers[0].maxAge: Invalid value',
      ],
      [
        'a signature type required as a referrer',
        {
          requiredReferrers: [
            { artifactType: 'application/vnd.cncf.notary.signature', signer: 'org' },
          ],
        },
        'signatures are required through the policy',
      ],
      [
        'platforms without EachPlatform or Either',
        { platforms: ['linux/amd64'] },
        'spec.platforms: Forbidden',
      ],
      [
        'a bad platform',
        { signedSubject: 'Either', platforms: ['amd64'] },
        'spec.platforms[0]: Invalid value',
      ],
      [
        'an unknown subject mode',
        { signedSubject: 'Platforms' },
        'spec.signedSubject: Unsupported value: "Platforms"',
      ],
    ])('refuses %s', async (_, extra, message) => {
      const object = supply();
      object.metadata.name = 'refused';
      Object.assign(object.spec, extra);
      const result = await apply(object);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(message);
    });

    it('refuses skip with any of the fields', async () => {
      const result = await apply(
        policy('skipped', {
          registryScopes: ['registry.example.com/skipped'],
          signatureVerification: { level: 'skip' },
          signedSubject: 'Index',
        }),
      );
      expect(result.stderr).toContain('a policy with level skip verifies nothing');
    });
  });

  describe('when the policy is applied', () => {
    it('counts its referrer requirements in status, printed in the REFERRERS column', async () => {
      const deadline = Date.now() + 10_000;
      let table = '';
      while (Date.now() < deadline) {
        table = (await kubectl(['get', 'trustpolicy', 'supply'])).stdout;
        if (/\bTrue\b/.test(table)) break;
        await sleep(100);
      }
      const [header, row] = table
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/));
      expect(row?.[header!.indexOf('REFERRERS')]).toBe('2');
      expect(row?.[header!.indexOf('READY')]).toBe('True');
    });
  });

  describe('when images are reviewed', () => {
    it('admits the image when every group, SBOM and scan result holds', async () => {
      const outcome = await reviewUntil(img.ok, 'admitted');
      expect(outcome.kind, outcome.message).toBe('admitted');
    });

    it.each([
      [
        'no-sbom',
        `referrer ${SPDX} signed by org: the image has no referrer of type ${SPDX} [REFERRER_NOT_FOUND]`,
      ],
      ['unsigned-sbom', '[SIGNATURE_NOT_FOUND]'],
      ['wrong-sbom', '[CERT_CHAIN_UNTRUSTED]'],
      ['old-scan', `referrer ${SARIF} signed by org (maxAge 604800 s): none of its`],
    ] as const)('denies %s naming the piece and its code', async (repo, piece) => {
      const outcome = await review(img[repo]);
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toContain('policy "supply"');
      expect(outcome.message).toContain(piece);
      expect(outcome.message).toMatch(/\[REFERRER_(NOT_FOUND|UNTRUSTED|TOO_OLD)\]$/);
    });

    it('denies an index-only signature under EachPlatform, naming the platform', async () => {
      const outcome = await review(multi);
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toContain(
        `platform linux/amd64 (${multi.platforms[0]!.digest.slice(0, 19)})`,
      );
    });
  });
});
