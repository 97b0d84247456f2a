import { describe, expect, it } from 'vitest';
import { decide, type ImageVerdict, type PolicyAdmission } from './decision.js';

const DIGEST = `sha256:3f1c${'0'.repeat(60)}`;
const api = { fieldPath: 'spec.containers[0].image', image: 'ghcr.io/acme/api:1.4' };
const web = { fieldPath: 'spec.containers[1].image', image: 'ghcr.io/acme/web:2' };
const prod = (over: Partial<PolicyAdmission> = {}): PolicyAdmission => ({
  policy: 'prod',
  action: 'Deny',
  onError: 'Deny',
  mutateDigest: true,
  ...over,
});
const untrusted = (admission: PolicyAdmission): ImageVerdict => ({
  kind: 'failed',
  image: api,
  digest: DIGEST,
  admission,
  code: 'IDENTITY_UNTRUSTED',
  reason: 'signer CN=ci,O=Acme not in trustedIdentities',
});

describe('decide', () => {
  describe('when every image is verified', () => {
    it('allows, with an audit annotation naming digest and policy', () => {
      const d = decide([
        { kind: 'verified', image: api, digest: DIGEST, admission: prod(), logged: [] },
      ]);
      expect(d).toEqual({
        allowed: true,
        warnings: [],
        auditAnnotations: {
          'image-0': `spec.containers[0].image ghcr.io/acme/api:1.4: verified ${DIGEST} policy=prod`,
        },
      });
    });

    it('turns validations the level only logged into a warning', () => {
      const d = decide([
        { kind: 'verified', image: api, digest: DIGEST, admission: prod(), logged: ['expiry'] },
      ]);
      expect(d.allowed).toBe(true);
      expect(d.warnings).toEqual([
        'spec.containers[0].image: verified with logged failures: expiry (policy "prod")',
      ]);
    });
  });

  describe('when an image fails definitively', () => {
    it('denies under Deny with the documented message format', () => {
      const d = decide([untrusted(prod())]);
      expect(d.allowed).toBe(false);
      expect(d.message).toBe(
        'spec.containers[0].image "ghcr.io/acme/api:1.4" (sha256:3f1c00000000…): signature not trusted by policy "prod" — signer CN=ci,O=Acme not in trustedIdentities [IDENTITY_UNTRUSTED]',
      );
    });

    it('allows with a warning under Warn, and silently with an annotation under Audit', () => {
      const warn = decide([untrusted(prod({ action: 'Warn' }))]);
      expect(warn.allowed).toBe(true);
      expect(warn.warnings).toEqual([
        'spec.containers[0].image: not verified [IDENTITY_UNTRUSTED], allowed by action Warn (policy "prod")',
      ]);
      expect(warn.auditAnnotations['image-0']).toContain('CN=ci,O=Acme not in trustedIdentities');
      const audit = decide([untrusted(prod({ action: 'Audit' }))]);
      expect(audit).toMatchObject({ allowed: true, warnings: [] });
      expect(audit.auditAnnotations['image-0']).toMatch(
        /audited: .*signer CN=ci,O=Acme not in trustedIdentities \[IDENTITY_UNTRUSTED\]/,
      );
    });

    it('joins one clause per denied image with "; "', () => {
      const other: ImageVerdict = {
        kind: 'failed',
        image: web,
        admission: prod(),
        code: 'SIGNATURE_NOT_FOUND',
        reason: 'no signature is associated with the image',
      };
      const d = decide([untrusted(prod()), other]);
      expect(d.message?.split('; ')).toHaveLength(2);
      expect(d.message).toContain('spec.containers[1].image "ghcr.io/acme/web:2" (digest unknown)');
    });
  });

  describe('when the code is about the policy or the reference, not a signature', () => {
    it('denies a policy that is not Ready with its own reason only [POLICY_NOT_READY]', () => {
      const d = decide([
        {
          kind: 'failed',
          image: api,
          admission: prod({ policy: 'orphan' }),
          code: 'POLICY_NOT_READY',
          reason:
            'TrustPolicy "orphan" applies to this image but is not Ready (TrustStoreNotFound)',
        },
      ]);
      expect(d.message).toBe(
        'spec.containers[0].image "ghcr.io/acme/api:1.4" (digest unknown): TrustPolicy "orphan" applies to this image but is not Ready (TrustStoreNotFound) [POLICY_NOT_READY]',
      );
    });

    it('warns of an unpinned tag under Warn as not pinned, not as not verified', () => {
      const d = decide([
        {
          kind: 'failed',
          image: api,
          digest: DIGEST,
          admission: prod({ action: 'Warn' }),
          code: 'DIGEST_REQUIRED',
          reason: 'not pinned to a digest: …',
        },
      ]);
      expect(d.warnings).toEqual([
        'spec.containers[0].image: not pinned to a digest [DIGEST_REQUIRED], allowed by action Warn (policy "prod")',
      ]);
    });
  });

  describe('when verification was inconclusive', () => {
    const timeout = (onError: 'Deny' | 'Allow'): ImageVerdict => ({
      kind: 'inconclusive',
      image: api,
      admission: prod({ onError }),
      code: 'TIMEOUT',
      reason: 'registry timeout',
    });

    it('denies by default, saying it could not verify', () => {
      const d = decide([timeout('Deny')]);
      expect(d.allowed).toBe(false);
      expect(d.message).toContain(
        'could not verify under policy "prod" — registry timeout [TIMEOUT]',
      );
    });

    it('allows with a warning when the policy says onError: Allow', () => {
      const d = decide([timeout('Allow')]);
      expect(d.allowed).toBe(true);
      expect(d.warnings[0]).toMatch(/could not verify/);
    });

    it('denies an internal error even under onError: Allow (a bug is no registry outage)', () => {
      const d = decide([
        {
          kind: 'inconclusive',
          image: api,
          admission: prod({ onError: 'Allow' }),
          code: 'INTERNAL_ERROR',
          reason: 'verification failed unexpectedly (see the webhook logs)',
        },
      ]);
      expect(d).toMatchObject({
        allowed: false,
        message:
          'spec.containers[0].image "ghcr.io/acme/api:1.4" (digest unknown): not verified under ' +
          'policy "prod" — verification failed unexpectedly (see the webhook logs) [INTERNAL_ERROR]',
      });
    });
  });

  describe('when our own address rules refused the registry', () => {
    it('denies it as a definitive failure, naming the rule', () => {
      const d = decide([
        {
          kind: 'failed',
          image: api,
          admission: prod({ onError: 'Allow' }),
          code: 'NOT_ALLOWED',
          reason: 'registry not allowed: 10.0.0.5 is a private address',
        },
      ]);
      expect(d.allowed).toBe(false);
      expect(d.message).toContain(
        'not verified under policy "prod" — registry not allowed: 10.0.0.5 is a private address [NOT_ALLOWED]',
      );
    });
  });

  describe('when a field path could not be read', () => {
    it('denies it, whatever else passed', () => {
      const d = decide(
        [{ kind: 'verified', image: api, digest: DIGEST, admission: prod(), logged: [] }],
        ['spec.containers[1].image'],
      );
      expect(d).toMatchObject({
        allowed: false,
        message: 'spec.containers[1].image: no image reference can be read here [IMAGE_UNREADABLE]',
      });
    });
  });

  describe('when there are many warnings', () => {
    it('T-09 keeps each within 120 characters and all under 4 KiB', () => {
      const long = Array.from({ length: 80 }, (_, i): ImageVerdict => ({
        kind: 'failed',
        image: {
          fieldPath: `spec.containers[${i}].image`,
          image: `registry.example/${'x'.repeat(200)}:${i}`,
        },
        admission: prod({ action: 'Warn' }),
        code: 'SIGNATURE_NOT_FOUND',
        reason: 'no signature',
      }));
      const d = decide(long);
      expect(d.warnings.every((w) => w.length <= 120)).toBe(true);
      expect(d.warnings.join('').length).toBeLessThanOrEqual(4 * 1024 + 100);
      expect(d.warnings.at(-1)).toMatch(/more warnings not shown$/);
    });
  });
});
