// Issue 13, items 2 and 8, through the real service over HTTPS: tags that /mutate did not pin are
// refused by /validate where a statement has mutateDigest (standing decision 5), and an UPDATE
// re-verifies every image but an unchanged digest reference. Images signed by the real notation
// CLI, on olareg (referrers API) and distribution (tag schema).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PushedImage } from '../../harness/index.js';
import { makeWorkdir } from '../../harness/workdir.js';
import type { ApiServerClient, Outcome } from '../../support/api-server.js';
import {
  ephemeralContainersReview,
  podReview,
  workloadReview,
  type AdmissionReviewBody,
  type Json,
} from '../../support/reviews.js';
import { startTestService, type TestService } from '../../support/service.js';
import {
  failedClause,
  notFound,
  registryRequests,
  shortDigest,
  startSigningWorld,
  statement,
  type SigningWorld,
} from './fixtures.js';

const DENIED = 'admission webhook "validate.notary-admission.dev" denied the request: ';
const FIELD = 'spec.containers[0].image';
const REPOS = ['signed', 'unsigned', 'lax', 'warned', 'mirror'] as const;
type Repo = (typeof REPOS)[number];

describe.each(['olareg', 'distribution'] as const)('on %s', (kind) => {
  let world: SigningWorld;
  /** Default wiring: a mutating webhook is assumed to call /mutate first. */
  let svc: TestService;
  /** `--no-mutating-webhook`: what the chart runs with webhook.mutating.enabled false. */
  let validatingOnly: TestService;
  let api: ApiServerClient;
  let mutating: ApiServerClient;
  const img = {} as Record<Repo, PushedImage>;

  beforeAll(async () => {
    world = await startSigningWorld({ kind });
    const pushed = await Promise.all(REPOS.map((r) => world.push(`pin/${r}`)));
    REPOS.forEach((r, i) => (img[r] = pushed[i]!));
    for (const r of ['signed', 'lax', 'warned'] as const) await world.sign(img[r]);
    const only = (repo: Repo): string[] => [`${world.registry.host}/pin/${repo}`];
    const trustPolicy = {
      version: '1.0',
      trustPolicies: [
        statement('prod', ['*']),
        statement('lax', only('lax')),
        statement('warned', only('warned')),
        {
          name: 'mirror',
          registryScopes: only('mirror'),
          signatureVerification: { level: 'skip' },
        },
      ],
    };
    const config = path.join(makeWorkdir('pinning-config'), 'config.json');
    const policies = { lax: { mutateDigest: false }, warned: { action: 'Warn' } };
    await writeFile(config, JSON.stringify({ policies }));
    const common = { trustPolicy, trustStores: world.serviceStores };
    [svc, validatingOnly] = await Promise.all([
      startTestService({ ...common, flags: ['--config', config, ...world.serviceFlags] }),
      startTestService({
        ...common,
        flags: ['--config', config, '--no-mutating-webhook', ...world.serviceFlags],
      }),
    ]);
    api = svc.client();
    mutating = svc.client({ webhook: 'mutating' });
  });
  afterAll(async () => {
    await Promise.allSettled([svc?.close(), validatingOnly?.close()]);
    await world?.stop();
  });

  const tag = (repo: Repo): string => img[repo].tagReference;

  /** The denial of a tag /mutate did not pin (decision.ts's clause for DIGEST_REQUIRED). */
  const notPinned = (repo: Repo, policy: string, fieldPath = FIELD): string =>
    `${fieldPath} "${tag(repo)}" (${shortDigest(img[repo].digest)}): not pinned to a digest: ` +
    `policy "${policy}" has mutateDigest, and the mutating webhook did not pin this tag (it was ` +
    'not called, timed out or was overloaded); retry, or name the image by digest [DIGEST_REQUIRED]';

  function expectDenied(outcome: Outcome, clause: string): void {
    expect(outcome.kind, outcome.message).toBe('denied');
    expect(outcome.message).toBe(DENIED + clause);
  }

  /** The audit annotation of a verified image. */
  const verified = (repo: Repo, image: string, policy: string, fieldPath = FIELD): string =>
    `${fieldPath} ${image}: verified ${img[repo].digest} policy=${policy}`;

  /** Applies /mutate's JSONPatch (`replace` operations) to the review's object, as the API server does. */
  function applyPatch(
    body: AdmissionReviewBody,
    patch: unknown[] | undefined,
  ): AdmissionReviewBody {
    const object = structuredClone(body.request.object) as Json;
    for (const op of (patch ?? []) as { op: string; path: string; value: unknown }[]) {
      expect(op.op).toBe('replace');
      const keys = op.path.slice(1).split('/');
      const last = keys.pop()!;
      let node = object as Record<string, unknown>;
      for (const key of keys) node = node[key] as Record<string, unknown>;
      node[last] = op.value;
    }
    return { ...body, request: { ...body.request, object } };
  }

  /** /mutate, then /validate on what /mutate made of the object: the API server's order. */
  async function mutateThenValidate(body: AdmissionReviewBody) {
    const mutated = await mutating.review(body, { path: '/mutate' });
    expect(mutated.kind).toBe('admitted');
    return { mutated, validated: await api.review(applyPatch(body, mutated.patch)) };
  }

  /** The denial of the unsigned tag at FIELD under policy prod. */
  const unsignedClause = (): string =>
    failedClause({
      fieldPath: FIELD,
      image: tag('unsigned'),
      digest: img.unsigned.digest,
      policy: 'prod',
      reason: notFound(img.unsigned.digest),
      code: 'SIGNATURE_NOT_FOUND',
    });

  /** /mutate pins the signed tag at `patchPath` to its digest, and /validate admits the result. */
  async function expectPinnedThenAdmitted(body: AdmissionReviewBody, patchPath: string) {
    const { mutated, validated } = await mutateThenValidate(body);
    expect(mutated.patch).toEqual([
      { op: 'replace', path: patchPath, value: `${tag('signed')}@${img.signed.digest}` },
    ]);
    expect(validated.kind, validated.message).toBe('admitted');
  }

  describe('tag pinning (mutateDigest)', () => {
    describe('when a tag reference reaches /validate under mutateDigest true', () => {
      it('denies a signed tag [DIGEST_REQUIRED], saying the mutating webhook did not pin it', async () => {
        expectDenied(
          await api.review(podReview({ images: [tag('signed')] })),
          notPinned('signed', 'prod'),
        );
      });

      it('admits the same tag once /mutate has pinned it', async () => {
        const body = podReview({ images: [tag('signed')] });
        expectDenied(await api.review(body), notPinned('signed', 'prod'));
        const { mutated, validated } = await mutateThenValidate(body);
        const pinned = `${tag('signed')}@${img.signed.digest}`;
        expect(mutated.patch).toEqual([
          { op: 'replace', path: '/spec/containers/0/image', value: pinned },
        ]);
        expect(validated.kind, validated.message).toBe('admitted');
        expect(validated.response?.auditAnnotations).toEqual({
          'image-0': `${verified('signed', pinned, 'prod')} cache-hit`,
        });
      });

      it('denies an unsigned tag with its verification failure, which /mutate does not pin', async () => {
        const { mutated, validated } = await mutateThenValidate(
          podReview({ images: [tag('unsigned')] }),
        );
        expect(mutated.patch).toEqual([]);
        expectDenied(validated, unsignedClause());
      });

      it('denies the tag of a Deployment template [DIGEST_REQUIRED], and admits it once /mutate pinned it', async () => {
        const fieldPath = 'spec.template.spec.containers[0].image';
        const body = workloadReview('Deployment', { images: [tag('signed')] });
        expectDenied(await api.review(body), notPinned('signed', 'prod', fieldPath));
        await expectPinnedThenAdmitted(body, '/spec/template/spec/containers/0/image');
      });

      it('admits it under action Warn, with a DIGEST_REQUIRED warning', async () => {
        const outcome = await api.review(podReview({ images: [tag('warned')] }));
        expect(outcome.kind).toBe('admitted');
        expect(outcome.warnings).toEqual([
          `${FIELD}: not pinned to a digest [DIGEST_REQUIRED], allowed by action Warn (policy "warned")`,
        ]);
      });

      it('admits the tag of a skip statement, which is neither verified nor pinned', async () => {
        const outcome = await api.review(podReview({ images: [tag('mirror')] }));
        expect(outcome.kind, outcome.message).toBe('admitted');
        expect(outcome.response?.auditAnnotations).toEqual({
          'image-0': `${FIELD} ${tag('mirror')}: not verified: policy "mirror" skips verification`,
        });
      });
    });

    describe('when the statement has mutateDigest false', () => {
      it('resolves the tag and admits it, as before', async () => {
        const outcome = await api.review(podReview({ images: [tag('lax')] }));
        expect(outcome.kind, outcome.message).toBe('admitted');
        expect(outcome.response?.auditAnnotations?.['image-0']).toMatch(
          new RegExp(`^${escape(verified('lax', tag('lax'), 'lax'))}( cache-hit)?$`),
        );
        const mutated = await mutating.review(podReview({ images: [tag('lax')] }), {
          path: '/mutate',
        });
        expect(mutated.patch).toEqual([]);
      });
    });

    describe('when the service runs with --no-mutating-webhook', () => {
      it('resolves a tag under mutateDigest true and admits it', async () => {
        const outcome = await validatingOnly
          .client()
          .review(podReview({ images: [tag('signed')] }));
        expect(outcome.kind, outcome.message).toBe('admitted');
        expect(outcome.response?.auditAnnotations?.['image-0']).toMatch(
          new RegExp(`^${escape(verified('signed', tag('signed'), 'prod'))}( cache-hit)?$`),
        );
      });
    });
  });

  describe('UPDATE re-verification', () => {
    describe('when an UPDATE keeps an unpinned tag', () => {
      it('verifies it: an unsigned one is denied', async () => {
        const outcome = await api.review(
          podReview({ operation: 'UPDATE', images: [tag('unsigned')] }),
        );
        expectDenied(outcome, unsignedClause());
      });

      it('verifies it: a signed one is admitted, and /mutate leaves it as it runs', async () => {
        const body = podReview({ operation: 'UPDATE', images: [tag('signed')] });
        const outcome = await api.review(body);
        expect(outcome.kind, outcome.message).toBe('admitted');
        expect(outcome.response?.auditAnnotations?.['image-0']).toMatch(
          new RegExp(`^${escape(verified('signed', tag('signed'), 'prod'))}( cache-hit)?$`),
        );
        // Pinning a running container's image would restart it: an unchanged tag is not rewritten.
        expect((await mutating.review(body, { path: '/mutate' })).patch).toEqual([]);
      });
    });

    describe('when kubectl debug adds an ephemeral container with a tag the Pod already runs', () => {
      it('verifies the new container: an unsigned tag is denied', async () => {
        const body = ephemeralContainersReview({
          images: [tag('unsigned')],
          containers: [tag('unsigned')],
        });
        const fieldPath = 'spec.ephemeralContainers[0].image';
        const outcome = await api.review(body);
        expect(outcome.kind, outcome.message).toBe('denied');
        expect(outcome.message).toContain(
          failedClause({
            fieldPath,
            image: tag('unsigned'),
            digest: img.unsigned.digest,
            policy: 'prod',
            reason: notFound(img.unsigned.digest),
            code: 'SIGNATURE_NOT_FOUND',
          }),
        );
      });

      it('pins a signed one on /mutate, and /validate admits the result', async () => {
        const body = ephemeralContainersReview({
          images: [tag('signed')],
          containers: [tag('signed')],
        });
        await expectPinnedThenAdmitted(body, '/spec/ephemeralContainers/0/image');
      });
    });

    describe('when an UPDATE keeps a digest reference', () => {
      it('admits it without asking the registry', async () => {
        const before = await registryRequests(svc.service.metricsUrl);
        const outcome = await api.review(
          podReview({ operation: 'UPDATE', images: [img.unsigned.reference] }),
        );
        expect(outcome.kind, outcome.message).toBe('admitted');
        expect(await registryRequests(svc.service.metricsUrl)).toBe(before);
      });
    });
  });
});

/** A string as a literal in a RegExp. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
