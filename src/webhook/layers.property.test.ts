// Issue 17's acceptance property: over random cluster and namespace policies and outcomes, adding
// a namespace layer never turns a cluster denial into an admission (it can only add denials).
// The namespace layer is even given what its CRD forbids (onError Allow): the AND of the layers
// holds whatever it says.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIGEST, judge, type LayerVerdict } from '../../test/support/layers-judge.js';
import type { VerdictAdmission } from '../pipeline/index.js';

const CODES = {
  failed: ['SIGNATURE_NOT_FOUND', 'IDENTITY_UNTRUSTED', 'REFERRER_NOT_FOUND', 'DIGEST_REQUIRED'],
  inconclusive: ['REGISTRY_UNAVAILABLE', 'TIMEOUT', 'INTERNAL_ERROR'],
};

const admission = (policy: string) =>
  fc.record({
    policy: fc.constant(policy),
    action: fc.constantFrom('Deny', 'Warn', 'Audit'),
    onError: fc.constantFrom('Deny', 'Allow'),
  }) as fc.Arbitrary<VerdictAdmission>;

/** One layer's verdict under a policy named `policy`, as the pipeline can give it. */
const layerVerdict = (policy: string): fc.Arbitrary<LayerVerdict> =>
  fc.oneof(
    fc.record({
      kind: fc.constant('verified' as const),
      digest: fc.constant(DIGEST),
      admission: admission(policy),
      logged: fc.array(fc.constantFrom('expiry [SIGNATURE_EXPIRED]', 'revocation'), {
        maxLength: 2,
      }),
      cached: fc.boolean(),
    }),
    fc.record(
      {
        kind: fc.constant('failed' as const),
        digest: fc.constant(DIGEST),
        admission: admission(policy),
        code: fc.constantFrom(...CODES.failed),
        reason: fc.constant('it failed'),
      },
      { requiredKeys: ['kind', 'admission', 'code', 'reason'] },
    ),
    fc.record(
      {
        kind: fc.constant('inconclusive' as const),
        digest: fc.constant(DIGEST),
        admission: admission(policy),
        code: fc.constantFrom(...CODES.inconclusive),
        reason: fc.constant('the registry did not answer'),
      },
      { requiredKeys: ['kind', 'admission', 'code', 'reason'] },
    ),
    // level skip
    fc.record({ kind: fc.constant('skipped' as const), admission: admission(policy) }),
  );

/** No cluster policy governs the image: --no-match decides. */
const noMatch: fc.Arbitrary<LayerVerdict> = fc
  .constantFrom('Deny', 'Warn', 'Allow')
  .map((m): LayerVerdict =>
    m === 'Allow'
      ? { kind: 'skipped', admission: { policy: '(none)', action: 'Audit', onError: 'Deny' } }
      : {
          kind: 'failed',
          admission: { policy: '(none)', action: m, onError: 'Deny' },
          code: 'NO_APPLICABLE_POLICY',
          reason: 'no trust policy applies',
        },
  );

const clusterLayer = fc.oneof(layerVerdict('prod'), noMatch);
const namespaceLayer = fc.oneof(
  layerVerdict('team-a/signer'),
  // No NamespaceTrustPolicy governs the image.
  fc.constant<LayerVerdict>({
    kind: 'skipped',
    admission: { policy: '(none)', action: 'Audit', onError: 'Deny' },
  }),
);

describe('the namespace layer', () => {
  describe('when added to any cluster layer', () => {
    it('never turns a cluster denial into an admission (2,000 random combinations)', async () => {
      await fc.assert(
        fc.asyncProperty(clusterLayer, namespaceLayer, async (cluster, namespace) => {
          const alone = await judge(cluster);
          const both = await judge(cluster, namespace);
          if (!alone.decision.allowed) {
            expect(both.decision.allowed).toBe(false);
            // And the denial is still the cluster policy's, word for word.
            expect(both.decision.message).toBe(alone.decision.message);
          }
        }),
        { numRuns: 2_000 },
      );
    });

    it('never removes a warning of the cluster layer from an admission', async () => {
      await fc.assert(
        fc.asyncProperty(clusterLayer, namespaceLayer, async (cluster, namespace) => {
          const alone = await judge(cluster);
          const both = await judge(cluster, namespace);
          if (both.decision.allowed)
            for (const w of alone.decision.warnings) expect(both.decision.warnings).toContain(w);
        }),
        { numRuns: 1_000 },
      );
    });
  });
});
