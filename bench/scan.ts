// `npm run bench -- scan` (issue 16): warm admission latency while the background verifier runs
// its first pass over 1,000 running workloads, against the same latency with no scan. The webhook
// runs `serve --policy-source kubernetes` alone on core 0 (bench/webhook-server.ts); the load
// generator, etcd + kube-apiserver, the registry and notation run on core 1. 1,000 Pods (API
// objects only) in 10 namespaces name 100 signed images none of which is cached yet, so the pass
// verifies 100 images and writes 10 PolicyReports while reviews of 3 cached images arrive at
// 1,000/s. A bench-held Lease keeps the scan from starting until the load is about to begin.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startControlPlane, type ControlPlane } from '../test/harness/index.js';
import { readReport } from '../src/kube/policy-reports.js';
import type { LoadMode } from './load.js';
import {
  bodyFor,
  load,
  ms,
  reviewOnce,
  setup,
  signedImages,
  table,
  WARM_MS,
  type Bench,
  type Measured,
} from './webhook.js';
import { startServerProcess, type ServerProcess } from './webhook-server.js';

const TRUST_NS = 'bench-trust';
const NAMESPACES = 10;
const WORKLOADS = 1_000;
const IMAGES = 100;
const LEASE = 'bench-scan';

interface Scenario {
  name: string;
  flags: string[];
}

const SCENARIOS: Scenario[] = [
  { name: 'no scan (`--scan-interval off`)', flags: ['--scan-interval', 'off'] },
  { name: 'first scan pass, default budget (5 requests/s per registry)', flags: [] },
  { name: 'first scan pass, `--scan-registry-rps 1000`', flags: ['--scan-registry-rps', '1000'] },
  // The baseline again: the cluster's own settling after 1,000 creations shares core 1 with the
  // load generator, so the first baseline may be the noisier one.
  { name: 'no scan, again', flags: ['--scan-interval', 'off'] },
];

async function kubectl(cp: ControlPlane, args: string[], input?: string): Promise<string> {
  const r = await cp.kubectl(args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const list = (items: unknown[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

/** The cluster: CRDs, one TrustStore and a TrustPolicy for every image, 1,000 Pods. */
async function cluster(b: Bench, cp: ControlPlane, images: string[]): Promise<void> {
  for (const ns of [TRUST_NS, ...Array.from({ length: NAMESPACES }, (_, i) => `bench-${i}`)])
    await kubectl(cp, ['create', 'namespace', ns]);
  await kubectl(cp, ['apply', '-f', 'charts/notary-admission/crds']);
  await kubectl(cp, ['apply', '-f', 'charts/notary-admission/files/policyreport-crds.yaml']);
  await kubectl(cp, ['wait', '--for=condition=Established', '--timeout=30s', 'crd', '--all']);
  const api = 'notary-admission.dev/v1alpha1';
  await kubectl(
    cp,
    ['apply', '-f', '-'],
    list([
      {
        apiVersion: api,
        kind: 'TrustStore',
        metadata: { name: 'bench' },
        spec: { type: 'ca', certificates: [b.pki.root.pem] },
      },
      {
        apiVersion: api,
        kind: 'TrustPolicy',
        metadata: { name: 'bench' },
        spec: {
          registryScopes: ['*'],
          signatureVerification: { level: 'strict' },
          trustStores: ['ca:bench'],
          trustedIdentities: ['*'],
        },
      },
    ]),
  );
  const pods = Array.from({ length: WORKLOADS }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `app-${i}`, namespace: `bench-${i % NAMESPACES}` },
    spec: { containers: [{ name: 'app', image: images[i % IMAGES] }] },
  }));
  for (let i = 0; i < pods.length; i += 200)
    await kubectl(cp, ['apply', '-f', '-'], list(pods.slice(i, i + 200)));
}

/** A Lease held by the bench for an hour: the service waits for it. */
const holdLease = (cp: ControlPlane) =>
  kubectl(
    cp,
    ['apply', '-f', '-'],
    list([
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: LEASE, namespace: TRUST_NS },
        spec: {
          holderIdentity: 'bench',
          leaseDurationSeconds: 3600,
          renewTime: new Date().toISOString().replace('Z', '000Z'),
        },
      },
    ]),
  );

function startServer(b: Bench, cp: ControlPlane, s: Scenario, i: number): Promise<ServerProcess> {
  const dir = path.join(b.dir, `scan-${i}`);
  mkdirSync(dir, { recursive: true });
  const flags = [
    ...['--port', '0', '--metrics-port', '0', '--tls-dir', path.join(dir, 'tls')],
    ...[
      '--policy-source',
      'kubernetes',
      '--kubeconfig',
      cp.kubeconfigPath,
      '--trust-namespace',
      TRUST_NS,
    ],
    ...['--scan-lease-name', LEASE, '--scan-lease-duration', '2s'],
    ...['--insecure-registry', b.registry.host, '--allow-private-network', 'all'],
    ...s.flags,
  ];
  return startServerProcess({ flags, cpu: 0, logFile: path.join(dir, 'server.log') });
}

/** Results the scan wrote between `from` and `to`. */
async function resultsWritten(cp: ControlPlane, from: number, to: number): Promise<number> {
  const reports = JSON.parse(
    await kubectl(cp, ['get', 'policyreports.wgpolicyk8s.io', '-A', '-o', 'json']),
  ) as { items: unknown[] };
  return reports.items
    .flatMap((r) => readReport(r))
    .filter((r) => {
      const at = Date.parse(r.time);
      return at >= from && at <= to;
    }).length;
}

async function scanTable(): Promise<string> {
  const b = await setup();
  const cp = await startControlPlane();
  try {
    const admitted = await signedImages(b, ['bench/api', 'bench/worker', 'bench/sidecar']);
    const t0 = performance.now();
    const scanned = await signedImages(
      b,
      Array.from({ length: IMAGES }, (_, i) => `bench/scan-${String(i).padStart(3, '0')}`),
    );
    const signing = (performance.now() - t0) / 1000;
    await cluster(
      b,
      cp,
      scanned.map((i) => i.reference),
    );
    const bodies = [bodyFor(admitted.map((i) => i.reference))];
    const rows: Measured[] = [];
    for (const [i, s] of SCENARIOS.entries()) {
      await holdLease(cp);
      const server = await startServer(b, cp, s, i);
      try {
        const warm = async (): Promise<void> => {
          // The policy source lists first: until then every review is denied.
          for (let tries = 0; ; tries++) {
            try {
              return await reviewOnce(server, bodies);
            } catch (err) {
              if (tries > 100) throw err;
              await new Promise((r) => setTimeout(r, 100));
            }
          }
        };
        const mode: LoadMode = {
          kind: 'rate',
          perSecond: 1_000,
          durationMs: WARM_MS * 2,
          warmupMs: 2_000,
        };
        const started = Date.now();
        const m = await load(
          b,
          server,
          { name: s.name, bodies, connections: 8, mode },
          async () => {
            await warm();
            // Hands the Lease over: the scan starts with the load's warm-up.
            await kubectl(cp, ['delete', 'lease', '-n', TRUST_NS, LEASE]);
          },
        );
        const written = s.flags.includes('off') ? 0 : await resultsWritten(cp, started, Date.now());
        rows.push({
          ...m,
          notes: s.flags.includes('off')
            ? 'baseline'
            : `${written} of ${WORKLOADS} results written during the run`,
        });
      } finally {
        await server.close();
      }
    }
    const base = Math.min(rows[0]!.result.latencyMs.p99, rows.at(-1)!.result.latencyMs.p99);
    const ratios = rows
      .slice(1, -1)
      .map(
        (r) =>
          `- ${r.name}: p99 ${ms(r.result.latencyMs.p99)} ms = ${(r.result.latencyMs.p99 / base).toFixed(2)}× the better baseline's ${ms(base)} ms (target ≤ 1.5×: ${r.result.latencyMs.p99 <= 1.5 * base ? 'met' : 'NOT met'})`,
      );
    return `${table(rows)}\n${ratios.join('\n')}\n\nSigning the ${IMAGES} scanned images with notation took ${signing.toFixed(1)} s.\n`;
  } finally {
    await cp.stop();
    await b.registry.stop();
  }
}

/** The suite for bench/run.ts. */
export const SCAN_SUITES: Record<string, () => Promise<string>> = { scan: scanTable };
