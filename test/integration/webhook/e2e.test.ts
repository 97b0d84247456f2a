// Issue 5's acceptance: the real service (as `serve` wires it) over HTTPS, called as the API
// server calls it, judging images signed by the real notation CLI on both harness registries
// (olareg: referrers API; distribution: the referrers tag schema).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notationVerify, type PushedImage } from '../../harness/index.js';
import { makeWorkdir } from '../../harness/workdir.js';
import type { ApiServerClient, Outcome } from '../../support/api-server.js';
import { ephemeralContainersReview, podReview, workloadReview } from '../../support/reviews.js';
import { startTestService, type TestService } from '../../support/service.js';
import {
  failedClause,
  flipJwsSignature,
  jwsExpiry,
  notFound,
  signerName,
  startSigningWorld,
  statement,
  waitUntil,
  type SigningWorld,
} from './fixtures.js';

const DENIED = 'admission webhook "validate.notary-admission.dev" denied the request: ';
const EXPIRING = ['expired', 'expired-permissive', 'expired-audit'] as const;
const REPOS = [
  ...EXPIRING,
  'signed-jws',
  'signed-cose',
  'unsigned',
  'stranger',
  'identity',
  'tampered-payload',
  'tampered-source',
  'warned',
  'audited',
] as const;
type Repo = (typeof REPOS)[number] | 'tampered-bytes';

/** Every statement: `*` strict, and one per repository that needs another level or action. */
function trustPolicy(host: string): unknown {
  const only = (repo: Repo): string[] => [`${host}/e2e/${repo}`];
  return {
    version: '1.0',
    trustPolicies: [
      statement('strict', ['*']),
      statement('identity', only('identity'), {
        trustedIdentities: ['x509.subject:C=US, ST=WA, O=Somebody Else'],
      }),
      statement('permissive', only('expired-permissive'), { level: 'permissive' }),
      statement('audit', only('expired-audit'), { level: 'audit' }),
      statement('warned', only('warned')),
      statement('audited', only('audited')),
    ],
  };
}

describe.each(['olareg', 'distribution'] as const)('notary-admission serve on %s', (kind) => {
  let world: SigningWorld;
  let svc: TestService;
  let api: ApiServerClient;
  const img = {} as Record<Repo, PushedImage>;
  let expiredAt = '';

  beforeAll(async () => {
    world = await startSigningWorld({ kind });
    const pushed = await Promise.all(REPOS.map((r) => world.push(`e2e/${r}`)));
    REPOS.forEach((r, i) => (img[r] = pushed[i]!));
    // Expiring signatures first, so the others are signed while they run out.
    for (const r of EXPIRING) await world.sign(img[r], { expiry: '2s' });
    const notBefore = Date.now() + 2_500;
    await world.sign(img['signed-jws'], { format: 'jws' });
    await world.sign(img['signed-cose'], { format: 'cose' });
    await world.sign(img.stranger, { signer: world.stranger });
    await world.sign(img.identity);
    await world.sign(img['tampered-source']);
    // Another image's signature, and a byte-flipped copy of this manifest's own signature.
    await world.attach(img['tampered-payload'], await world.envelopeOf(img['signed-jws']));
    img['tampered-bytes'] = await world.copy(img['tampered-source'], 'e2e/tampered-bytes');
    await world.attach(
      img['tampered-bytes'],
      flipJwsSignature(await world.envelopeOf(img['tampered-source'])),
    );
    expiredAt = jwsExpiry(await world.envelopeOf(img.expired));

    const dir = makeWorkdir('e2e-config');
    const config = path.join(dir, 'config.json');
    const policies = { warned: { action: 'Warn' }, audited: { action: 'Audit' } };
    await writeFile(config, JSON.stringify({ policies }));
    svc = await startTestService({
      trustPolicy: trustPolicy(world.registry.host),
      trustStores: world.serviceStores,
      flags: ['--config', config, ...world.serviceFlags],
    });
    api = svc.client();
    await waitUntil(notBefore);
  });
  afterAll(async () => {
    await svc?.close();
    await world?.stop();
  });

  const validate = (body: unknown): Promise<Outcome> => api.review(body);
  /** The clause of `spec.containers[0].image` for a digest reference. */
  const clause = (
    repo: Repo,
    policy: string,
    why: { reason: string; code: string },
    fieldPath = 'spec.containers[0].image',
  ): string =>
    failedClause({
      fieldPath,
      image: img[repo].reference,
      digest: img[repo].digest,
      policy,
      ...why,
    });
  const expectDenied = (outcome: Outcome, message: string): void => {
    expect(outcome.response?.status).toEqual({ code: 403, reason: 'Forbidden', message });
    expect(outcome).toMatchObject({ kind: 'denied', status: 403, message: DENIED + message });
  };

  describe('when the image is signed by a trusted signer', () => {
    it('admits it pinned (tag@digest, as /mutate leaves it), then by digest, naming the digest and policy in the audit annotation', async () => {
      const image = img['signed-jws'];
      // An unpinned tag is refused under mutateDigest (test/integration/webhook/pinning.test.ts).
      const pinned = `${image.tagReference}@${image.digest}`;
      const byTag = await validate(podReview({ images: [pinned] }));
      expect(byTag).toMatchObject({ kind: 'admitted', warnings: [] });
      expect(byTag.response?.auditAnnotations).toEqual({
        'image-0': `spec.containers[0].image ${pinned}: verified ${image.digest} policy=strict`,
      });
      const byDigest = await validate(podReview({ images: [image.reference] }));
      expect(byDigest).toMatchObject({ kind: 'admitted', warnings: [] });
      // Same digest, same policy revision: the verdict of the pinned review is reused.
      expect(byDigest.response?.auditAnnotations).toEqual({
        'image-0': `spec.containers[0].image ${image.reference}: verified ${image.digest} policy=strict cache-hit`,
      });
    });

    it('admits a COSE signature', async () => {
      const image = img['signed-cose'];
      const outcome = await validate(podReview({ images: [image.reference] }));
      expect(outcome).toMatchObject({ kind: 'admitted', warnings: [] });
      expect(outcome.response?.auditAnnotations).toEqual({
        'image-0': `spec.containers[0].image ${image.reference}: verified ${image.digest} policy=strict`,
      });
    });

    it('gives the same verdict as notation verify under the same policy', async () => {
      const access = world.registry;
      const options = {
        trustPolicy: trustPolicy(world.registry.host),
        trustStores: world.notationStores,
      };
      for (const [repo, admitted] of [
        ['signed-cose', true],
        ['unsigned', false],
        ['stranger', false],
      ] as const) {
        const notation = await notationVerify(img[repo].reference, access, options);
        const ours = await validate(podReview({ images: [img[repo].reference] }));
        expect({ repo, verified: notation.verified }).toEqual({ repo, verified: admitted });
        expect({ repo, kind: ours.kind }).toEqual({ repo, kind: admitted ? 'admitted' : 'denied' });
      }
    });
  });

  describe('when the image fails verification under a strict policy', () => {
    it('denies an unsigned image [SIGNATURE_NOT_FOUND]', async () => {
      const outcome = await validate(podReview({ images: [img.unsigned.reference] }));
      const d = img.unsigned.digest;
      expectDenied(
        outcome,
        clause('unsigned', 'strict', { reason: notFound(d), code: 'SIGNATURE_NOT_FOUND' }),
      );
    });

    it('denies a signer whose chain ends outside the trust store [CERT_CHAIN_UNTRUSTED]', async () => {
      const outcome = await validate(podReview({ images: [img.stranger.reference] }));
      const reason = `signer ${signerName(world.stranger)} does not chain to a certificate in ca:trusted`;
      expectDenied(outcome, clause('stranger', 'strict', { reason, code: 'CERT_CHAIN_UNTRUSTED' }));
    });

    it('denies a trusted CA signer not in trustedIdentities [IDENTITY_UNTRUSTED]', async () => {
      const outcome = await validate(podReview({ images: [img.identity.reference] }));
      const reason = `signer ${signerName(world.pki)} is not in trustedIdentities`;
      expectDenied(outcome, clause('identity', 'identity', { reason, code: 'IDENTITY_UNTRUSTED' }));
    });

    it('denies a valid signature of another image attached to this one [PAYLOAD_MISMATCH]', async () => {
      // The envelope is intact; its payload names signed-jws's manifest, not this one.
      const outcome = await validate(podReview({ images: [img['tampered-payload'].reference] }));
      const [s, t] = [img['signed-jws'], img['tampered-payload']];
      const reason = `the signature is for ${s.mediaType} ${s.digest} (${s.size} bytes), not for ${t.mediaType} ${t.digest} (${t.size} bytes)`;
      expectDenied(
        outcome,
        clause('tampered-payload', 'strict', { reason, code: 'PAYLOAD_MISMATCH' }),
      );
    });

    it('denies an envelope whose signature bytes were modified [SIGNATURE_INVALID]', async () => {
      const outcome = await validate(podReview({ images: [img['tampered-bytes'].reference] }));
      const reason =
        "the envelope's ES256 signature does not verify with the signing certificate's key";
      expectDenied(
        outcome,
        clause('tampered-bytes', 'strict', { reason, code: 'SIGNATURE_INVALID' }),
      );
    });

    it('denies an expired signature [SIGNATURE_EXPIRED]', async () => {
      const outcome = await validate(podReview({ images: [img.expired.reference] }));
      const reason = `signature expired at ${expiredAt}`;
      expectDenied(outcome, clause('expired', 'strict', { reason, code: 'SIGNATURE_EXPIRED' }));
    });
  });

  describe('when the level only logs expiry', () => {
    it.each([
      ['expired-permissive', 'permissive'],
      ['expired-audit', 'audit'],
    ] as const)('admits %s with a warning naming expiry', async (repo, policy) => {
      const image = img[repo];
      const outcome = await validate(podReview({ images: [image.reference] }));
      expect(outcome.kind).toBe('admitted');
      expect(outcome.warnings).toEqual([
        `spec.containers[0].image: verified with logged failures: expiry [SIGNATURE_EXPIRED] (policy "${policy}")`,
      ]);
      expect(outcome.response?.auditAnnotations).toEqual({
        'image-0': `spec.containers[0].image ${image.reference}: verified ${image.digest} policy=${policy} logged failures: expiry [SIGNATURE_EXPIRED]`,
      });
    });
  });

  describe('when the policy action is Warn or Audit', () => {
    it('admits an unsigned image under Warn with a warning and an audit annotation', async () => {
      const image = img.warned;
      const outcome = await validate(podReview({ images: [image.reference] }));
      expect(outcome.kind).toBe('admitted');
      expect(outcome.warnings).toEqual([
        'spec.containers[0].image: not verified [SIGNATURE_NOT_FOUND], allowed by action Warn (policy "warned")',
      ]);
      const text = clause('warned', 'warned', {
        reason: notFound(image.digest),
        code: 'SIGNATURE_NOT_FOUND',
      });
      expect(outcome.response?.auditAnnotations).toEqual({
        'image-0': `spec.containers[0].image ${image.reference}: warned: ${text}`,
      });
    });

    it('admits an unsigned image under Audit with no warning, only the audit annotation', async () => {
      const image = img.audited;
      const outcome = await validate(podReview({ images: [image.reference] }));
      expect(outcome.kind).toBe('admitted');
      expect(outcome.warnings).toEqual([]);
      expect(outcome.response).not.toHaveProperty('warnings');
      const text = clause('audited', 'audited', {
        reason: notFound(image.digest),
        code: 'SIGNATURE_NOT_FOUND',
      });
      expect(outcome.response?.auditAnnotations).toEqual({
        'image-0': `spec.containers[0].image ${image.reference}: audited: ${text}`,
      });
    });
  });

  describe('when the object is a workload template', () => {
    it.each([
      ['Deployment', 'spec.template.spec.containers[0].image'],
      ['CronJob', 'spec.jobTemplate.spec.template.spec.containers[0].image'],
    ] as const)('denies an unsigned image of a %s at %s', async (workload, fieldPath) => {
      const image = img.unsigned;
      const outcome = await validate(workloadReview(workload, { images: [image.reference] }));
      const reason = notFound(image.digest);
      expectDenied(
        outcome,
        clause('unsigned', 'strict', { reason, code: 'SIGNATURE_NOT_FOUND' }, fieldPath),
      );
    });
  });

  describe('when kubectl debug adds an ephemeral container', () => {
    it('denies the new unsigned image and does not re-verify the running ones', async () => {
      // The running images are a stranger's: re-verifying them would add denial clauses.
      const running = img.stranger.reference;
      const body = ephemeralContainersReview({
        images: [img.unsigned.reference],
        existing: [running],
        containers: [running],
      });
      const outcome = await validate(body);
      const reason = notFound(img.unsigned.digest);
      const fieldPath = 'spec.ephemeralContainers[1].image';
      expectDenied(
        outcome,
        clause('unsigned', 'strict', { reason, code: 'SIGNATURE_NOT_FOUND' }, fieldPath),
      );
      expect(outcome.response?.auditAnnotations).toEqual({
        'image-0': `${fieldPath} ${img.unsigned.reference}: denied [SIGNATURE_NOT_FOUND]`,
      });
    });
  });

  describe('when called as the mutating webhook (/mutate)', () => {
    it('pins a verified tag to its digest, and the pinned reference is admitted by /validate', async () => {
      const mutating = svc.client({ webhook: 'mutating' });
      const image = img['signed-cose'];
      const outcome = await mutating.review(podReview({ images: [image.tagReference] }), {
        path: '/mutate',
      });
      const pinned = `${image.tagReference}@${image.digest}`;
      expect(outcome.kind).toBe('admitted');
      expect(outcome.patch).toEqual([
        { op: 'replace', path: '/spec/containers/0/image', value: pinned },
      ]);
      expect(outcome.response?.patchType).toBe('JSONPatch');
      expect((await validate(podReview({ images: [pinned] }))).kind).toBe('admitted');
    });

    it('sends no patch for a digest reference', async () => {
      const mutating = svc.client({ webhook: 'mutating' });
      const outcome = await mutating.review(podReview({ images: [img['signed-jws'].reference] }), {
        path: '/mutate',
      });
      expect(outcome).toMatchObject({ kind: 'admitted', patch: [] });
      expect(outcome.response).not.toHaveProperty('patch');
      expect(outcome.response).not.toHaveProperty('patchType');
    });
  });
});
