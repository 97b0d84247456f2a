import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { LruVerdictCache } from '../cache/index.js';
import type { PolicyAdmission, Snapshot } from '../config/snapshot.types.js';
import { RegistryError, type ImageReference } from '../registry/index.js';
import {
  createTrustStore,
  parseTrustPolicyDocument,
  type Descriptor,
  type TrustStore,
} from '../verify/index.js';
import { countingAbortControllers } from '../../test/support/abort-controllers.js';
import { makeChain, type Chain } from '../../test/support/certs.js';
import { signJws } from '../../test/support/envelopes.js';
import { podReview, deleteReview } from '../../test/support/reviews.js';
import { createImageVerifier, type CachedVerdict, type ImageRegistry } from '../pipeline/index.js';
import { createReviewHandler, type ReviewLogger, type ReviewReply } from './review.js';

const REG = 'registry.test';
const digestOf = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const manifest = (digest: string): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest,
  size: 500,
});

/** An in-memory registry port: tags, signatures per digest, failure switches, call counts. */
class FakeRegistry implements ImageRegistry {
  tags = new Map<string, string>();
  signatures = new Map<string, Uint8Array[]>();
  calls = { resolve: 0, list: 0 };
  fail: RegistryError | undefined;
  stall = false;

  async #wait(signal: AbortSignal | undefined): Promise<void> {
    if (this.fail) throw this.fail;
    if (!this.stall) return;
    await sleep(60_000, undefined, { signal }).catch(() => {
      throw new RegistryError('TIMEOUT', 'registry timeout: stalled');
    });
  }

  resolve: ImageRegistry['resolve'] = async (ref: ImageReference, options = {}) => {
    this.calls.resolve++;
    await this.#wait(options.signal);
    const digest = this.tags.get(`${ref.repository}:${ref.tag}`);
    if (!digest) throw new RegistryError('MANIFEST_UNKNOWN', `no tag ${ref.tag}`);
    return manifest(digest);
  };

  signatureCandidates: ImageRegistry['signatureCandidates'] = async (
    _ref,
    artifact,
    options = {},
  ) => {
    this.calls.list++;
    await this.#wait(options.signal);
    const digest = typeof artifact === 'string' ? artifact : artifact.digest;
    return (this.signatures.get(digest) ?? []).map((bytes, i) => ({
      digest: digestOf(0xf000 + i),
      descriptor: {} as never,
      load: () =>
        Promise.resolve({ mediaType: 'application/jose+json', bytes, subject: manifest(digest) }),
    }));
  };
}

function snapshotOf(
  policies: unknown[],
  stores: TrustStore[],
  admission: Record<string, Partial<PolicyAdmission>> = {},
): Snapshot {
  const document = parseTrustPolicyDocument({ version: '1.0', trustPolicies: policies });
  return {
    revision: 'r1',
    source: 'test',
    documentFor: () => document,
    trustStores: new Map(stores.map((s) => [`${s.type}:${s.name}`, s])),
    admission: (policy) => ({
      policy,
      action: 'Deny',
      onError: 'Deny',
      mutateDigest: true,
      ...admission[policy],
    }),
    noMatch: 'Deny',
  };
}

const strict = (name: string, scopes: string[], level = 'strict') =>
  level === 'skip'
    ? { name, registryScopes: scopes, signatureVerification: { level } }
    : {
        name,
        registryScopes: scopes,
        signatureVerification: { level },
        trustStores: ['ca:acme'],
        trustedIdentities: ['*'],
      };

let chain: Chain;
let store: TrustStore;

beforeAll(async () => {
  chain = await makeChain({ key: 'ec-p256', levels: 2 });
  store = createTrustStore({ type: 'ca', name: 'acme', certificates: [chain.root.pem] });
});

/** `prod` with mutateDigest false: /validate resolves its tags (no pinning demanded). */
const lax = (): Snapshot =>
  snapshotOf([strict('prod', [`${REG}/app`])], [store], { prod: { mutateDigest: false } });

/** The caller going away, as app.ts reports a closed connection, driven by `signal`. */
const whenAborted =
  (signal: AbortSignal) =>
  (gone: () => void): (() => void) => {
    if (signal.aborted) {
      gone();
      return () => undefined;
    }
    signal.addEventListener('abort', gone, { once: true });
    return () => signal.removeEventListener('abort', gone);
  };

function setup(
  snapshot?: Snapshot,
  options: {
    timeout?: string;
    mutatingWebhook?: boolean;
    namespaceLabels?: Parameters<typeof createReviewHandler>[0]['namespaceLabels'];
    log?: ReviewLogger;
  } = {},
): {
  registry: FakeRegistry;
  review: (
    body: unknown,
    webhook?: 'validate' | 'mutate',
    signal?: AbortSignal,
  ) => Promise<ReviewReply>;
  cache: LruVerdictCache<CachedVerdict>;
} {
  const registry = new FakeRegistry();
  const cache = new LruVerdictCache<CachedVerdict>();
  const snap =
    snapshot ??
    snapshotOf(
      [strict('prod', [`${REG}/app`]), strict('skipped', [`${REG}/tools`], 'skip')],
      [store],
    );
  const handle = createReviewHandler({
    verifyImage: createImageVerifier({ registry, cache }),
    policies: () => snap,
    budget: { defaultMs: 2000, marginMs: 100, minMs: 100 },
    ...(options.mutatingWebhook !== undefined && { mutatingWebhook: options.mutatingWebhook }),
    ...(options.namespaceLabels && { namespaceLabels: options.namespaceLabels }),
  });
  const log = options.log ?? { info: () => {}, warn: () => {}, error: () => {} };
  return {
    registry,
    cache,
    review: (body, webhook = 'validate', signal) =>
      handle({
        body,
        timeout: options.timeout,
        webhook,
        log,
        ...(signal && { whenGone: whenAborted(signal) }),
      }),
  };
}

function sign(registry: FakeRegistry, digest: string): void {
  const bytes = signJws({ chain: chain.certs, payload: manifest(digest), signingTime: new Date() });
  registry.signatures.set(digest, [bytes]);
}

const responseOf = (reply: ReviewReply) => {
  if (reply.status !== 200) throw new Error(`status ${reply.status}`);
  return reply.body.response;
};

describe('createReviewHandler', () => {
  describe('when the image is signed by a trusted identity', () => {
    it('T-01 allows, echoes the uid, and answers a second review from the cache', async () => {
      const { registry, review } = setup(lax());
      registry.tags.set('app:1.0', digestOf(1));
      sign(registry, digestOf(1));
      const body = podReview({ images: [`${REG}/app:1.0`], uid: 'u-1' });
      const first = responseOf(await review(body));
      expect(first).toMatchObject({ uid: 'u-1', allowed: true });
      expect(first).not.toHaveProperty('patch');
      expect(first.auditAnnotations?.['image-0']).toContain(`verified ${digestOf(1)} policy=prod`);
      const second = responseOf(await review(body));
      expect(second.auditAnnotations?.['image-0']).toContain('cache-hit');
      expect(registry.calls).toEqual({ resolve: 2, list: 1 });
    });

    it('T-37 resolves the tag again on every review and denies once it moves to an unsigned digest', async () => {
      const { registry, review } = setup(lax());
      registry.tags.set('app:1.0', digestOf(1));
      sign(registry, digestOf(1));
      const body = podReview({ images: [`${REG}/app:1.0`] });
      expect(responseOf(await review(body)).allowed).toBe(true);
      registry.tags.set('app:1.0', digestOf(2));
      const moved = responseOf(await review(body));
      expect(moved.allowed).toBe(false);
      expect(moved.status?.message).toContain('[SIGNATURE_NOT_FOUND]');
    });
  });

  describe('when the image is unsigned', () => {
    it('T-02 denies with 403 and one clause naming path, image, digest, policy and code', async () => {
      const { registry, review } = setup();
      registry.tags.set('app:2', digestOf(2));
      const r = responseOf(await review(podReview({ images: [`${REG}/app:2`] })));
      expect(r.allowed).toBe(false);
      expect(r.status).toEqual({
        code: 403,
        reason: 'Forbidden',
        message: `spec.containers[0].image "${REG}/app:2" (sha256:000000000000…): signature not trusted by policy "prod" — no signature is associated with ${digestOf(2)} [SIGNATURE_NOT_FOUND]`,
      });
    });
  });

  describe('when no policy applies', () => {
    it('denies by default with NO_APPLICABLE_POLICY and makes no registry call', async () => {
      const { registry, review } = setup();
      const r = responseOf(await review(podReview({ images: ['other.test/x:1'] })));
      expect(r.status?.message).toContain('[NO_APPLICABLE_POLICY]');
      expect(registry.calls).toEqual({ resolve: 0, list: 0 });
    });
  });

  describe('when the level is skip', () => {
    it('allows with no registry call at all', async () => {
      const { registry, review } = setup();
      const r = responseOf(await review(podReview({ images: [`${REG}/tools:1`] })));
      expect(r.allowed).toBe(true);
      expect(registry.calls).toEqual({ resolve: 0, list: 0 });
    });
  });

  describe('when the registry fails', () => {
    it('T-16 denies as inconclusive, never caches it, and allows from cache once verified', async () => {
      const { registry, review } = setup();
      const ref = `${REG}/app@${digestOf(3)}`;
      registry.fail = new RegistryError('NETWORK', 'registry unavailable: connection refused');
      const down = responseOf(await review(podReview({ images: [ref] })));
      expect(down.allowed).toBe(false);
      expect(down.status?.message).toContain('could not verify under policy "prod"');
      expect(down.status?.message).toContain('[NETWORK]');
      registry.fail = undefined;
      sign(registry, digestOf(3));
      expect(responseOf(await review(podReview({ images: [ref] }))).allowed).toBe(true);
      registry.fail = new RegistryError('NETWORK', 'registry unavailable');
      const warm = responseOf(await review(podReview({ images: [ref] })));
      expect(warm.allowed).toBe(true);
      expect(warm.auditAnnotations?.['image-0']).toContain('cache-hit');
    });

    it('allows with a warning when the policy says onError: Allow', async () => {
      const snap = snapshotOf([strict('prod', [`${REG}/app`])], [store], {
        prod: { onError: 'Allow' },
      });
      const { registry, review } = setup(snap);
      registry.fail = new RegistryError('TIMEOUT', 'registry timeout');
      const r = responseOf(await review(podReview({ images: [`${REG}/app@${digestOf(4)}`] })));
      expect(r.allowed).toBe(true);
      expect(r.warnings).toEqual([
        'spec.containers[0].image: could not verify [TIMEOUT], allowed by onError (policy "prod")',
      ]);
    });
  });

  describe('when the registry stalls', () => {
    it('T-12 answers inside the review budget with TIMEOUT, and T-15 caches nothing', async () => {
      const { registry, review, cache } = setup(undefined, { timeout: '1s' });
      registry.stall = true;
      const started = Date.now();
      const r = responseOf(await review(podReview({ images: [`${REG}/app@${digestOf(5)}`] })));
      expect(Date.now() - started).toBeLessThan(1000);
      expect(r.allowed).toBe(false);
      expect(r.status?.message).toContain('[TIMEOUT]');
      await sleep(20);
      expect(cache.stats().size).toBe(0);
      registry.stall = false;
      sign(registry, digestOf(5));
      expect(
        responseOf(await review(podReview({ images: [`${REG}/app@${digestOf(5)}`] }))).allowed,
      ).toBe(true);
    });
  });

  describe('when it logs the review', () => {
    const logged = (enabled: boolean | undefined) => {
      const lines: object[] = [];
      const log: ReviewLogger = {
        ...(enabled !== undefined && { isLevelEnabled: () => enabled }),
        info: (obj) => void lines.push(obj),
        warn: () => {},
        error: () => {},
      };
      return { lines, log };
    };

    it('writes one info line per review, naming it by uid, unless info is off', async () => {
      for (const enabled of [true, undefined, false]) {
        const { lines, log } = logged(enabled);
        const { registry, review } = setup(undefined, { log });
        sign(registry, digestOf(11));
        await review(podReview({ images: [`${REG}/app@${digestOf(11)}`], uid: 'u-11' }));
        if (enabled === false) expect(lines).toEqual([]);
        else expect(lines).toEqual([expect.objectContaining({ uid: 'u-11', allowed: true })]);
      }
    });
  });

  describe('when the verdict is cached', () => {
    it('answers without making an AbortSignal (issue 20: one per review cost a fifth of it)', async () => {
      const { registry, review } = setup();
      sign(registry, digestOf(12));
      const body = () => podReview({ images: [`${REG}/app@${digestOf(12)}`] });
      expect(responseOf(await review(body())).allowed).toBe(true);
      await countingAbortControllers(async (made) => {
        const again = responseOf(await review(body()));
        expect(again.allowed).toBe(true);
        expect(again.auditAnnotations?.['image-0']).toContain('cache-hit');
        expect(made()).toBe(0);
      });
    });
  });

  describe('when the caller goes away', () => {
    it('stops waiting on a stalled registry at once and denies', async () => {
      const { registry, review } = setup(undefined, { timeout: '10s' });
      registry.stall = true;
      const caller = new AbortController();
      const started = Date.now();
      const pending = review(
        podReview({ images: [`${REG}/app@${digestOf(8)}`] }),
        'validate',
        caller.signal,
      );
      await sleep(20);
      caller.abort();
      const r = responseOf(await pending);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(r.allowed).toBe(false);
      expect(r.status?.message).toContain('[TIMEOUT]');
    });

    it('stops listening for it once the review is answered', async () => {
      const { registry, review } = setup();
      sign(registry, digestOf(10));
      const caller = new AbortController();
      const body = podReview({ images: [`${REG}/app@${digestOf(10)}`] });
      expect(responseOf(await review(body, 'validate', caller.signal)).allowed).toBe(true);
      expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    });

    it('denies at once when it had gone before the review began', async () => {
      const { registry, review } = setup(undefined, { timeout: '10s' });
      registry.stall = true;
      const started = Date.now();
      const r = responseOf(
        await review(
          podReview({ images: [`${REG}/app@${digestOf(9)}`] }),
          'validate',
          AbortSignal.abort(),
        ),
      );
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(r.allowed).toBe(false);
      expect(r.status?.message).toContain('[TIMEOUT]');
    });
  });

  describe('when many reviews need one uncached digest', () => {
    it('T-21 verifies once for all of them, even when the first caller goes away', async () => {
      const { registry, review } = setup();
      sign(registry, digestOf(6));
      const body = () => podReview({ images: [`${REG}/app@${digestOf(6)}`] });
      const first = new AbortController();
      const firstReply = review(body(), 'validate', first.signal);
      const rest = Array.from({ length: 499 }, () => review(body()));
      first.abort();
      const replies = await Promise.all(rest);
      expect(replies.every((r) => responseOf(r).allowed)).toBe(true);
      expect(responseOf(await firstReply).allowed).toBe(false);
      expect(registry.calls.list).toBe(1);
    });
  });

  describe('when the request is an UPDATE, DELETE or malformed', () => {
    it('T-06 skips an unchanged digest reference, with no registry call', async () => {
      const { registry, review } = setup();
      const pinned = `${REG}/app@${digestOf(7)}`;
      const same = podReview({ operation: 'UPDATE', images: [pinned] });
      expect(responseOf(await review(same)).allowed).toBe(true);
      expect(registry.calls).toEqual({ resolve: 0, list: 0 });
      const swapped = podReview({
        operation: 'UPDATE',
        images: [`${REG}/app@${digestOf(0x71)}`],
        oldImages: { containers: [pinned] },
      });
      expect(responseOf(await review(swapped)).allowed).toBe(false);
    });

    it('verifies an unchanged tag again, without demanding a pin', async () => {
      const { registry, review } = setup();
      registry.tags.set('app:1', digestOf(0x72));
      sign(registry, digestOf(0x72));
      const same = podReview({ operation: 'UPDATE', images: [`${REG}/app:1`] });
      expect(responseOf(await review(same)).allowed).toBe(true);
      expect(responseOf(await review(same, 'mutate'))).not.toHaveProperty('patch');
      expect(registry.calls.resolve).toBe(2);
      registry.tags.set('app:2', digestOf(0x73));
      const unsigned = podReview({ operation: 'UPDATE', images: [`${REG}/app:2`] });
      expect(responseOf(await review(unsigned)).status?.message).toContain('[SIGNATURE_NOT_FOUND]');
    });

    it('T-08 allows a DELETE at once', async () => {
      const { registry, review } = setup();
      expect(responseOf(await review(deleteReview())).allowed).toBe(true);
      expect(registry.calls).toEqual({ resolve: 0, list: 0 });
    });

    it('answers 400 with ADMISSION_REVIEW_INVALID for a v1beta1 body', async () => {
      const { review } = setup();
      const reply = await review({
        apiVersion: 'admission.k8s.io/v1beta1',
        kind: 'AdmissionReview',
      });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ code: 'ADMISSION_REVIEW_INVALID' });
    });
  });

  describe('when a verified tag reaches /validate unpinned (mutateDigest true)', () => {
    it('denies it [DIGEST_REQUIRED], and admits what /mutate pinned', async () => {
      const { registry, review } = setup();
      registry.tags.set('app:1.0', digestOf(0x31));
      sign(registry, digestOf(0x31));
      const r = responseOf(await review(podReview({ images: [`${REG}/app:1.0`] })));
      expect(r.status?.message).toBe(
        `spec.containers[0].image "${REG}/app:1.0" (sha256:000000000000…): not pinned to a ` +
          'digest: policy "prod" has mutateDigest, and the mutating webhook did not pin this tag ' +
          '(it was not called, timed out or was overloaded); retry, or name the image by digest ' +
          '[DIGEST_REQUIRED]',
      );
      const pinned = `${REG}/app:1.0@${digestOf(0x31)}`;
      expect(responseOf(await review(podReview({ images: [pinned] }))).allowed).toBe(true);
    });

    it('resolves and admits it when no mutating webhook is installed', async () => {
      const { registry, review } = setup(undefined, { mutatingWebhook: false });
      registry.tags.set('app:1.0', digestOf(0x32));
      sign(registry, digestOf(0x32));
      expect(responseOf(await review(podReview({ images: [`${REG}/app:1.0`] }))).allowed).toBe(
        true,
      );
    });
  });

  describe('when the namespace is not known to the snapshot yet', () => {
    /** A snapshot whose `prod` statement applies only once the namespace's labels say team=a. */
    function labelled(): Snapshot {
      const base = snapshotOf([strict('prod', [`${REG}/app`])], [store]);
      const none: ReturnType<Snapshot['documentFor']> = { version: '1.0', trustPolicies: [] };
      const seen = (labels?: Readonly<Record<string, string>>): Snapshot => ({
        ...base,
        documentFor: (ns) =>
          labels?.['team'] === 'a' && ns === 'late' ? base.documentFor(ns) : none,
        needsNamespace: (ns) => labels === undefined && ns === 'late',
        withNamespace: (_ns, l) => seen(l),
      });
      return seen();
    }
    const late = () => podReview({ namespace: 'late', images: [`${REG}/app@${digestOf(0x41)}`] });

    it('reads its labels and lets the policy they select decide', async () => {
      const asked: string[] = [];
      const { registry, review } = setup(labelled(), {
        namespaceLabels: (ns) => (asked.push(ns), Promise.resolve({ team: 'a' })),
      });
      sign(registry, digestOf(0x41));
      const r = responseOf(await review(late()));
      expect(r.allowed).toBe(true);
      expect(r.auditAnnotations?.['image-0']).toContain('policy=prod');
      expect(asked).toEqual(['late']);
    });

    it('denies as inconclusive [NAMESPACE_UNKNOWN] when they cannot be read', async () => {
      const { NamespaceLookupError } = await import('../kube/namespace-labels.js');
      const { registry, review } = setup(labelled(), {
        namespaceLabels: () => Promise.reject(new NamespaceLookupError('not found')),
      });
      const r = responseOf(await review(late()));
      expect(r.status?.message).toBe(
        `spec.containers[0].image "${REG}/app@${digestOf(0x41)}" (digest unknown): the labels of ` +
          'namespace "late" are not known yet and could not be read (not found), so which trust ' +
          'policies apply there is unknown [NAMESPACE_UNKNOWN]',
      );
      expect(registry.calls).toEqual({ resolve: 0, list: 0 });
    });

    it('denies as inconclusive when there is no way to read them, and hides a foreign error', async () => {
      expect(responseOf(await setup(labelled()).review(late())).status?.message).toContain(
        '(no way to read them)',
      );
      const leaky = setup(labelled(), {
        namespaceLabels: () => Promise.reject(new Error('GET https://token@api/ failed')),
      });
      const message = responseOf(await leaky.review(late())).status?.message;
      expect(message).toContain('(the lookup failed)');
      expect(message).not.toContain('token');
    });
  });

  describe('as the mutating webhook', () => {
    it('pins a verified tag to its digest and leaves digests and failures alone', async () => {
      const { registry, review } = setup();
      registry.tags.set('app:1.0', digestOf(8));
      sign(registry, digestOf(8));
      registry.tags.set('app:bad', digestOf(9));
      const body = podReview({
        images: [`${REG}/app:1.0`, `${REG}/app@${digestOf(8)}`, `${REG}/app:bad`],
      });
      const r = responseOf(await review(body, 'mutate'));
      expect(r.allowed).toBe(true);
      expect(JSON.parse(Buffer.from(r.patch!, 'base64').toString())).toEqual([
        { op: 'replace', path: '/spec/containers/0/image', value: `${REG}/app:1.0@${digestOf(8)}` },
      ]);
    });
  });
});

describe('createReviewHandler with pull secrets', () => {
  const PASSWORD = 's3cr3t-pa55';
  const dockerConfig = (user: string): string =>
    JSON.stringify({ auths: { [REG]: { username: user, password: PASSWORD } } });

  /** A FakeRegistry that records whose credentials each call carried (the username for REG). */
  function whoRegistry() {
    const registry = new FakeRegistry();
    const who: { call: 'resolve' | 'list'; user: string | undefined }[] = [];
    const { resolve, signatureCandidates } = registry;
    registry.resolve = async (ref, options = {}) => {
      who.push({ call: 'resolve', user: options.credentials?.(REG)?.username });
      await sleep(5);
      return resolve(ref, options);
    };
    registry.signatureCandidates = (ref, a, options = {}) => {
      who.push({ call: 'list', user: options.credentials?.(REG)?.username });
      return signatureCandidates(ref, a, options);
    };
    return Object.assign(registry, { who });
  }

  function setupPulls(enabled = true) {
    const registry = whoRegistry();
    const asked: unknown[] = [];
    const logs: unknown[] = [];
    const handle = createReviewHandler({
      verifyImage: createImageVerifier({ registry, cache: new LruVerdictCache<CachedVerdict>() }),
      policies: lax,
      budget: { defaultMs: 2000, marginMs: 100, minMs: 100 },
      ...(enabled && {
        pullSecrets: {
          credentialsFor: (request) => {
            asked.push(request);
            const names = (request.podSpec.imagePullSecrets ?? []).map((s) => s.name ?? '');
            return Promise.resolve({
              dockerConfigs: names.filter((n) => n !== 'gone').map(dockerConfig),
              used: names.filter((n) => n !== 'gone').map((n) => `team/${n}`),
              skipped: names.includes('gone')
                ? [{ object: 'secret team/gone', reason: 'not found' }]
                : [],
            });
          },
        },
      }),
    });
    const log = {
      info: (o: object, m: string) => void logs.push([o, m]),
      warn: (o: object, m: string) => void logs.push([o, m]),
      error: (o: object, m: string) => void logs.push([o, m]),
    };
    const review = (body: unknown) =>
      handle({ body, timeout: undefined, webhook: 'validate', log });
    return { registry, asked, logs, review };
  }

  const podWith = (image: string, secrets: string[]) =>
    podReview({
      namespace: 'team',
      images: [image],
      extra: { spec: { imagePullSecrets: secrets.map((name) => ({ name })) } },
    });

  describe('when the pod names a pull secret', () => {
    it('resolves and lists signatures with its credentials, asking with the pod spec', async () => {
      const { registry, asked, review } = setupPulls();
      registry.tags.set('app:1', digestOf(0x21));
      sign(registry, digestOf(0x21));
      const r = responseOf(await review(podWith(`${REG}/app:1`, ['alice'])));
      expect(r.allowed).toBe(true);
      expect(asked).toEqual([
        {
          namespace: 'team',
          podSpec: { imagePullSecrets: [{ name: 'alice' }], serviceAccountName: 'default' },
        },
      ]);
      expect(registry.who).toEqual([
        { call: 'resolve', user: 'alice' },
        { call: 'list', user: 'alice' },
      ]);
    });
  });

  describe('when a secret is left out', () => {
    it('logs its name and reason, and no log or message holds the password', async () => {
      const { registry, logs, review } = setupPulls();
      registry.fail = new RegistryError('UNAUTHORIZED', `${REG} refused the credentials for app`);
      const r = responseOf(await review(podWith(`${REG}/app:1`, ['gone', 'alice'])));
      expect(r.allowed).toBe(false);
      expect(r.status?.message).toContain('[UNAUTHORIZED]');
      expect(logs).toContainEqual([
        expect.objectContaining({ skipped: [{ object: 'secret team/gone', reason: 'not found' }] }),
        'image pull secrets left out',
      ]);
      expect(JSON.stringify([logs, r])).not.toContain(PASSWORD);
    });
  });

  describe('when pull secrets are not enabled', () => {
    it('passes no credentials of its own', async () => {
      const { registry, review } = setupPulls(false);
      registry.tags.set('app:1', digestOf(0x22));
      await review(podWith(`${REG}/app:1`, ['alice']));
      expect(registry.who).toEqual([
        { call: 'resolve', user: undefined },
        { call: 'list', user: undefined },
      ]);
    });
  });

  describe('when there is nothing to verify', () => {
    it('never asks for pull secrets', async () => {
      const { asked, review } = setupPulls();
      await review(deleteReview());
      expect(asked).toEqual([]);
    });
  });

  describe('when two pods with different secrets resolve one tag at once', () => {
    it('resolves it once per identity, never sharing one pod’s resolution with another', async () => {
      const { registry, review } = setupPulls();
      registry.tags.set('app:1', digestOf(0x23));
      sign(registry, digestOf(0x23));
      await Promise.all([
        review(podWith(`${REG}/app:1`, ['alice'])),
        review(podWith(`${REG}/app:1`, ['bob'])),
        review(podWith(`${REG}/app:1`, ['alice'])),
      ]);
      const resolves = registry.who.filter((w) => w.call === 'resolve').map((w) => w.user);
      expect(resolves.sort()).toEqual(['alice', 'bob']);
    });
  });

  describe('when a digest was verified with another pod’s secret', () => {
    it('allows from the cache: the verdict belongs to the digest, pulling to the kubelet', async () => {
      const { registry, review } = setupPulls();
      sign(registry, digestOf(0x24));
      const image = `${REG}/app@${digestOf(0x24)}`;
      expect(responseOf(await review(podWith(image, ['alice']))).allowed).toBe(true);
      const other = responseOf(await review(podWith(image, [])));
      expect(other.allowed).toBe(true);
      expect(other.auditAnnotations?.['image-0']).toContain('cache-hit');
      expect(registry.who).toEqual([{ call: 'list', user: 'alice' }]);
    });
  });
});
