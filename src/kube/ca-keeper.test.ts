import { X509Certificate, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as x509 from '../verify/x509/peculiar.js';
import {
  bundleOf,
  MAX_ENTRY_BYTES,
  parseCertificates,
  readTlsState,
  type Pair,
  type TlsState,
} from './ca-material.js';
import {
  createCaKeeper,
  TlsSecretMissingError,
  type CaBundleTargets,
  type CaIssuer,
  type TlsSecretStore,
} from './ca-keeper.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-06-01T00:00:00Z');
const NAMES = ['na.na-system.svc', 'na.na-system.svc.cluster.local', '127.0.0.1'];
const POLICY = { names: NAMES, caValidityMs: 30 * DAY, certValidityMs: 9 * DAY, overlapMs: DAY };

// A test CA on the project's one door to @peculiar/x509 (src/kube may not import the webhook's
// authority; src/main-tls.ts hands that one to the keeper, and the harness test runs it).
const EC = { name: 'ECDSA', namedCurve: 'P-256' };
const SIG = { name: 'ECDSA', hash: 'SHA-256' };
const pem = async (key: webcrypto.CryptoKey) =>
  createPrivateKey({
    key: Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key)),
    format: 'der',
    type: 'pkcs8',
  })
    .export({ format: 'pem', type: 'pkcs8' })
    .toString();
const ISSUER: CaIssuer = {
  async newCa(now, validityMs) {
    const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: `01${randomBytes(8).toString('hex')}`,
      name: `CN=test CA ${randomBytes(4).toString('hex')}`,
      notBefore: new Date(now.getTime() - 3_600_000),
      notAfter: new Date(now.getTime() + validityMs),
      signingAlgorithm: SIG,
      keys,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
    });
    return { cert: `${cert.toString('pem')}\n`, key: await pem(keys.privateKey) };
  },
  async newServing(ca, names, now, notAfter) {
    const issuer = new x509.X509Certificate(ca.cert);
    const der = createPrivateKey(ca.key).export({ format: 'der', type: 'pkcs8' });
    const signingKey = await webcrypto.subtle.importKey('pkcs8', der, EC, false, ['sign']);
    const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: `01${randomBytes(8).toString('hex')}`,
      subject: `CN=${names[0]!}`,
      issuer: issuer.subject,
      notBefore: new Date(now.getTime() - 3_600_000),
      notAfter: new Date(Math.min(notAfter.getTime(), issuer.notAfter.getTime())),
      signingAlgorithm: SIG,
      publicKey: keys.publicKey,
      signingKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.SubjectAlternativeNameExtension(
          names.map((n) => ({
            type: /^\d/.test(n) ? ('ip' as const) : ('dns' as const),
            value: n,
          })),
        ),
      ],
    });
    return { cert: `${cert.toString('pem')}\n`, key: await pem(keys.privateKey) };
  },
};

interface Version<T> {
  value: T;
  from: number;
}

/** The Secret in memory, with resourceVersion preconditions; every state kept with its time. */
function memoryStore(clock: { t: number }, initial: TlsState | null = { previous: [] }) {
  let stored = initial ? { state: initial, resourceVersion: '1' } : undefined;
  const history: Version<TlsState>[] = [];
  let conflicts = 0;
  const store: TlsSecretStore = {
    read: () => Promise.resolve(stored && structuredClone(stored)),
    write(_before, after, resourceVersion) {
      if (conflicts > 0 || stored?.resourceVersion !== resourceVersion) {
        conflicts = Math.max(0, conflicts - 1);
        return Promise.reject(Object.assign(new Error('conflict'), { code: 409 }));
      }
      stored = { state: structuredClone(after), resourceVersion: String(+resourceVersion + 1) };
      history.push({ value: stored.state, from: clock.t });
      return Promise.resolve();
    },
  };
  return {
    store,
    history,
    state: () => stored?.state,
    conflictNext: () => void conflicts++,
  };
}

/** Two webhook configurations' caBundles (validate and mutate), with every publication kept. */
function memoryTargets(clock: { t: number }, initial = '') {
  const bundles = [initial, initial];
  const history: Version<string>[] = [];
  const targets: CaBundleTargets = {
    read: () => Promise.resolve([...bundles]),
    publish(bundle) {
      bundles.fill(bundle);
      history.push({ value: bundle, from: clock.t });
      return Promise.resolve();
    },
  };
  return { targets, history, bundles, set: (b: string) => bundles.fill(b) };
}

function keeperFor(clock: { t: number }, store: TlsSecretStore, targets: CaBundleTargets) {
  return createCaKeeper({ ...POLICY, store, targets, issuer: ISSUER, now: () => clock.t });
}

const signs = (caPem: string, leafPem: string): boolean =>
  parseCertificates(caPem).some((ca) => {
    const leaf = new X509Certificate(leafPem);
    return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
  });

const cas = (bundle: string): string[] => parseCertificates(bundle).map((c) => c.subject);

describe('createCaKeeper', () => {
  describe('when the Secret is empty (first install)', () => {
    it('returns a CA, a serving pair it signed for every name, and that CA in every caBundle', async () => {
      const clock = { t: T0 };
      const { store, state } = memoryStore(clock);
      const { targets, bundles } = memoryTargets(clock);
      const keeper = keeperFor(clock, store, targets);
      const next = await keeper.reconcile();
      const s = state()!;
      expect(s.ca && s.serving).toBeTruthy();
      expect(signs(s.ca!.cert, s.serving!.cert)).toBe(true);
      const leaf = new X509Certificate(s.serving!.cert);
      expect(leaf.subjectAltName).toBe(
        'DNS:na.na-system.svc, DNS:na.na-system.svc.cluster.local, IP Address:127.0.0.1',
      );
      expect(bundles).toEqual([s.ca!.cert, s.ca!.cert]);
      expect(s.bundlePublishedAt).toBe(T0);
      // Next: the leaf at 2/3 of its life.
      expect(next).toBe(Date.parse(leaf.validTo) - 3 * DAY);
      expect(keeper.writes).toBe(4); // CA, leaf, caBundles, published time
    });
  });

  describe('when the Secret does not exist', () => {
    it('throws TlsSecretMissingError (the service never creates it)', async () => {
      const clock = { t: T0 };
      const keeper = keeperFor(clock, memoryStore(clock, null).store, memoryTargets(clock).targets);
      await expect(keeper.reconcile()).rejects.toThrow(TlsSecretMissingError);
    });
  });

  describe('when time runs through several CA rotations', () => {
    it('returns bundles that always trust what replicas serve, though each lags by 0.9 overlap', async () => {
      const clock = { t: T0 };
      const secret = memoryStore(clock);
      const configs = memoryTargets(clock);
      const keeper = keeperFor(clock, secret.store, configs.targets);
      // Until 100 days have passed and no rotation is under way.
      while (clock.t < T0 + 100 * DAY || secret.state()!.previous.length > 0)
        clock.t = Math.max(clock.t + 1, await keeper.reconcile());
      const servings = secret.history
        .map((v) => ({ value: v.value.serving?.cert ?? '', from: v.from }))
        .filter((v, i, all) => i === 0 || v.value !== all[i - 1]!.value);
      const lag = 0.9 * POLICY.overlapMs;
      const until = <T>(list: Version<T>[], i: number) => (list[i + 1]?.from ?? Infinity) + lag;
      let pairs = 0;
      for (const [i, s] of servings.entries())
        for (const [j, b] of configs.history.entries()) {
          if (!(s.from < until(configs.history, j) && b.from < until(servings, i))) continue;
          if (b.from === s.from && i === 0) continue; // the first pair, before anything trusted it
          pairs++;
          expect(signs(b.value, s.value), `serving ${i} under bundle ${j}`).toBe(true);
        }
      const rotations = new Set(secret.history.map((v) => v.value.ca?.cert)).size - 1;
      expect(rotations).toBeGreaterThanOrEqual(4);
      expect(pairs).toBeGreaterThan(servings.length);
      // Each rotation: [new, old] in the bundle, then [new] once the overlap is over.
      expect(configs.history.map((b) => cas(b.value).length)).toEqual([
        1,
        ...Array.from({ length: rotations }, () => [2, 1]).flat(),
      ]);
    });
  });

  describe('when the caBundle already trusts another CA (an upgrade from chart-generated TLS)', () => {
    it('returns a bundle with both CAs, and drops the old one an overlap after the switch', async () => {
      const clock = { t: T0 };
      const old = await ISSUER.newCa(new Date(T0), 365 * DAY);
      const secret = memoryStore(clock);
      const configs = memoryTargets(clock, old.cert);
      const keeper = keeperFor(clock, secret.store, configs.targets);
      clock.t = await keeper.reconcile();
      const mine = secret.state()!.ca!.cert;
      expect(configs.bundles[0]).toBe(`${mine}${old.cert}`);
      expect(clock.t).toBe(T0 + DAY);
      await keeper.reconcile();
      expect(configs.bundles).toEqual([mine, mine]);
    });
  });

  describe('when someone reverts the caBundle (a GitOps sync without ignoreDifferences)', () => {
    it('returns the bundle written again at the next pass', async () => {
      const clock = { t: T0 };
      const secret = memoryStore(clock);
      const configs = memoryTargets(clock);
      const keeper = keeperFor(clock, secret.store, configs.targets);
      await keeper.reconcile();
      configs.set('');
      clock.t += 60_000;
      await keeper.reconcile();
      expect(configs.bundles).toEqual([bundleOf(secret.state()!), bundleOf(secret.state()!)]);
      expect(secret.state()!.bundlePublishedAt).toBe(clock.t);
    });
  });

  describe('when another writer changes the Secret first (409)', () => {
    it('reads again and finishes the pass', async () => {
      const clock = { t: T0 };
      const secret = memoryStore(clock);
      secret.conflictNext();
      const keeper = keeperFor(clock, secret.store, memoryTargets(clock).targets);
      await keeper.reconcile();
      expect(secret.state()!.bundlePublishedAt).toBe(T0);
    });
  });

  describe('when the serving pair in the Secret is broken', () => {
    it('returns a new pair under the same CA at once, with no caBundle change', async () => {
      const clock = { t: T0 };
      const secret = memoryStore(clock);
      const configs = memoryTargets(clock);
      const keeper = keeperFor(clock, secret.store, configs.targets);
      await keeper.reconcile();
      const before = secret.state()!;
      const other: Pair = await ISSUER.newServing(
        before.ca!,
        ['elsewhere.example'],
        new Date(T0),
        new Date(T0 + DAY),
      );
      const { resourceVersion } = (await secret.store.read())!;
      await secret.store.write(before, { ...before, serving: other }, resourceVersion);
      clock.t += 1000;
      await keeper.reconcile();
      const after = secret.state()!;
      expect(after.ca).toEqual(before.ca);
      expect(after.serving!.cert).not.toBe(other.cert);
      expect(new X509Certificate(after.serving!.cert).checkHost(NAMES[0]!)).toBe(NAMES[0]);
      expect(configs.history).toHaveLength(1);
    });
  });
});

// The attacker's view: a namespaced user who can patch the Secret (not the cluster-scoped
// webhook configurations), or someone who edits a configuration's caBundle.
describe('createCaKeeper (attacker)', () => {
  /** A first install by one keeper; the Secret and caBundles it left. */
  async function installed() {
    const clock = { t: T0 };
    const secret = memoryStore(clock);
    const configs = memoryTargets(clock);
    await keeperFor(clock, secret.store, configs.targets).reconcile();
    return { clock, secret, configs, first: secret.state()! };
  }

  async function overwrite(secret: ReturnType<typeof memoryStore>, next: TlsState) {
    const { state, resourceVersion } = (await secret.store.read())!;
    await secret.store.write(state, next, resourceVersion);
  }

  const everPublished = (configs: ReturnType<typeof memoryTargets>, ca: Pair) =>
    configs.history.some((b) => b.value.includes(ca.cert.trim())) ||
    configs.bundles.some((b) => b.includes(ca.cert.trim()));

  describe('when another keeper takes the Lease over a Secret whose CA the caBundle trusts', () => {
    it('returns the same CA and pair (a handover is not a rotation)', async () => {
      const { clock, secret, configs, first } = await installed();
      clock.t += 60_000;
      await keeperFor(clock, secret.store, configs.targets).reconcile();
      expect(secret.state()!.ca).toEqual(first.ca);
      expect(secret.state()!.serving).toEqual(first.serving);
      expect(configs.history).toHaveLength(1);
    });
  });

  describe('when the Secret gets a CA and a pair someone else made (no caBundle trusts them)', () => {
    it('returns a CA of its own in place of the planted one, which no caBundle ever carries', async () => {
      const { clock, secret, configs, first } = await installed();
      const planted = await ISSUER.newCa(new Date(T0), 365 * DAY);
      const pair = await ISSUER.newServing(planted, NAMES, new Date(T0), new Date(T0 + DAY));
      await overwrite(secret, { ...first, ca: planted, serving: pair });
      clock.t += 60_000;
      // A new Lease holder (it made nothing itself) and the old one behave alike.
      await keeperFor(clock, secret.store, configs.targets).reconcile();
      const after = secret.state()!;
      expect(after.ca!.cert).not.toBe(planted.cert);
      expect(after.serving!.cert).not.toBe(pair.cert);
      expect(everPublished(configs, planted)).toBe(false);
      // What the cluster trusted before stays in the bundle while the new CA takes over.
      expect(cas(configs.bundles[0]!)).toEqual([...cas(after.ca!.cert), ...cas(first.ca!.cert)]);
    });
  });

  describe('when the Secret gets a planted CA among the previous ones', () => {
    it('returns it dropped, never published', async () => {
      const { clock, secret, configs, first } = await installed();
      const planted = await ISSUER.newCa(new Date(T0), 365 * DAY);
      await overwrite(secret, { ...first, previous: [planted.cert] });
      clock.t += 60_000;
      await keeperFor(clock, secret.store, configs.targets).reconcile();
      expect(secret.state()!.previous).toEqual([]);
      expect(everPublished(configs, planted)).toBe(false);
    });
  });

  describe('when someone adds a CA to a caBundle', () => {
    it('returns the bundle written back without it at the next pass', async () => {
      const { clock, secret, configs, first } = await installed();
      const planted = await ISSUER.newCa(new Date(T0), 365 * DAY);
      configs.set(`${first.ca!.cert}${planted.cert}`);
      clock.t += 60_000;
      await keeperFor(clock, secret.store, configs.targets).reconcile();
      expect(configs.bundles).toEqual([first.ca!.cert, first.ca!.cert]);
      expect(secret.state()!.ca).toEqual(first.ca);
    });
  });

  describe('when the Secret gets a CA larger than MAX_ENTRY_BYTES', () => {
    it('returns it read as absent (so replaced), and one within the bound read', () => {
      const b64 = (n: number) => Buffer.from('A'.repeat(n)).toString('base64');
      const huge = b64(MAX_ENTRY_BYTES + 3);
      expect(readTlsState({ 'ca.crt': huge, 'ca.key': huge }, {})).toEqual({ previous: [] });
      const fits = b64(MAX_ENTRY_BYTES);
      expect(readTlsState({ 'ca.crt': fits, 'ca.key': fits }, {}).ca?.cert).toHaveLength(
        MAX_ENTRY_BYTES,
      );
    });
  });
});
