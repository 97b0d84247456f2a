// docs/policy-reference.md, "How the layers combine": one test per row of the decision table,
// named after it. Each judges one image as the service does (cluster layer, namespace layer
// through withNamespaceLayer, exceptions, decide) from the layers' verdicts.
import { describe, expect, it } from 'vitest';
import {
  DIGEST,
  exceptionFor,
  judge,
  NOW,
  type LayerVerdict,
} from '../../test/support/layers-judge.js';
import type { VerdictAdmission } from '../pipeline/index.js';

const cluster = (over: Partial<VerdictAdmission> = {}): VerdictAdmission => ({
  policy: 'prod',
  action: 'Deny',
  onError: 'Deny',
  ...over,
});
const team = (over: Partial<VerdictAdmission> = {}): VerdictAdmission => ({
  policy: 'team-a/signer',
  action: 'Deny',
  onError: 'Deny',
  ...over,
});
const verified = (admission: VerdictAdmission): LayerVerdict => ({
  kind: 'verified',
  digest: DIGEST,
  admission,
  logged: [],
});
const failed = (admission: VerdictAdmission, code = 'SIGNATURE_NOT_FOUND'): LayerVerdict => ({
  kind: 'failed',
  digest: DIGEST,
  admission,
  code,
  reason: 'no signature is associated with the image',
});
const inconclusive = (
  admission: VerdictAdmission,
  code = 'REGISTRY_UNAVAILABLE',
): LayerVerdict => ({
  kind: 'inconclusive',
  digest: DIGEST,
  admission,
  code,
  reason: 'the registry did not answer',
});
const noPolicy = (noMatch: 'Deny' | 'Warn' | 'Allow'): LayerVerdict =>
  noMatch === 'Allow'
    ? { kind: 'skipped', admission: { policy: '(none)', action: 'Audit', onError: 'Deny' } }
    : {
        kind: 'failed',
        admission: { policy: '(none)', action: noMatch, onError: 'Deny' },
        code: 'NO_APPLICABLE_POLICY',
        reason: 'no trust policy applies to registry.example.com/team/app',
      };
const skipped: LayerVerdict = { kind: 'skipped', admission: cluster({ action: 'Deny' }) };
const teamSilent: LayerVerdict = {
  kind: 'skipped',
  admission: { policy: '(none)', action: 'Audit', onError: 'Deny' },
};

describe('the decision table (docs/policy-reference.md)', () => {
  describe('when the namespace has no layer of its own', () => {
    it('row 1: cluster verified → admitted, audit names the policy', async () => {
      const { decision } = await judge(verified(cluster()));
      expect(decision.allowed).toBe(true);
      expect(decision.auditAnnotations['image-0']).toContain(`verified ${DIGEST} policy=prod`);
    });

    it('row 2: cluster failed under action Deny → denied, naming the cluster policy', async () => {
      const { decision } = await judge(failed(cluster()));
      expect(decision.allowed).toBe(false);
      expect(decision.message).toContain('signature not trusted by policy "prod"');
    });

    it('row 3: cluster failed under action Warn → admitted with a warning', async () => {
      const { decision } = await judge(failed(cluster({ action: 'Warn' })));
      expect(decision.allowed).toBe(true);
      expect(decision.warnings).toEqual([
        'spec.containers[0].image: not verified [SIGNATURE_NOT_FOUND], allowed by action Warn (policy "prod")',
      ]);
    });

    it('row 4: cluster failed under action Audit → admitted, an audit note only', async () => {
      const { decision } = await judge(failed(cluster({ action: 'Audit' })));
      expect(decision.allowed).toBe(true);
      expect(decision.warnings).toEqual([]);
      expect(decision.auditAnnotations['image-0']).toContain('audited:');
    });

    it('row 5: cluster inconclusive under onError Deny → denied, could not verify', async () => {
      const { decision } = await judge(inconclusive(cluster()));
      expect(decision.allowed).toBe(false);
      expect(decision.message).toContain('could not verify under policy "prod"');
    });

    it('row 6: cluster inconclusive under onError Allow → admitted with a warning', async () => {
      const { decision } = await judge(inconclusive(cluster({ onError: 'Allow' })));
      expect(decision.allowed).toBe(true);
      expect(decision.warnings[0]).toContain('allowed by onError');
    });

    it('row 7: a bug (INTERNAL_ERROR) under onError Allow → denied', async () => {
      const { decision } = await judge(
        inconclusive(cluster({ onError: 'Allow' }), 'INTERNAL_ERROR'),
      );
      expect(decision.allowed).toBe(false);
    });

    it('row 8: no cluster policy, --no-match Deny → denied [NO_APPLICABLE_POLICY]', async () => {
      const { decision } = await judge(noPolicy('Deny'));
      expect(decision.allowed).toBe(false);
      expect(decision.message).toContain('[NO_APPLICABLE_POLICY]');
    });

    it('row 9: no cluster policy, --no-match Warn → admitted with a warning', async () => {
      const { decision } = await judge(noPolicy('Warn'));
      expect(decision.allowed).toBe(true);
      expect(decision.warnings).toHaveLength(1);
    });
  });

  describe('when the namespace has a layer (NamespaceTrustPolicies)', () => {
    it('row 10: cluster denies → denied by the cluster policy; the team layer is not asked', async () => {
      const { decision, namespaceAsked } = await judge(failed(cluster()), verified(team()));
      expect(decision.allowed).toBe(false);
      expect(decision.message).toContain('by policy "prod"');
      expect(namespaceAsked).toBe(false);
    });

    it('row 11: no cluster policy, --no-match Deny → denied whatever the team layer says', async () => {
      const { decision } = await judge(noPolicy('Deny'), verified(team()));
      expect(decision.allowed).toBe(false);
      expect(decision.message).toContain('[NO_APPLICABLE_POLICY]');
    });

    it('row 12: both verified → admitted, the audit names both policies', async () => {
      const { decision } = await judge(verified(cluster()), verified(team()));
      expect(decision.allowed).toBe(true);
      expect(decision.auditAnnotations['image-0']).toContain(
        `policy=prod; verified ${DIGEST} namespace-policy=team-a/signer`,
      );
    });

    it('row 13: team layer governs nothing here → the cluster verdict alone', async () => {
      const { decision } = await judge(verified(cluster()), teamSilent);
      expect(decision.allowed).toBe(true);
      expect(decision.auditAnnotations['image-0']).not.toContain('namespace');
    });

    it('row 14: cluster verified, team failed under Deny → denied, naming the namespace policy', async () => {
      const { decision } = await judge(verified(cluster()), failed(team(), 'IDENTITY_UNTRUSTED'));
      expect(decision.allowed).toBe(false);
      expect(decision.message).toContain(
        'signature not trusted by namespace policy "team-a/signer"',
      );
      expect(decision.message).toContain('[IDENTITY_UNTRUSTED]');
    });

    it('row 15: cluster verified, team failed under Warn → admitted with the team warning', async () => {
      const { decision } = await judge(verified(cluster()), failed(team({ action: 'Warn' })));
      expect(decision.allowed).toBe(true);
      expect(decision.warnings[0]).toContain('(namespace policy "team-a/signer")');
    });

    it('row 16: cluster verified, team failed under Audit → admitted, an audit note only', async () => {
      const { decision } = await judge(verified(cluster()), failed(team({ action: 'Audit' })));
      expect(decision.allowed).toBe(true);
      expect(decision.warnings).toEqual([]);
      expect(decision.auditAnnotations['image-0']).toContain('audited:');
    });

    it('row 17: cluster admitted by onError Allow, team inconclusive → denied (a team never allows on error)', async () => {
      const { decision } = await judge(
        inconclusive(cluster({ onError: 'Allow' })),
        inconclusive(team()),
      );
      expect(decision.allowed).toBe(false);
      expect(decision.message).toContain('could not verify under namespace policy "team-a/signer"');
    });

    it('row 18: cluster failed under Warn, team verified → admitted with the cluster warning', async () => {
      const { decision } = await judge(failed(cluster({ action: 'Warn' })), verified(team()));
      expect(decision.allowed).toBe(true);
      expect(decision.warnings[0]).toContain('allowed by action Warn (policy "prod")');
    });

    it('row 19: no cluster policy under --no-match Allow (or level skip), team verified → admitted, the team layer on top', async () => {
      for (const c of [noPolicy('Allow'), skipped]) {
        const { decision, verdict } = await judge(c, verified(team()));
        expect(decision.allowed).toBe(true);
        expect(verdict.layer).toBe('namespace');
      }
    });

    it('row 20: no cluster policy under --no-match Allow, team failed → denied by the namespace policy', async () => {
      const { decision } = await judge(noPolicy('Allow'), failed(team()));
      expect(decision.allowed).toBe(false);
      expect(decision.message).toContain('namespace policy "team-a/signer"');
    });

    it('row 21: team policy not Ready → denied [POLICY_NOT_READY], naming the NamespaceTrustPolicy', async () => {
      const { decision } = await judge(verified(cluster()), {
        kind: 'failed',
        admission: team(),
        code: 'POLICY_NOT_READY',
        reason: 'NamespaceTrustPolicy "team-a/signer" applies to this image but is not Ready (…)',
      });
      expect(decision.allowed).toBe(false);
      expect(decision.message).toContain('NamespaceTrustPolicy "team-a/signer" applies');
    });
  });

  describe('when a TrustPolicyException names the image', () => {
    it('row 22: a denial, exception in force and covering the Pod → admitted with a warning and an annotation naming it', async () => {
      const { decision, verdict } = await judge(failed(cluster()), undefined, [exceptionFor()]);
      expect(decision.allowed).toBe(true);
      expect(decision.warnings[0]).toContain('admitted by TrustPolicyException team-a/hotfix');
      expect(decision.auditAnnotations['exception-0']).toBe('team-a/hotfix');
      expect(verdict.exception?.name).toBe('hotfix');
    });

    it('row 23: a team-layer denial, exception in force → admitted too', async () => {
      const { decision } = await judge(verified(cluster()), failed(team()), [exceptionFor()]);
      expect(decision.allowed).toBe(true);
    });

    it('row 24: exception expired (now ≥ expiresAt) → denied as without it', async () => {
      const { decision } = await judge(failed(cluster()), undefined, [exceptionFor(NOW)]);
      expect(decision.allowed).toBe(false);
    });

    it('row 25: exception whose podSelector does not cover the Pod → denied as without it', async () => {
      const only = exceptionFor(NOW + 1_000, (labels) => labels['app'] === 'web');
      expect(
        (await judge(failed(cluster()), undefined, [only], { app: 'api' })).decision.allowed,
      ).toBe(false);
      expect(
        (await judge(failed(cluster()), undefined, [only], { app: 'web' })).decision.allowed,
      ).toBe(true);
    });

    it('row 26: an admitted image → the exception is not used (no warning)', async () => {
      const { decision, verdict } = await judge(verified(cluster()), undefined, [exceptionFor()]);
      expect(decision.warnings).toEqual([]);
      expect(verdict.exception).toBeUndefined();
    });
  });
});
