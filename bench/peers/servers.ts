// The two servers under comparison, each a whole process pinned to one core with `taskset`:
// - ours: `node --max-semi-space-size=4 dist/bundle/cli.js serve` (the image's bundle, the chart's
//   heap flag), answering an
//   AdmissionReview for a Pod on POST /validate;
// - Ratify: `ratify serve --http … --cert-dir …`, answering Gatekeeper's external-data
//   ProviderRequest (a list of image keys) on POST /ratify/gatekeeper/v1/verify.
// Both over HTTPS with the same serving certificate (TLS 1.3, keep-alive) at log level warn.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, openSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../test/harness/process.js';
import { VERSIONS } from '../../test/harness/tools.js';
import { makeWorkdir } from '../../test/harness/workdir.js';
import { podReview } from '../../test/support/reviews.js';
import { buildCli, ourCli, ratifyBin } from './build.js';
import { writeRatifyConfig, type PeerBench } from './setup.js';

/** Both servers run on this core; the load generator, registries and proxies on the other. */
export const SERVER_CPU = 0;
export const OTHER_CPU = 1;

export type PeerName = 'ours' | 'ratify';
export const LABEL: Record<PeerName, string> = {
  ours: 'notary-admission serve',
  ratify: `ratify serve ${VERSIONS['ratify'] ?? ''}`.trim(),
};

/** How a load generator checks an answer: an allowed AdmissionReview, or every key verified. */
export type Check = 'admission' | 'externaldata';

/** One request body with a slot for a fresh uid (`${prefix}${uid}${suffix}`; Ratify has none). */
export interface Body {
  prefix: string;
  suffix: string;
}

export interface PeerServer {
  name: PeerName;
  pid: number;
  url: string;
  path: string;
  check: Check;
  /** The request that verifies `refs`. */
  body(refs: string[]): Body;
  /** Wall time from spawn until the port accepted a TCP connection. */
  listeningMs: number;
  spawnedAt: number;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** The core both servers are pinned to. */
  cpu: number;
  /** Verdict cache on (5 minutes for both) or off (every request verifies). */
  cache: boolean;
  /** A name for the files of this start. */
  tag: string;
  /** Ours only: build from this commit instead of BENCH_PEERS_REF / the working tree (warm-ab). */
  ref?: string;
  /** Ours only: Node flags after the chart's (warm-ab's BENCH_AB_NODE_FLAGS_*). */
  nodeFlags?: readonly string[];
}

/** Whether 127.0.0.1:`port` accepts a TCP connection now. */
export async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** An AdmissionReview of a Pod running `refs`, its uid left as the slot. */
export const admissionBody = (refs: string[]): Body => {
  const marker = '__PEERS_UID__';
  const [prefix = '', suffix = ''] = JSON.stringify(podReview({ images: refs, uid: marker })).split(
    marker,
  );
  return { prefix, suffix };
};

/** Gatekeeper's external-data ProviderRequest: the keys are the image references. */
export const providerBody = (refs: string[]): Body => ({
  prefix: JSON.stringify({
    apiVersion: 'externaldata.gatekeeper.sh/v1alpha1',
    kind: 'ProviderRequest',
    request: { keys: refs },
  }),
  suffix: '',
});

function ourCommand(b: PeerBench, port: number, o: ServerOptions): string[] {
  const flags = [
    ...['serve', '--host', '127.0.0.1', '--port', String(port), '--metrics-port', '0'],
    ...['--tls-cert', b.tls.certPath, '--tls-key', b.tls.keyPath, '--log-level', 'warn'],
    ...['--trust-policy', b.policyPath, '--trust-store', b.storeDir],
    ...b.hosts.flatMap((h) => ['--insecure-registry', h]),
    ...['--allow-private-network', 'all', '--no-mutating-webhook', '--cache-ttl', '5m'],
    ...(b.registry.credentials ? ['--registry-credentials', b.credentialsPath] : []),
    ...(o.cache ? [] : ['--no-cache']),
  ];
  // As the chart runs it (values.yaml semiSpaceMiB: NODE_OPTIONS --max-semi-space-size=4).
  const { cli } = o.ref === undefined ? ourCli() : buildCli(o.ref);
  return [process.execPath, '--max-semi-space-size=4', ...(o.nodeFlags ?? []), cli, ...flags];
}

function ratifyCommand(b: PeerBench, port: number, o: ServerOptions): string[] {
  const certDir = path.join(b.dir, 'ratify-tls');
  mkdirSync(certDir, { recursive: true });
  copyFileSync(b.tls.certPath, path.join(certDir, 'tls.crt'));
  copyFileSync(b.tls.keyPath, path.join(certDir, 'tls.key'));
  const flags = [
    ...['serve', '--http', `127.0.0.1:${port}`, '--cert-dir', certDir],
    ...['--config', writeRatifyConfig(b, o.tag)],
    ...(o.cache ? ['--cache-enabled', '--cache-ttl', '5m'] : []),
  ];
  return [ratifyBin(), ...flags];
}

/** Starts one server pinned to `o.cpu` and waits until it listens. */
export async function startPeer(
  name: PeerName,
  b: PeerBench,
  o: ServerOptions,
): Promise<PeerServer> {
  const port = await freePort();
  const command = name === 'ours' ? ourCommand(b, port, o) : ratifyCommand(b, port, o);
  const log = openSync(path.join(b.dir, `${name}-${o.tag}.log`), 'a');
  // Ratify keeps its default certificate folder and plugin path under $HOME: a fresh one each start.
  const env = {
    ...process.env,
    HOME: makeWorkdir(`peers-home-${name}`),
    RATIFY_LOG_LEVEL: process.env['RATIFY_LOG_LEVEL_OVERRIDE'] ?? 'warn',
  };
  const spawnedAt = performance.now();
  // taskset sets the affinity and execs the server: the child's pid is the server's.
  const child: ChildProcess = spawn('taskset', ['-c', String(o.cpu), ...command], {
    env,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = spawnedAt + 30_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited (${child.exitCode}); see ${b.dir}`);
    if (performance.now() > deadline) throw new Error(`${name} did not listen within 30 s`);
    await sleep(1);
  }
  const listeningMs = performance.now() - spawnedAt;
  return {
    name,
    pid: child.pid ?? -1,
    url: `https://127.0.0.1:${port}`,
    path: name === 'ours' ? '/validate?timeout=10s' : '/ratify/gatekeeper/v1/verify',
    check: name === 'ours' ? 'admission' : 'externaldata',
    body: name === 'ours' ? admissionBody : providerBody,
    listeningMs,
    spawnedAt,
    close: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL'); // both drain gracefully on SIGTERM (ours for 5 s): not measured here
      await exited;
    },
  };
}

/** Starts a server, runs `fn` with it and closes it whatever happens. */
export async function withPeer<T>(
  name: PeerName,
  b: PeerBench,
  o: ServerOptions,
  fn: (s: PeerServer) => Promise<T>,
): Promise<T> {
  const s = await startPeer(name, b, o);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** Both servers at once (started one after the other), for runs that alternate between them. */
export async function withPeers<T>(
  b: PeerBench,
  o: ServerOptions,
  fn: (servers: Record<PeerName, PeerServer>) => Promise<T>,
): Promise<T> {
  return withPeer('ours', b, o, (ours) =>
    withPeer('ratify', b, o, (ratify) => fn({ ours, ratify })),
  );
}
