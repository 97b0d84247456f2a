// The three command lines, whole processes pinned to the servers' core: `ratify verify -c
// config.json -s <ref>`, `notary-admission verify <ref>` (built JavaScript) and `notation verify
// <ref>`, each on a digest none of them has verified before, in rotating order per image.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireTool, VERSIONS, type PushedImage } from '../../test/harness/index.js';
import { run } from '../../test/harness/run.js';
import { makeWorkdir } from '../../test/harness/workdir.js';
import { median, num, pct, table } from './md.js';
import { ourCli, ratifyBin } from './build.js';
import { SERVER_CPU } from './servers.js';
import { writeRatifyConfig, type PeerBench } from './setup.js';

interface Tool {
  name: string;
  verify(ref: string): Promise<boolean>;
  /** The process starting and exiting without verifying anything. */
  start(): Promise<boolean>;
}

const pinned = (command: string, args: string[], env: Record<string, string> = {}) =>
  run('taskset', ['-c', String(SERVER_CPU), command, ...args], { env });

function tools(b: PeerBench): Tool[] {
  const notationHome = makeWorkdir('peers-notation');
  const config = path.join(notationHome, 'config', 'notation');
  mkdirSync(path.join(config, 'truststore', 'x509', 'ca', 'bench'), { recursive: true });
  writeFileSync(path.join(config, 'trustpolicy.json'), JSON.stringify(b.policy));
  copyFileSync(b.rootPath, path.join(config, 'truststore', 'x509', 'ca', 'bench', 'root.crt'));
  const notationEnv = {
    HOME: notationHome,
    XDG_CONFIG_HOME: path.join(notationHome, 'config'),
    XDG_CACHE_HOME: path.join(notationHome, 'cache'),
  };
  const notation = requireTool('notation');
  const ratifyEnv = { HOME: makeWorkdir('peers-ratify-cli'), RATIFY_LOG_LEVEL: 'warn' };
  const ratifyConfig = writeRatifyConfig(b, 'cli');
  const ours = ourCli().cli;
  const trust = ['--trust-policy', b.policyPath, '--trust-store', b.storeDir];
  return [
    {
      name: `ratify verify ${VERSIONS['ratify'] ?? ''}`,
      verify: async (ref) => {
        const r = await pinned(ratifyBin(), ['verify', '-c', ratifyConfig, '-s', ref], ratifyEnv);
        return r.code === 0 && (JSON.parse(r.stdout) as { isSuccess?: boolean }).isSuccess === true;
      },
      start: async () => (await pinned(ratifyBin(), ['version'], ratifyEnv)).code === 0,
    },
    {
      name: 'notary-admission verify',
      verify: async (ref) =>
        (
          await pinned(process.execPath, [
            ours,
            'verify',
            ref,
            ...trust,
            `--insecure-registry=${b.registry.host}`,
          ])
        ).code === 0,
      start: async () => (await pinned(process.execPath, [ours, 'verify', '--help'])).code === 0,
    },
    {
      name: 'notation verify',
      verify: async (ref) =>
        (await pinned(notation, ['verify', '--insecure-registry', ref], notationEnv)).code === 0,
      start: async () => (await pinned(notation, ['version'], notationEnv)).code === 0,
    },
  ];
}

async function timed(fn: () => Promise<boolean>, what: string): Promise<number> {
  const t0 = performance.now();
  if (!(await fn())) throw new Error(`${what} failed`);
  return performance.now() - t0;
}

/** `images`: fresh digests; the first is a warm-up (disk caches), not counted. */
export async function cliPart(b: PeerBench, images: PushedImage[]): Promise<string> {
  const list = tools(b);
  const verify: number[][] = list.map(() => []);
  const start: number[][] = list.map(() => []);
  for (const [i, image] of images.entries()) {
    for (let k = 0; k < list.length; k++) {
      const t = (i + k) % list.length; // rotate who goes first
      const tool = list[t]!;
      const ms = await timed(() => tool.verify(image.reference), `${tool.name} ${image.reference}`);
      const startMs = await timed(() => tool.start(), `${tool.name} start`);
      if (i === 0) continue;
      verify[t]!.push(ms);
      start[t]!.push(startMs);
    }
  }
  const theirs = median(verify[0]!);
  const rows = list.map((tool, t) => [
    tool.name,
    verify[t]!.length,
    num(median(verify[t]!)),
    num(pct(verify[t]!, 0.95)),
    num(median(start[t]!)),
    (median(verify[t]!) / theirs).toFixed(2),
  ]);
  return table(
    [
      '<command (whole process, one core)',
      'runs',
      'median ms',
      'p95 ms',
      'start-up alone, median ms',
      '÷ ratify verify',
    ],
    rows,
  );
}
