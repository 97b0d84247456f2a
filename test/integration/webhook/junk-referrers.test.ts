// Issue 13, items 1 and 5, through the real service on both harness registries: a referrer that
// is not a valid signature artifact is a failed signature (never "could not verify", so never
// admitted by onError: Allow), and junk listed before a good signature neither hides it nor
// costs a request per junk manifest (trusted thumbprints are evaluated first).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PushedImage } from '../../harness/index.js';
import { attachJunkReferrers, type JunkKind } from '../../harness/junk-referrers.js';
import { makeWorkdir } from '../../harness/workdir.js';
import type { ApiServerClient } from '../../support/api-server.js';
import { startCountingProxy } from '../../support/counting-proxy.js';
import { podReview } from '../../support/reviews.js';
import { startTestService, type TestService } from '../../support/service.js';
import { startSigningWorld, statement, type SigningWorld } from './fixtures.js';

const LENIENT = 'lenient';
const STRICT = 'strict';
const DENIED = 'admission webhook "validate.notary-admission.dev" denied the request: ';

describe.each(['olareg', 'distribution'] as const)('junk referrers (service) on %s', (kind) => {
  const referrersApi = kind === 'olareg';
  let world: SigningWorld;
  let proxy: Awaited<ReturnType<typeof startCountingProxy>>;
  let svc: TestService;
  let api: ApiServerClient;
  const img: Record<string, PushedImage> = {};
  /** `proxy/repo@digest`: the service reaches the registry through the counting proxy only. */
  const ref = (name: string): string =>
    `${proxy.host}/${img[name]!.repository}@${img[name]!.digest}`;
  const junk = (name: string, kinds: JunkKind[]) =>
    attachJunkReferrers(world.registry, {
      repository: img[name]!.repository,
      subject: img[name]!,
      kinds,
      referrersApi,
    });

  beforeAll(async () => {
    world = await startSigningWorld({ kind });
    proxy = await startCountingProxy(world.registry.url);
    for (const name of ['unsigned', 'missing', 'flood'])
      img[name] = await world.push(`junk/${name}`);
    await junk('unsigned', ['two-layers']);
    if (!referrersApi) await junk('missing', ['missing-manifest']);
    // Twenty junk referrers first, then the one good signature (listed last).
    await junk('flood', Array<JunkKind>(20).fill('two-layers'));
    await world.sign(img['flood']!);

    const dir = makeWorkdir('junk-referrers');
    const config = path.join(dir, 'config.json');
    const policies = { [LENIENT]: { onError: 'Allow', mutateDigest: false } };
    await writeFile(config, JSON.stringify({ policies }));
    const lenient = ['unsigned', 'missing'].map((n) => `${proxy.host}/junk/${n}`);
    svc = await startTestService({
      trustPolicy: {
        version: '1.0',
        trustPolicies: [statement(STRICT, ['*']), statement(LENIENT, lenient)],
      },
      trustStores: world.serviceStores,
      flags: ['--config', config, ...world.serviceFlags, '--insecure-registry', proxy.host],
    });
    api = svc.client();
  });
  afterAll(async () => {
    await svc?.close();
    await proxy?.stop();
    await world?.stop();
  });

  describe('when an unsigned image carries a signature manifest with two layers', () => {
    it('denies it under onError Allow as a failed signature [SIGNATURE_ARTIFACT_INVALID], cached', async () => {
      const image = ref('unsigned');
      const first = await api.review(podReview({ images: [image] }));
      expect(first.kind).toBe('denied');
      expect(first.message).toContain(`${DENIED}spec.containers[0].image "${image}"`);
      expect(first.message).toContain(`signature not trusted by policy "${LENIENT}"`);
      expect(first.message).toMatch(/2 layers; exactly one envelope is required/);
      expect(first.message).toMatch(/\[SIGNATURE_ARTIFACT_INVALID\]$/);
      // A definitive failure is cached briefly: the second review asks the registry nothing.
      const before = proxy.requests.length;
      const second = await api.review(podReview({ images: [image] }));
      expect(second.kind).toBe('denied');
      expect(second.message).toBe(first.message);
      expect(proxy.requests.length).toBe(before);
    });
  });

  if (!referrersApi)
    describe('when the tag-schema index lists a signature manifest the registry does not have', () => {
      it('denies it under onError Allow as a failed signature [SIGNATURE_ARTIFACT_INVALID]', async () => {
        const outcome = await api.review(podReview({ images: [ref('missing')] }));
        expect(outcome.kind).toBe('denied');
        expect(outcome.message).toMatch(/\(404\) \[SIGNATURE_ARTIFACT_INVALID\]$/);
      });
    });

  describe('when the tag does not exist', () => {
    it('denies it under onError Allow: the registry answered [MANIFEST_UNKNOWN]', async () => {
      const image = `${proxy.host}/junk/unsigned:no-such-tag`;
      const outcome = await api.review(podReview({ images: [image] }));
      expect(outcome.kind).toBe('denied');
      expect(outcome.message).toBe(
        `${DENIED}spec.containers[0].image "${image}" (digest unknown): signature not trusted ` +
          `by policy "${LENIENT}" — ${proxy.host} has no manifest junk/unsigned:no-such-tag ` +
          '(404) [MANIFEST_UNKNOWN]',
      );
    });
  });

  describe('when twenty junk referrers were pushed before one good signature', () => {
    it('admits the image, fetching the trusted-thumbprint signature and no junk', async () => {
      const image = ref('flood');
      const before = proxy.requests.length;
      const outcome = await api.review(podReview({ images: [image] }));
      expect(outcome.message).toBeUndefined();
      expect(outcome.kind).toBe('admitted');
      const made = proxy.requests.slice(before);
      const manifests = made.filter((r) => r.path.includes('/manifests/sha256:'));
      // The listing (and on distribution the referrers probe), one manifest, one envelope.
      expect(manifests).toHaveLength(1);
      expect(made.length).toBeLessThanOrEqual(4);
    });
  });
});
