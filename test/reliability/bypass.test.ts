// Issue 13's adversarial acceptance: junk referrers never stand in for a signature. For every
// action × onError on both harness registries, an unsigned image carrying one kind of junk
// referrer is denied under action Deny — whatever onError says, since the registry did answer
// (architecture.md, decision 3) — and admitted under Warn or Audit only with the warning or audit
// annotation naming the failure. A signed image beside every kind of junk is still admitted.
// One service per registry; one statement per action × onError, scoping its own repositories.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PushedImage } from '../harness/index.js';
import { attachJunkReferrers, junkKindsFor, type JunkKind } from '../harness/junk-referrers.js';
import { makeWorkdir } from '../harness/workdir.js';
import {
  startSigningWorld,
  statement,
  type SigningWorld,
} from '../integration/webhook/fixtures.js';
import type { ApiServerClient, Outcome } from '../support/api-server.js';
import { podReview } from '../support/reviews.js';
import { startTestService, type TestService } from '../support/service.js';

const FIELD = 'spec.containers[0].image';
const COMBOS = (['Deny', 'Warn', 'Audit'] as const).flatMap((action) =>
  (['Deny', 'Allow'] as const).map((onError) => ({
    action,
    onError,
    name: `${action.toLowerCase()}-${onError.toLowerCase()}`,
  })),
);
type Combo = (typeof COMBOS)[number];

/** Why an unsigned image with this junk fails: a content failure, or no signature listed at all. */
function expectedCode(kind: JunkKind, referrersApi: boolean): string {
  if (kind === 'unparsable-envelope') return 'ENVELOPE_MALFORMED';
  // The referrers API lists a manifest under its own subject only: not under this image.
  if (kind === 'wrong-subject' && referrersApi) return 'SIGNATURE_NOT_FOUND';
  return 'SIGNATURE_ARTIFACT_INVALID';
}

describe.each(['olareg', 'distribution'] as const)('bypass (service) on %s', (registryKind) => {
  const referrersApi = registryKind === 'olareg';
  const kinds = junkKindsFor(referrersApi);
  let world: SigningWorld;
  let svc: TestService;
  let api: ApiServerClient;
  const images = new Map<string, PushedImage>();
  const repo = (combo: string, name: string): string => `bypass/${combo}/${name}`;

  const withJunk = async (repository: string, junk: readonly JunkKind[]): Promise<void> => {
    const image = await world.push(repository);
    images.set(repository, image);
    await attachJunkReferrers(world.registry, {
      repository,
      subject: image,
      kinds: junk,
      referrersApi,
    });
  };

  beforeAll(async () => {
    world = await startSigningWorld({ kind: registryKind });
    const host = world.registry.host;
    const names = [...kinds, 'signed'];
    for (const combo of [...COMBOS.map((c) => c.name), 'skipped']) {
      for (const kind of kinds) await withJunk(repo(combo, kind), [kind]);
      await withJunk(
        repo(combo, 'signed'),
        kinds.filter((k) => k !== 'missing-manifest'),
      );
    }
    for (const c of COMBOS) {
      const signed = images.get(repo(c.name, 'signed'))!;
      await world.sign(signed);
      // notation rewrites the tag-schema index, which it refuses to do over a deleted manifest.
      if (kinds.includes('missing-manifest'))
        await attachJunkReferrers(world.registry, {
          repository: signed.repository,
          subject: signed,
          kinds: ['missing-manifest'],
          referrersApi,
        });
    }

    const scopes = (combo: string): string[] => names.map((n) => `${host}/${repo(combo, n)}`);
    const policies = Object.fromEntries(
      COMBOS.map((c) => [c.name, { action: c.action, onError: c.onError }]),
    );
    const config = path.join(makeWorkdir('bypass'), 'config.json');
    await writeFile(config, JSON.stringify({ policies }));
    svc = await startTestService({
      trustPolicy: {
        version: '1.0',
        trustPolicies: [
          ...COMBOS.map((c) => statement(c.name, scopes(c.name))),
          {
            name: 'skipped',
            registryScopes: scopes('skipped'),
            signatureVerification: { level: 'skip' },
          },
        ],
      },
      trustStores: world.serviceStores,
      flags: ['--config', config, ...world.serviceFlags],
    });
    api = svc.client();
  });
  afterAll(async () => {
    await svc?.close();
    await world?.stop();
  });

  const review = (repository: string): Promise<Outcome> =>
    api.review(podReview({ images: [images.get(repository)!.reference] }));

  /** Nothing in the answer may say the failure was let through as inconclusive. */
  const neverOnError = (o: Outcome): void => {
    const said = JSON.stringify([o.message, o.warnings, o.response?.auditAnnotations]);
    expect(said).not.toMatch(/allowed by onError|could not verify|inconclusive/);
  };

  describe.each(COMBOS)('when action is $action and onError is $onError', (c: Combo) => {
    it.each(kinds)(
      'never admits an unsigned image with a %s referrer unannounced',
      async (kind) => {
        const code = expectedCode(kind, referrersApi);
        const repository = repo(c.name, kind);
        const o = await review(repository);
        neverOnError(o);
        if (c.action === 'Deny') {
          expect(o.kind).toBe('denied');
          expect(o.message).toContain(`signature not trusted by policy "${c.name}"`);
          expect(o.message).toMatch(new RegExp(`\\[${code}\\]$`));
          return;
        }
        expect(o.kind).toBe('admitted');
        // `<field> <image>: warned|audited: <the denial clause it would have been>`.
        const head = `${FIELD} ${images.get(repository)!.reference}: `;
        const audit = o.response?.auditAnnotations?.['image-0'] ?? '';
        if (c.action === 'Warn') {
          expect(o.warnings).toEqual([
            `${FIELD}: not verified [${code}], allowed by action Warn (policy "${c.name}")`,
          ]);
          expect(audit.startsWith(`${head}warned: `)).toBe(true);
          expect(audit).toMatch(new RegExp(`\\[${code}\\]$`));
        } else {
          expect(o.warnings).toEqual([]);
          expect(audit.startsWith(`${head}audited: `)).toBe(true);
          expect(audit).toMatch(new RegExp(`\\[${code}\\]$`));
        }
      },
    );

    it('admits a signed image beside every kind of junk referrer', async () => {
      const signed = images.get(repo(c.name, 'signed'))!;
      const o = await review(repo(c.name, 'signed'));
      expect(o.message).toBeUndefined();
      expect(o.kind).toBe('admitted');
      expect(o.warnings).toEqual([]);
      expect(o.response?.auditAnnotations).toEqual({
        'image-0': `${FIELD} ${signed.reference}: verified ${signed.digest} policy=${c.name}`,
      });
    });
  });

  describe('when the policy is skip', () => {
    it.each(kinds)(
      'admits an image with a %s referrer, saying it was not verified',
      async (kind) => {
        const o = await review(repo('skipped', kind));
        expect(o.kind).toBe('admitted');
        expect(o.response?.auditAnnotations?.['image-0']).toMatch(
          /: not verified: policy "skipped" skips verification$/,
        );
      },
    );
  });
});
