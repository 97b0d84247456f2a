// Side by side with notation (issue 9): `npm run bench -- compare` or one part of it,
// `compare:cold`, `compare:signatures`, `compare:requests`. Same machine, same registries
// (olareg with the referrers API, distribution with the tag schema), same notation-signed images.
// Our CLI runs as built JavaScript (tsc of tsconfig.build.json into node_modules/.cache), not
// through tsx, whose compile-on-load would dominate its start.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  makePki,
  notationSign,
  notationVerify,
  pushImage,
  simpleTrustPolicy,
  startRegistry,
  type Pki,
  type PushedImage,
  type Registry,
  type RegistryKind,
} from '../test/harness/index.js';
import { run } from '../test/harness/run.js';
import { makeWorkdir } from '../test/harness/workdir.js';
import { startCountingProxy } from '../test/support/counting-proxy.js';
import { podReview } from '../test/support/reviews.js';
import { startTestService, type TestService } from '../test/support/service.js';

const RUNS = Math.max(7, Number(process.env['BENCH_COMPARE_RUNS'] ?? 9));
const KINDS: RegistryKind[] = ['olareg', 'distribution'];
const CLI_DIR = path.resolve('node_modules/.cache/notary-admission-bench/dist');

interface Bench {
  registry: Registry;
  pki: Pki;
  policyPath: string;
  storeDir: string;
}

let built = false;
/** Builds src/ once into CLI_DIR (tsc emits even if someone's in-progress file has type errors). */
function buildCli(): string {
  if (!built) {
    const args = ['tsc', '-p', 'tsconfig.build.json', '--outDir', CLI_DIR, '--sourceMap', 'false'];
    try {
      execFileSync('npx', args, { stdio: 'ignore' });
    } catch {
      // type errors elsewhere: the JavaScript is still emitted
    }
    built = true;
  }
  return path.join(CLI_DIR, 'cli.js');
}

async function setup(kind: RegistryKind): Promise<Bench> {
  const dir = makeWorkdir('bench-compare');
  const registry = await startRegistry({ kind });
  const pki = await makePki({ key: 'rsa-3072' });
  const storeDir = path.join(dir, 'truststore');
  mkdirSync(path.join(storeDir, 'x509', 'ca', 'bench'), { recursive: true });
  writeFileSync(path.join(storeDir, 'x509', 'ca', 'bench', 'root.crt'), pki.root.pem);
  const policyPath = path.join(dir, 'trustpolicy.json');
  writeFileSync(policyPath, JSON.stringify(policy()));
  return { registry, pki, policyPath, storeDir };
}

const policy = (): unknown => simpleTrustPolicy({ trustStores: ['ca:bench'] });

async function sign(b: Bench, image: PushedImage, pki: Pki): Promise<void> {
  const referrersApi = b.registry.kind === 'olareg';
  const options = { key: pki.leaf.keyPath, certChain: pki.chainPath, referrersApi };
  await notationSign(image.reference, b.registry, { ...options, format: 'jws' });
}

/** `count` fresh images, each signed by `signers` in that order. */
async function images(b: Bench, prefix: string, count: number, signers: Pki[]) {
  const out: PushedImage[] = [];
  for (let i = 0; i < count; i++) {
    const image = await pushImage(b.registry, `bench/${prefix}-${i}`);
    for (const s of signers) await sign(b, image, s);
    out.push(image);
  }
  return out;
}

/** The three verifiers of one image; each resolves to its wall time and throws unless verified. */
interface Verifiers {
  service: (ref: string) => Promise<number>;
  notation: (ref: string, url?: string) => Promise<number>;
  cli: (ref: string, host?: string) => Promise<number>;
}

async function timed(what: string, fn: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  const ok = await fn();
  const ms = performance.now() - t0;
  if (!ok) throw new Error(`${what}: not verified`);
  return ms;
}

function startService(b: Bench, host: string): Promise<TestService> {
  return startTestService({
    trustPolicy: policy(),
    trustStores: { ca: { bench: [b.pki.root.pem] } },
    // Like `notation verify`, /validate resolves tags itself here (no /mutate pins them first).
    flags: ['--insecure-registry', host, '--no-mutating-webhook'],
  });
}

function verifiers(b: Bench, service: TestService | undefined): Verifiers {
  const client = service?.client();
  const trust = { trustPolicy: policy(), trustStores: { ca: { bench: [b.pki.root.certPath] } } };
  const cli = buildCli();
  return {
    service: (ref) =>
      timed(`service ${ref}`, async () => {
        if (!client) throw new Error('no service');
        return (await client.review(podReview({ images: [ref] }))).kind === 'admitted';
      }),
    notation: (ref, url = b.registry.url) =>
      timed(`notation ${ref}`, async () => (await notationVerify(ref, { url }, trust)).verified),
    cli: (ref, host = b.registry.host) =>
      timed(`cli ${ref}`, async () => {
        const args = ['verify', ref, '--trust-policy', b.policyPath, '--trust-store', b.storeDir];
        args.push(`--insecure-registry=${host}`);
        const r = await run(process.execPath, [cli, ...args]);
        if (r.code !== 0) throw new Error(`our CLI exited ${r.code}: ${r.stderr}${r.stdout}`);
        return true;
      }),
  };
}

interface Series {
  name: string;
  times: number[];
  loads: number[];
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Runs the tools on each image in turn (interleaved, so load drift hits all alike). */
async function interleaved(
  list: PushedImage[],
  tools: [string, (ref: string) => Promise<number>][],
): Promise<Series[]> {
  const series = tools.map(([name]) => ({ name, times: [] as number[], loads: [] as number[] }));
  for (const [i, image] of list.entries()) {
    for (const [t, [, fn]] of tools.entries()) {
      const load = loadavg()[0]!;
      const ms = await fn(image.reference);
      if (i === 0) continue; // warm-up: first sight of the signer, first connection
      series[t]!.times.push(ms);
      series[t]!.loads.push(load);
    }
  }
  return series;
}

function row(s: Series, note: string): string {
  const sorted = [...s.times].sort((a, b) => a - b);
  const cells = [s.times.length, median(s.times), sorted[0]!, sorted.at(-1)!].map((v, i) =>
    i === 0 ? String(v) : v.toFixed(1),
  );
  const load = `${median(s.loads).toFixed(2)} (${Math.min(...s.loads).toFixed(2)}–${Math.max(...s.loads).toFixed(2)})`;
  return `| ${s.name} | ${cells.join(' | ')} | ${load} | ${note} |`;
}

const HEADER = [
  '| measurement | runs | median ms | min ms | max ms | load avg 1 min: median (range) | ratio |',
  '|---|---:|---:|---:|---:|---:|---|',
];

const ratio = (a: Series, b: Series): string => (median(a.times) / median(b.times)).toFixed(1);

/** Our CLI's start-up alone: node, module loading and `verify --help`. */
const startOnly = (): Promise<number> =>
  timed(
    'cli --help',
    async () => (await run(process.execPath, [buildCli(), 'verify', '--help'])).code === 0,
  );

/** Cold verification of one-signature images: service, notation, our CLI; then the table rows. */
async function timeTools(b: Bench, list: PushedImage[], label: string): Promise<string[]> {
  const service = await startService(b, b.registry.host);
  try {
    const v = verifiers(b, service);
    const [ours, notation, cli, start] = await interleaved(list, [
      [`ours, service in-process (${label})`, v.service],
      [`notation verify, whole process (${label})`, v.notation],
      [`ours, CLI whole process (${label})`, v.cli],
      [`ours, CLI \`verify --help\` (start-up alone)`, startOnly],
    ]);
    return [
      row(ours!, `notation ÷ ours: **${ratio(notation!, ours!)}×**`),
      row(notation!, ''),
      row(cli!, `ours ÷ notation: **${ratio(cli!, notation!)}×**`),
      row(
        start!,
        `${((100 * median(start!.times)) / median(cli!.times)).toFixed(0)}% of the CLI's median`,
      ),
    ];
  } finally {
    await service.close();
  }
}

async function coldPart(): Promise<string> {
  const lines = [...HEADER];
  for (const kind of KINDS) {
    const b = await setup(kind);
    try {
      const list = await images(b, 'cold', RUNS + 1, [b.pki]);
      lines.push(...(await timeTools(b, list, `${kind}, 1 signature`)));
    } finally {
      await b.registry.stop();
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The signature digests a listing gives, in its order (referrers API or the tag schema's index). */
async function listed(b: Bench, image: PushedImage): Promise<string[]> {
  const hex = image.digest.replace('sha256:', '');
  const url =
    b.registry.kind === 'olareg'
      ? `${b.registry.url}/v2/${image.repository}/referrers/${image.digest}`
      : `${b.registry.url}/v2/${image.repository}/manifests/sha256-${hex}`;
  const res = await fetch(url, { headers: { accept: 'application/vnd.oci.image.index.v1+json' } });
  const index = (await res.json()) as { manifests?: { digest: string }[] };
  return (index.manifests ?? []).map((m) => m.digest);
}

/** Images signed by 4 strangers, then by the trusted key; asserts the trusted one is listed last. */
async function fiveSignatureImages(b: Bench, count: number): Promise<PushedImage[]> {
  const strangers: Pki[] = [];
  for (let i = 0; i < 4; i++) strangers.push(await makePki({ name: `Stranger ${i}` }));
  const list = await images(b, `five-${count}`, count, strangers);
  for (const image of list) {
    const before = new Set(await listed(b, image));
    await sign(b, image, b.pki);
    const after = await listed(b, image);
    const trusted = after.filter((d) => !before.has(d));
    if (after.length !== 5 || trusted.length !== 1 || after.at(-1) !== trusted[0])
      throw new Error(`${b.registry.kind}: trusted signature not listed last: ${after.join(', ')}`);
  }
  return list;
}

async function signaturesPart(): Promise<string> {
  const lines = [...HEADER];
  for (const kind of KINDS) {
    const b = await setup(kind);
    try {
      const list = await fiveSignatureImages(b, RUNS + 1);
      lines.push(...(await timeTools(b, list, `${kind}, 5 signatures, last trusted`)));
    } finally {
      await b.registry.stop();
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `/v2/`, `manifests`, `referrers`, `blobs` or `tags`: what a request asked for. */
const kindOf = (p: string): string => (p === '/v2/' ? '/v2/' : (p.split('/').at(-2) ?? p));

/** Requests seen at a counting proxy for one cold verification, by each tool. */
async function counts(b: Bench, ref: (i: PushedImage) => string, image: PushedImage) {
  const proxy = await startCountingProxy(b.registry.url);
  const via = ref(image).replace(b.registry.host, proxy.host);
  try {
    const seen: Record<string, string[]> = {};
    // Requests a tool abandoned (it stops at the first signature that verifies) land at the
    // proxy after it returns: wait for them before the next tool, so each count is its own.
    const note = async (name: string, from: number): Promise<void> => {
      await sleep(300);
      seen[name] = proxy.requests
        .slice(from)
        .map((r) => `${r.method} ${kindOf(r.path)} ${r.status}`);
    };
    const service = await startService(b, proxy.host);
    try {
      let from = proxy.requests.length;
      await verifiers(b, service).service(via);
      await note('ours, service', from);
      from = proxy.requests.length;
      await verifiers(b, undefined).cli(via, proxy.host);
      await note('ours, CLI', from);
      from = proxy.requests.length;
      await verifiers(b, undefined).notation(via, proxy.url);
      await note('notation verify', from);
    } finally {
      await service.close();
    }
    return seen;
  } finally {
    await proxy.stop();
  }
}

const one = (b: Bench, name: string): Promise<PushedImage[]> => images(b, name, RUNS, [b.pki]);

// The minimum on a referrers-API registry (src/registry/README.md). With 5 signatures it stays
// 3: the listing carries each signature's thumbprint annotation, so only the trusted one needs
// its manifest and envelope.
const REFS = [
  { name: 'digest', ref: (i: PushedImage) => i.reference, min: 3, make: one },
  { name: 'tag', ref: (i: PushedImage) => i.tagReference, min: 4, make: one },
  {
    name: 'digest, 5 signatures, last trusted',
    ref: (i: PushedImage) => i.reference,
    min: 3,
    make: (b: Bench) => fiveSignatureImages(b, RUNS),
  },
];

/** Rows of one registry and reference kind: each tool's count over RUNS fresh images. */
async function requestRows(b: Bench, r: (typeof REFS)[number]): Promise<string[]> {
  const list = await r.make(b, `req-${r.name}`);
  const all: Record<string, string[]>[] = [];
  for (const image of list) all.push(await counts(b, r.ref, image));
  // No referrers API: a cold client must probe once before the tag schema.
  const kind = b.registry.kind;
  const min = r.min + (kind === 'distribution' ? 1 : 0);
  return Object.keys(all[0]!).map((tool) => {
    const n = [...new Set(all.map((s) => s[tool]!.length))].join(' or ');
    const seq = all[0]![tool]!.join(', ');
    return `| ${kind}, ${r.name} | ${tool} | ${n} (${RUNS} runs) | ${min} | ${seq} |`;
  });
}

async function requestsPart(): Promise<string> {
  const lines = [
    '| registry, reference | tool | requests per cold verification | minimum | requests (first run) |',
    '|---|---|---|---:|---|',
  ];
  for (const kind of KINDS) {
    const b = await setup(kind);
    try {
      for (const r of REFS) lines.push(...(await requestRows(b, r)));
    } finally {
      await b.registry.stop();
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The suites for bench/run.ts. */
export const COMPARE_SUITES: Record<string, () => Promise<string>> = {
  compare: async () => [await coldPart(), await signaturesPart(), await requestsPart()].join('\n'),
  'compare:cold': coldPart,
  'compare:signatures': signaturesPart,
  'compare:requests': requestsPart,
};
