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
