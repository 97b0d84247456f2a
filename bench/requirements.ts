// Issue 14's requests and time: a cold verification through the pipeline's orchestration
// (`computeVerification`: subjects → one listing → signer groups + required referrers) with 1,
// 2 and 3 signer groups, one group and one required SBOM, and two groups and one SBOM, each
// against a single-signature cold verification on the same registry. Cold: a new RegistryClient
// per run (no connection, token or referrers-API answer reused), signers seen before (a cluster
// has a few signers; first sight is the verify suite's). Images signed by the real notation,
// SBOMs attached by the real oras. Each case on loopback, and through a proxy that holds every
// request for a network round trip (RTT_MS) before passing it on, as a registry across a network
// answers. The cases run in turn (interleaved), and the ratio is median over median, in the
// same run.
import { performance } from 'node:perf_hooks';
import type { PolicyRequirements, SignerGroup } from '../src/config/snapshot.types.js';
import { computeVerification } from '../src/pipeline/index.js';
import { RegistryClient, parseReference } from '../src/registry/index.js';
import {
  createTrustStore,
  parseTrustPolicyDocument,
  type TrustStores,
} from '../src/verify/index.js';
import {
  makePki,
  notationSign,
  orasAttach,
  pushImage,
  startRegistry,
  type Pki,
  type PushedImage,
  type Registry,
} from '../test/harness/index.js';
import { startCountingProxy } from '../test/support/counting-proxy.js';
import { startDelayProxy } from '../test/support/delay-proxy.js';
import type { Row } from './stats.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 20);
/** The round trip the delaying proxy adds to each request (a registry in the same region). */
const RTT_MS = Number(process.env['BENCH_RTT_MS'] ?? 5);
const SPDX = 'application/spdx+json';
const GROUPS = ['vendor', 'org', 'qa'] as const;

interface Case {
  label: string;
  groups: number;
  sbom: boolean;
}

const CASES: Case[] = [
  { label: '1 signature (one group)', groups: 1, sbom: false },
  { label: '2 signer groups', groups: 2, sbom: false },
  { label: '3 signer groups', groups: 3, sbom: false },
  { label: '1 group + 1 required SBOM', groups: 1, sbom: true },
  { label: '2 groups + 1 required SBOM', groups: 2, sbom: true },
];

function group(name: string): SignerGroup {
  const statement = parseTrustPolicyDocument({
    version: '1.0',
    trustPolicies: [
      {
        name: `bench/${name}`,
        registryScopes: ['*'],
        signatureVerification: { level: 'strict' },
        trustStores: [`ca:${name}`],
        trustedIdentities: ['*'],
      },
    ],
  }).trustPolicies[0]!;
  return { name, statement };
}

function requirementsOf(c: Case): PolicyRequirements {
  const signers = GROUPS.slice(0, c.groups).map(group);
  return {
    signers,
    signersRequired: signers.length,
    referrers: c.sbom ? [{ artifactType: SPDX, signer: signers.at(-1)!.name }] : [],
    signedSubject: 'Index',
  };
}

/** One image per case: signed by each group's key, its SBOM (if any) by the last group's. */
async function prepare(registry: Registry, pkis: Pki[], c: Case, i: number): Promise<PushedImage> {
  const image = await pushImage(registry, `bench/req${i}`);
  const sign = (reference: string, pki: Pki) =>
    notationSign(reference, registry, {
      key: pki.leaf.keyPath,
      certChain: pki.chainPath,
      format: 'jws',
      referrersApi: registry.kind === 'olareg',
    });
  for (const pki of pkis.slice(0, c.groups)) await sign(image.reference, pki);
  if (c.sbom) {
    const sbom = await orasAttach(image.reference, registry, { artifactType: SPDX });
    await sign(`${registry.host}/${image.repository}@${sbom.digest}`, pkis[c.groups - 1]!);
  }
  return image;
}

const clientFor = (host: string) =>
  new RegistryClient({ allowPrivateNetworks: true, insecureRegistries: [host] });

/**
 * Times every case RUNS times, one run of each case after the other in turn (after one warm-up
 * each), so that a change of load on the machine weighs on every case alike: the ratios stay
 * comparable within the run.
 */
async function interleaved(cases: (() => Promise<void>)[]): Promise<Row[]> {
  for (const run of cases) await run();
  const times: number[][] = cases.map(() => []);
  for (let r = 0; r < RUNS; r++)
    for (const [i, run] of cases.entries()) {
      const t0 = performance.now();
      await run();
      times[i]!.push(performance.now() - t0);
    }
  return times.map((t) => {
    t.sort((a, b) => a - b);
    const at = (q: number) => t[Math.min(t.length - 1, Math.ceil(q * t.length) - 1)]!;
    return { name: '', runs: RUNS, medianMs: at(0.5), p95Ms: at(0.95), minMs: t[0]! };
  });
}

/** One cold verification through `host`: a new client, closed after. */
async function verifyCold(host: string, image: PushedImage, c: Case, trustStores: TrustStores) {
  const registry = clientFor(host);
  try {
    const { verdict } = await computeVerification({
      registry,
      ref: parseReference(`${host}/${image.repository}@${image.digest}`),
      artifact: image.digest,
      document: { version: '1.0', trustPolicies: [] },
      trustStores,
      requirements: requirementsOf(c),
      signal: new AbortController().signal,
      deadline: Date.now() + 10_000,
      now: Date.now,
    });
    if (verdict.kind !== 'verified') throw new Error(`${c.label}: ${JSON.stringify(verdict)}`);
  } finally {
    await registry.close();
  }
}

async function kindRows(kind: 'distribution' | 'olareg'): Promise<Row[]> {
  const registry = await startRegistry({ kind });
  const [counter, delayed] = await Promise.all([
    startCountingProxy(registry.url),
    startDelayProxy(registry.url, RTT_MS),
  ]);
  try {
    const pkis = await Promise.all(GROUPS.map(() => makePki({ key: 'rsa-3072' })));
    const stores: TrustStores = new Map(
      GROUPS.map((name, i) => [
        `ca:${name}`,
        createTrustStore({ type: 'ca', name, certificates: [pkis[i]!.root.pem] }),
      ]),
    );
    const images: PushedImage[] = [];
    for (const [i, c] of CASES.entries()) images.push(await prepare(registry, pkis, c, i));
    const requests: number[] = [];
    for (const [i, c] of CASES.entries()) {
      const before = counter.requests.length;
      await verifyCold(counter.host, images[i]!, c, stores);
      requests.push(counter.requests.length - before);
    }
    const rows: Row[] = [];
    for (const [path, host] of [
      ['loopback', registry.host],
      [`+${RTT_MS} ms RTT`, delayed.host],
    ] as const) {
      const timed = await interleaved(
        CASES.map((c, i) => () => verifyCold(host, images[i]!, c, stores)),
      );
      const single = timed[0]!;
      CASES.forEach((c, i) => {
        const row = timed[i]!;
        const ratio = i > 0 ? `, ${(row.medianMs / single.medianMs).toFixed(2)}× the first` : '';
        const name = `${kind}, ${path}: ${c.label} (${requests[i]} requests${ratio})`;
        rows.push({ ...row, name });
      });
    }
    return rows;
  } finally {
    await Promise.all([counter.stop(), delayed.stop()]);
    await registry.stop();
  }
}

/** Rows for distribution (tag schema) and olareg (referrers API). */
export async function requirementsRows(): Promise<Row[]> {
  return [...(await kindRows('distribution')), ...(await kindRows('olareg'))];
}
