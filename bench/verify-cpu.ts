// CPU per verification and first sight of a signer (issue 20, item 2), in CPU time (user +
// system of this process, `process.cpuUsage`), not wall time: the machine is shared and noisy.
// - per verification: N distinct envelopes (each its own payload) of one signer whose chain was
//   seen before, the trust store warm: what every uncached verification of a known signer costs;
// - first sight: an envelope whose leaf and intermediate were never seen (a known root, the one
//   in the trust store), and one whose whole chain is new (a root seen only in the trust store).
// `npm run bench -- verify-cpu`; alone: `tsx bench/verify-cpu.ts [kind…]` (e.g. `jws-rsa-3072`),
// with BENCH_CPU_PROFILE=<file> to write a CPU profile of the measured loops only.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { pathToFileURL } from 'node:url';
import {
  createTrustStore,
  parseTrustPolicyDocument,
  verifySignature,
} from '../src/verify/index.js';
import type { Descriptor, TrustStores } from '../src/verify/index.js';
import { issue, type Issued, type KeyAlg } from '../test/support/certs.js';
import { signCose, signJws } from '../test/support/envelopes.js';

const POLICY = parseTrustPolicyDocument({
  version: '1.0',
  trustPolicies: [
    {
      name: 'bench',
      registryScopes: ['*'],
      signatureVerification: { level: 'strict' },
      trustStores: ['ca:bench'],
      trustedIdentities: ['x509.subject: C=US, ST=WA, O=Notary Admission'],
    },
  ],
}).trustPolicies[0]!;

export interface Kind {
  name: string;
  label: string;
  format: 'jws' | 'cose';
  key: KeyAlg;
}

export const KINDS: Kind[] = (['jws', 'cose'] as const).flatMap((format) =>
  (['ec-p256', 'ec-p384', 'rsa-3072'] as const).map((key) => ({
    name: `${format}-${key}`,
    label: `${format.toUpperCase()} ${key.replace('ec-p', 'ECDSA P-').replace('rsa-', 'RSA-')}`,
    format,
    key,
  })),
);

const count = (name: string, fallback: number): number =>
  Number(process.env[name] ?? fallback) || fallback;
const N = count('BENCH_CPU_ENVELOPES', 300);
const ROUNDS = count('BENCH_CPU_ROUNDS', 7);
const FRESH = count('BENCH_CPU_FIRST_SIGHT', 24);

interface Case {
  envelope: { mediaType: string; bytes: Uint8Array };
  artifact: Descriptor;
  trustStores: TrustStores;
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
};

function artifactNo(i: number): Descriptor {
  return {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${createHash('sha256').update(`artifact ${i} ${Math.random()}`).digest('hex')}`,
    size: 1000 + i,
  };
}

const storesOf = (root: Issued): TrustStores =>
  new Map([
    ['ca:bench', createTrustStore({ type: 'ca', name: 'bench', certificates: [root.pem] })],
  ]);

function signed(kind: Kind, chain: Issued[], artifact: Descriptor, trustStores: TrustStores): Case {
  const sign = kind.format === 'jws' ? signJws : signCose;
  const bytes = sign({ chain, payload: artifact, signingTime: new Date(Date.now() - 60_000) });
  const mediaType = kind.format === 'jws' ? 'application/jose+json' : 'application/cose';
  return { envelope: { mediaType, bytes }, artifact, trustStores };
}

const newRoot = (key: KeyAlg): Promise<Issued> =>
  issue({ key, profile: 'root', subject: 'C=US, O=Notary Admission, CN=Bench Root' });

/** A new intermediate and leaf under `root`, leaf first, root last. */
async function newChain(key: KeyAlg, root: Issued): Promise<Issued[]> {
  const subject = 'C=US, O=Notary Admission, CN=Bench Intermediate';
  const intermediate = await issue({ key, profile: 'intermediate', subject }, root);
  const leaf = await issue({ key, profile: 'codeSigning' }, intermediate);
  return [leaf, intermediate, root];
}

async function verify(c: Case): Promise<void> {
  const outcome = await verifySignature({ ...c, policy: POLICY, now: new Date() });
  if (!outcome.verified) throw new Error(`not verified: ${outcome.error?.message}`);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const p95 = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(0.95 * xs.length) - 1)]!;

export interface KindResult {
  kind: Kind;
  /** CPU ms per verification of a known signer, one figure per round of N envelopes. */
  perVerification: number[];
  /** CPU ms of each first sight: new leaf and intermediate under a known root. */
  firstSight: number[];
  /** CPU ms of each first sight of a whole new chain (its root seen only in the trust store). */
  newChain: number[];
}

interface Profiler {
  start(): Promise<void>;
  /** Writes what was sampled since start() to `<BENCH_CPU_PROFILE>-<part>.cpuprofile`. */
  stop(part: string): Promise<void>;
}

/** Profiles only the measured loops, when BENCH_CPU_PROFILE names a file prefix. */
function profiler(): Profiler {
  const prefix = process.env['BENCH_CPU_PROFILE'];
  if (prefix === undefined) return { start: async () => {}, stop: async () => {} };
  const session = new Session();
  session.connect();
  const enabled = (async () => {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 50 });
  })();
  return {
    start: async () => {
      await enabled;
      await session.post('Profiler.start');
    },
    stop: async (part) => {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(`${prefix}-${part}.cpuprofile`, JSON.stringify(profile));
    },
  };
}

async function measureKind(kind: Kind, prof: Profiler): Promise<KindResult> {
  // Per verification: one known signer, N distinct envelopes, one warm pass first.
  const root = await newRoot(kind.key);
  const stores = storesOf(root);
  const chain = await newChain(kind.key, root);
  const cases = Array.from({ length: N }, (_, i) => signed(kind, chain, artifactNo(i), stores));
  for (const c of cases) await verify(c);
  // First sight: fresh chains, made before anything is timed (key generation is slow).
  const fresh: Case[] = [];
  for (let i = 0; i < FRESH + 1; i++)
    fresh.push(signed(kind, await newChain(kind.key, root), artifactNo(i), stores));
  const whole: Case[] = [];
  for (let i = 0; i < Math.ceil(FRESH / 2) + 1; i++) {
    const r = await newRoot(kind.key);
    whole.push(signed(kind, await newChain(kind.key, r), artifactNo(i), storesOf(r)));
  }
  await verify(fresh.shift()!); // warm-up of the first-sight path (JIT), not counted
  await verify(whole.shift()!);
  await prof.start();
  const perVerification: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.cpuUsage();
    for (const c of cases) await verify(c);
    perVerification.push(cpuMs(t0) / cases.length);
  }
  await prof.stop(`${kind.name}-per`);
  await prof.start();
  const firstSight: number[] = [];
  for (const c of fresh) {
    const t0 = process.cpuUsage();
    await verify(c);
    firstSight.push(cpuMs(t0));
  }
  const newChainTimes: number[] = [];
  for (const c of whole) {
    const t0 = process.cpuUsage();
    await verify(c);
    newChainTimes.push(cpuMs(t0));
  }
  await prof.stop(`${kind.name}-first`);
  return { kind, perVerification, firstSight, newChain: newChainTimes };
}

export async function measureKinds(kinds: Kind[]): Promise<KindResult[]> {
  const prof = profiler();
  const results: KindResult[] = [];
  for (const kind of kinds) results.push(await measureKind(kind, prof));
  return results;
}

const ms = (v: number): string => v.toFixed(3);

export function markdown(results: KindResult[]): string {
  const lines = [
    `CPU time of this process (user + system); per verification: median of ${ROUNDS} rounds of ${N} distinct envelopes of a known signer; first sight: ${FRESH} chains each.`,
    '',
    '| chain (3 certificates) | CPU per verification, known signer (ms) | first sight, new leaf + intermediate: median / p95 (ms) | first sight, whole chain new: median / p95 (ms) |',
    '|---|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.kind.label} | ${ms(median(r.perVerification))} | ${ms(median(r.firstSight))} / ${ms(p95(r.firstSight))} | ${ms(median(r.newChain))} / ${ms(p95(r.newChain))} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** The `verify-cpu` suite of bench/run.ts. */
export async function verifyCpuMarkdown(): Promise<string> {
  return markdown(await measureKinds(KINDS));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const named = process.argv.slice(2);
  const kinds = named.length > 0 ? KINDS.filter((k) => named.includes(k.name)) : KINDS;
  process.stdout.write(markdown(await measureKinds(kinds)));
}
