import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { issueCa, issueServing, type PemPair } from './authority.js';
import { createServingSwitch, placeholderTls, trustedBy } from './memory-pair.js';
import type { TlsReloadResult } from './reloader.js';
import type { ServingTls } from './serving-tls.js';

const NOW = new Date();
const DAY = 86_400_000;
const NAMES = ['na.na-system.svc', '127.0.0.1'];

async function pairUnder(ca: PemPair, days = 30): Promise<PemPair> {
  return issueServing({
    ca,
    names: NAMES,
    now: NOW,
    notAfter: new Date(NOW.getTime() + days * DAY),
  });
}

describe('createServingSwitch', () => {
  async function setup() {
    const current = await placeholderTls(NAMES);
    const applied: ServingTls[] = [];
    const reloads: TlsReloadResult[] = [];
    const served = createServingSwitch({
      current,
      origin: 'Secret na-system/na-tls',
      apply: (next) => applied.push(next),
      onReload: (r) => reloads.push(r),
    });
    return { served, applied, reloads, ca: await issueCa({ now: NOW, validityMs: 365 * DAY }) };
  }

  describe('when offered a valid pair', () => {
    it('returns ok and serves it', async () => {
      const { served, applied, reloads, ca } = await setup();
      const pair = await pairUnder(ca);
      expect(served.offer(pair.cert, pair.key)).toMatchObject({ ok: true });
      expect(applied.map((t) => t.cert)).toEqual([pair.cert]);
      expect(served.current.cert).toBe(pair.cert);
      expect(reloads).toHaveLength(1);
    });
  });

  describe('when offered the pair it serves', () => {
    it('returns undefined and applies nothing', async () => {
      const { served, applied, ca } = await setup();
      const pair = await pairUnder(ca);
      served.offer(pair.cert, pair.key);
      expect(served.offer(pair.cert, pair.key)).toBeUndefined();
      expect(applied).toHaveLength(1);
    });
  });

  describe('when offered a key of another certificate', () => {
    it('returns TLS_INVALID naming the Secret, and keeps serving the old pair', async () => {
      const { served, applied, ca } = await setup();
      const [a, b] = [await pairUnder(ca), await pairUnder(ca)];
      served.offer(a.cert, a.key);
      const result = served.offer(a.cert, b.key);
      expect(result).toMatchObject({ ok: false, error: { code: 'TLS_INVALID' } });
      expect(result?.ok === false && result.error.message).toContain('Secret na-system/na-tls');
      expect(result?.ok === false && result.error.message).not.toContain('PRIVATE KEY');
      expect(served.current.cert).toBe(a.cert);
      expect(applied).toHaveLength(1);
    });
  });

  describe('when apply throws (OpenSSL refuses the pair)', () => {
    it('returns an error and keeps the old pair', async () => {
      const current = await placeholderTls(NAMES);
      const served = createServingSwitch({
        current,
        origin: 'Secret x/y',
        apply: () => {
          throw new Error('key values mismatch');
        },
      });
      const pair = await pairUnder(await issueCa({ now: NOW, validityMs: DAY * 365 }));
      expect(served.offer(pair.cert, pair.key)).toMatchObject({ ok: false });
      expect(served.current).toBe(current);
    });
  });
});

describe('placeholderTls', () => {
  describe('when created', () => {
    it('returns a pair for the names that no bundle trusts (its CA is gone)', async () => {
      const tls = await placeholderTls(NAMES);
      expect(tls.leaf.dnsNames).toEqual(['na.na-system.svc']);
      expect(new X509Certificate(tls.cert).ca).toBe(false);
    });
  });
});

describe('trustedBy', () => {
  describe('when the bundle holds the issuer among others', () => {
    it('returns true; false for a bundle without it, an empty one, or an expired CA', async () => {
      const [ca, other] = await Promise.all(
        [1, 2].map(() => issueCa({ now: NOW, validityMs: 365 * DAY })),
      );
      const leaf = await pairUnder(ca!);
      expect(trustedBy(leaf.cert, `${other!.cert}${ca!.cert}`)).toBe(true);
      expect(trustedBy(leaf.cert, other!.cert)).toBe(false);
      expect(trustedBy(leaf.cert, '')).toBe(false);
      expect(trustedBy(leaf.cert, ca!.cert, new Date(NOW.getTime() + 400 * DAY))).toBe(false);
    });
  });
});
