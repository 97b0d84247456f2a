// `npm run bench`: the baselines measured on the harness. Each later issue adds its own suites
// (verifier per-signature time, registry fetch, webhook throughput) beside these.
import {
  makePki,
  notationSign,
  notationVerify,
  pushImage,
  simpleTrustPolicy,
  startControlPlane,
  startRegistry,
  type KeySpec,
  type Registry,
} from '../test/harness/index.js';
import { COMPARE_SUITES } from './compare.js';
import { AB_SUITES } from './peers/ab.js';
import { PEER_SUITES } from './peers/index.js';
import { dctRows } from './dct.js';
import { measure, printTable, type Row } from './stats.js';
import { registryRows } from './registry.js';
import { requirementsRows } from './requirements.js';
import { rttSuite } from './rtt.js';
import { SCAN_SUITES } from './scan.js';
import { SERVE_COST_SUITES } from './serve-cost.js';
import { verifyCpuMarkdown } from './verify-cpu.js';
import { verifyRows } from './verify.js';
import { WEBHOOK_SUITES } from './webhook.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 20);

async function startupRows(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const kind of ['distribution', 'olareg'] as const) {
    rows.push(
      await measure(`start ${kind} registry`, RUNS, async () =>
        (await startRegistry({ kind })).stop(),
      ),
    );
  }
  rows.push(
    await measure('start etcd + kube-apiserver', 3, async () => (await startControlPlane()).stop()),
  );
  return rows;
}

const CASES: { format: 'jws' | 'cose'; key: KeySpec; label: string }[] = [
  { format: 'jws', key: 'rsa-3072', label: 'JWS, RSA-3072' },
  { format: 'cose', key: 'ec-p384', label: 'COSE, ECDSA P-384' },
];

async function notationRows(registry: Registry): Promise<Row[]> {
  const rows: Row[] = [];
  const path = registry.kind === 'olareg' ? 'referrers API' : 'tag schema';
  for (const c of CASES) {
    const pki = await makePki({ key: c.key }); // root → intermediate → leaf: a three-certificate chain
    const sign = {
      key: pki.leaf.keyPath,
      certChain: pki.chainPath,
      format: c.format,
      referrersApi: registry.kind === 'olareg',
    };
    rows.push(
      await measure(`notation sign (${c.label}, ${path})`, RUNS, async () => {
        const image = await pushImage(registry, 'bench/sign');
        await notationSign(image.reference, registry, sign);
      }),
    );
    const image = await pushImage(registry, `bench/${c.format}`);
    await notationSign(image.reference, registry, sign);
    const trust = {
      trustPolicy: simpleTrustPolicy({ trustStores: ['ca:bench'] }),
      trustStores: { ca: { bench: [pki.root.certPath] } },
    };
    rows.push(
      await measure(`notation verify (${c.label}, ${path})`, RUNS, async () => {
        const verdict = await notationVerify(image.reference, registry, trust);
        if (!verdict.verified) throw new Error(`notation verify failed: ${verdict.stderr}`);
      }),
    );
  }
  return rows;
}

async function notationBaselineRows(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const kind of ['distribution', 'olareg'] as const) {
    const registry = await startRegistry({ kind });
    try {
      rows.push(...(await notationRows(registry)));
    } finally {
      await registry.stop();
    }
  }
  return rows;
}

/** A suite gives rows for the common table, or its own Markdown (the webhook suites). */
const SUITES: Record<string, () => Promise<Row[] | string>> = {
  verify: verifyRows,
  'verify-cpu': verifyCpuMarkdown,
  harness: startupRows,
  notation: notationBaselineRows,
  registry: registryRows,
  requirements: requirementsRows,
  dct: dctRows,
  rtt: rttSuite,
  ...WEBHOOK_SUITES,
  ...SCAN_SUITES,
  ...COMPARE_SUITES,
  ...PEER_SUITES,
  ...SERVE_COST_SUITES,
  ...AB_SUITES,
};

// `npm run bench` runs every suite (`webhook` once, not its `webhook:<part>` sub-suites) but
// `peers`, which needs a tool npm test does not (`npm run tools -- --peers`), `serve-cost` and
// `warm-ab` (two builds of ours);
// `npm run bench -- verify webhook:warm` only the ones named.
const ON_REQUEST = new Set([
  ...Object.keys(PEER_SUITES),
  ...Object.keys(SERVE_COST_SUITES),
  ...Object.keys(AB_SUITES),
]);
const names = process.argv.slice(2).filter((a) => a in SUITES);
const all = Object.keys(SUITES).filter((n) => !n.includes(':') && !ON_REQUEST.has(n));
for (const name of names.length > 0 ? names : all) {
  process.stdout.write(`\n## ${name}\n\n`);
  const out = await SUITES[name]!();
  if (typeof out === 'string') process.stdout.write(out);
  else printTable(out);
}
