// Cold fetch of one verification input set with src/registry on loopback (issue 4): the
// artifact, its one Notation signature and that signature's envelope, each time with a new
// RegistryClient (no token, capability or connection cache reused), against the minimum of the
// round trips it makes: as many sequential `GET /v2/` on one fresh keep-alive connection.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  RegistryClient,
  parseReference,
  type ImageReference,
  type RegistryClientOptions,
} from '../src/registry/index.js';
import {
  makePki,
  notationSign,
  pushImage,
  startRegistry,
  type Registry,
} from '../test/harness/index.js';
import { measure, type Row } from './stats.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 20);

/** A client for `host` (the registry, or the counting proxy in front of it), as a cold webhook has. */
function clientFor(registry: Registry, host: string): RegistryClient {
  const realm = registry.tokenServer && new URL(registry.tokenServer.realm).origin;
  const user = registry.credentials;
  const options: RegistryClientOptions = {
    allowPrivateNetworks: true,
    insecureRegistries: [host],
    ...(user && { credentials: { auths: { [host]: user } } }),
    ...(realm && { tokenRealms: { [host]: [realm] } }),
  };
  return new RegistryClient(options);
}

type Flow = 'digest ref' | 'digest ref, no resolve' | 'tag ref';

/**
 * One cold fetch: resolve (unless the flow skips it for a digest reference, binding the artifact
 * through the signature manifest's `subject` instead), list the signatures, fetch the one envelope.
 */
async function coldFetch(client: RegistryClient, ref: ImageReference, flow: Flow): Promise<void> {
  const artifact =
    flow === 'digest ref, no resolve' ? ref.digest! : (await client.resolve(ref)).digest;
  const sigs = await client.listSignatures(ref, artifact);
  if (sigs.length !== 1) throw new Error(`expected one signature, found ${sigs.length}`);
  const envelope = await client.fetchEnvelope(ref, sigs[0]!);
  if (envelope.bytes.length === 0) throw new Error('empty envelope');
}

/** A pass-through HTTP proxy in front of the registry that counts requests and connections. */
async function startCountingProxy(upstream: string): Promise<{
  host: string;
  count: () => { requests: number; connections: number };
  stop: () => Promise<void>;
}> {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true });
  let requests = 0;
  let connections = 0;
  const server = http.createServer((req, res) => {
    requests++;
    const out = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers, // Host stays the proxy's: URLs the registry builds point back here
        agent,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    count: () => ({ requests, connections }),
    stop: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `n` sequential `GET /v2/` on one fresh keep-alive connection, each body read to the end. */
async function plainGets(url: string, n: number, agent: http.Agent): Promise<void> {
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${url}/v2/`, { agent }, (res) => {
        res.on('data', () => undefined);
        res.on('end', resolve);
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  }
}

interface Count {
  /** Requests the registry received (through the counting proxy). */
  registry: number;
  /** TCP connections the client opened to the registry for them. */
  connections: number;
  /** Token exchanges (the token server's own log): another origin, but a round trip too. */
  token: number;
}

/** Requests per cold fetch, counted over a few cold fetches through the proxy; must not vary. */
async function countRequests(registry: Registry, refText: string, flow: Flow): Promise<Count> {
  const proxy = await startCountingProxy(registry.url);
  try {
    const counts: Count[] = [];
    for (let i = 0; i < 3; i++) {
      const client = clientFor(registry, proxy.host);
      const before = { ...proxy.count(), token: registry.tokenServer?.requests.length ?? 0 };
      await coldFetch(client, parseReference(refText.replace(registry.host, proxy.host)), flow);
      counts.push({
        registry: proxy.count().requests - before.requests,
        connections: proxy.count().connections - before.connections,
        token: (registry.tokenServer?.requests.length ?? 0) - before.token,
      });
      await client.close();
    }
    const first = counts[0]!;
    if (counts.some((c) => JSON.stringify(c) !== JSON.stringify(first)))
      throw new Error(`requests per cold fetch vary: ${JSON.stringify(counts)}`);
    return first;
  } finally {
    await proxy.stop();
  }
}

async function setupRows(kind: 'distribution' | 'olareg', auth: 'none' | 'bearer'): Promise<Row[]> {
  const registry = await startRegistry({ kind, auth });
  const closers: (() => unknown)[] = [];
  try {
    const pki = await makePki({ key: 'rsa-3072' });
    const image = await pushImage(registry, 'bench/app', { credentials: registry.credentials });
    await notationSign(image.reference, registry, {
      key: pki.leaf.keyPath,
      certChain: pki.chainPath,
      format: 'jws',
      referrersApi: kind === 'olareg',
    });
    const label = `${kind}, ${auth === 'none' ? 'no auth' : 'bearer'}`;
    const rows: Row[] = [];
    const flows: [Flow, string][] = [
      ['digest ref', image.reference],
      ['digest ref, no resolve', image.reference],
      ['tag ref', image.tagReference],
    ];
    for (const [flow, refText] of flows) {
      const n = await countRequests(registry, refText, flow);
      const trips = n.registry + n.token;
      const fetch = await measure('', RUNS, async () => {
        const client = clientFor(registry, registry.host);
        closers.push(() => client.close());
        await coldFetch(client, parseReference(refText), flow);
      });
      const floor = await measure('', RUNS, async () => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        closers.push(() => agent.destroy());
        await plainGets(registry.url, trips, agent);
      });
      const token = n.token > 0 ? ` + ${n.token} token` : '';
      const requests = `${n.registry} requests on ${n.connections} connections${token}`;
      const ratio = (fetch.medianMs / floor.medianMs).toFixed(1);
      rows.push(
        { ...fetch, name: `${label}: cold fetch, ${flow} (${requests}), ${ratio}× the min` },
        { ...floor, name: `${label}: min, ${trips} × GET /v2/ on one keep-alive connection` },
      );
    }
    return rows;
  } finally {
    for (const close of closers) await close();
    await registry.stop();
  }
}

/** Rows for distribution (tag schema) and olareg (referrers API), without auth and with bearer. */
export async function registryRows(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const kind of ['distribution', 'olareg'] as const) {
    for (const auth of ['none', 'bearer'] as const) rows.push(...(await setupRows(kind, auth)));
  }
  return rows;
}
