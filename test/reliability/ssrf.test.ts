// T-54 (reliability.md §5 H) SSRF guard through the service, run WITHOUT
// `--allow-private-network all`: image references naming metadata, kubelet, loopback, the API
// server's Service or a name that resolves (through the injected resolver) to loopback are denied
// as "registry not allowed" and no connection reaches the sentinel listeners; a private registry
// allowlisted with `--allow-private-network 127.0.0.2/32` works.
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome } from '../support/api-server.js';
import { podReview } from '../support/reviews.js';
import { startBareService, type BareService } from './support/bare-service.js';
import { POLICY, startWorld, type ReliabilityWorld } from './support/world.js';

const FIELD = 'spec.containers[0].image';
const DIGEST = `sha256:${'ab'.repeat(32)}`;

interface Sentinel {
  port: number;
  connections: number;
  close(): Promise<void>;
}

/** A TCP listener that only counts who connects; null when the address cannot be bound. */
async function sentinel(host: string, port = 0): Promise<Sentinel | null> {
  const counter = { connections: 0 };
  const server = net.createServer((socket) => {
    counter.connections++;
    socket.destroy();
  });
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => resolve(true));
  });
  if (!bound) return null;
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return counter.connections;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A TCP forwarder on 127.0.0.2 to the registry: the "in-cluster registry" that is allowlisted. */
async function forwarder(target: { host: string; port: number }) {
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const up = net.connect(target);
    client.pipe(up).pipe(client);
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** DNS as the test plays it: these names and anything else → 127.0.0.1. */
const DNS: Record<string, string[]> = {
  'kubernetes.default.svc': ['127.0.0.1'],
  'registry.evil.example': ['127.0.0.1'],
  'metadata.evil.example': ['169.254.169.254'],
  // One public and one loopback address: any refused address refuses the name.
  'mixed.evil.example': ['8.8.8.8', '127.0.0.1'],
  'v6.evil.example': ['::1'],
  'registry.internal.example': ['127.0.0.2'],
};

let world: ReliabilityWorld;
let svc: BareService;
let v4: Sentinel;
let v6: Sentinel | null;
let kubelet: Sentinel | null;
let https4: Sentinel | null;
let https6: Sentinel | null;
let internal: Awaited<ReturnType<typeof forwarder>>;
const asked: string[] = [];

beforeAll(async () => {
  world = await startWorld({ signed: 1, unsigned: 1, prefix: 'ssrf' });
  const [host, port] = world.registry.host.split(':') as [string, string];
  internal = await forwarder({ host, port: Number(port) });
  v4 = (await sentinel('127.0.0.1'))!;
  v6 = await sentinel('::1');
  // The exact ports of the references below, where this machine lets us bind them.
  kubelet = await sentinel('127.0.0.1', 10250);
  https4 = await sentinel('127.0.0.1', 443);
  https6 = await sentinel('::1', 443);
  svc = await startBareService({
    trustPolicy: world.trustPolicy,
    roots: [world.pki.root.pem],
    flags: [
      ...['--allow-private-network', '127.0.0.2/32'],
      ...['--insecure-registry', `registry.internal.example:${internal.port}`],
      ...['--insecure-registry', `127.0.0.2:${internal.port}`],
    ],
    overrides: {
      resolver: (name) => {
        asked.push(name);
        return Promise.resolve(DNS[name] ?? ['127.0.0.1']);
      },
    },
  });
});
afterAll(async () => {
  await svc?.close();
  await Promise.allSettled(
    [v4, v6, kubelet, https4, https6, internal].map((s) => s?.close() ?? Promise.resolve()),
  );
  await world?.stop();
});

const review = (image: string): Promise<Outcome> =>
  svc.client().review(podReview({ images: [image] }));

const NETWORKS = '--allow-private-network (chart: config.allowPrivateNetworks)';

/**
 * The denial clause of an image the guard refused: "could not verify … registry not allowed",
 * and the settings that would allow it: naming the registry (`host[:port]`, as configuration
 * lists it) for a loopback or private address, only a CIDR for metadata.
 */
function notAllowed(image: string, shown: string, cls: string, digest?: string): string {
  const at = digest ? `${digest.slice(0, 19)}…` : 'digest unknown';
  const remedy =
    cls === 'loopback' || cls === 'private'
      ? `name ${new URL(`https://${registryOf(image)}`).host} in --insecure-registry, ` +
        `--registry-ca or --registry-credentials, or allow the range with ${NETWORKS}`
      : `only a CIDR that names it in ${NETWORKS} allows it`;
  return (
    `${FIELD} "${image}" (${at}): not verified under policy "${POLICY}" — registry not ` +
    `allowed: ${shown} is a ${cls} address and is not in the allowed networks; ${remedy} ` +
    '[NOT_ALLOWED]'
  );
}

/** The host an image reference is fetched from (a first part without dot or port is Docker Hub). */
function registryOf(image: string): string {
  const first = image.split('/')[0]!;
  return /[.:]/.test(first) || first === 'localhost' ? first : 'registry-1.docker.io';
}

describe('T-54 SSRF guard (service, no private networks but 127.0.0.2/32)', () => {
  const cases = (): string[][] => [
    [`169.254.169.254/x@${DIGEST}`, '169.254.169.254', 'metadata', DIGEST],
    ['localhost:10250/x', 'localhost (127.0.0.1)', 'loopback'],
    [`localhost:${v4.port}/x`, 'localhost (127.0.0.1)', 'loopback'],
    ...(v6 ? [[`v6.evil.example:${v6.port}/x`, 'v6.evil.example (::1)', 'loopback']] : []),
    // No dot or port: a Docker Hub namespace, never the address 127.0.0.1.
    ['0x7f000001/x', 'registry-1.docker.io (127.0.0.1)', 'loopback'],
    // With a port it is a host, and the URL parser reads it as 127.0.0.1: refused as such.
    [`0x7f000001:${v4.port}/x`, '127.0.0.1', 'loopback'],
    ['kubernetes.default.svc/x', 'kubernetes.default.svc (127.0.0.1)', 'loopback'],
    [`kubernetes.default.svc:${v4.port}/x`, 'kubernetes.default.svc (127.0.0.1)', 'loopback'],
    [`registry.evil.example:${v4.port}/x`, 'registry.evil.example (127.0.0.1)', 'loopback'],
    ['metadata.evil.example/x', 'metadata.evil.example (169.254.169.254)', 'metadata'],
    [`mixed.evil.example:${v4.port}/x`, 'mixed.evil.example (127.0.0.1)', 'loopback'],
  ];

  it('T-54 denies each image as registry not allowed, and no sentinel sees a connection', async () => {
    const list = cases();
    const outcomes = await Promise.all(list.map(([image]) => review(image!)));
    for (const [i, [image, shown, cls, digest]] of list.entries()) {
      expect(outcomes[i]!.kind, image).toBe('denied');
      expect(outcomes[i]!.response?.status?.message, image).toBe(
        notAllowed(image!, shown!, cls!, digest),
      );
    }
    // An IPv6 literal is a registry host in its one normal form (decision 9): the "*" statement
    // governs it and the guard refuses the literal before any connection.
    const literals = ['[::1]/x', ...(v6 ? [`[::1]:${v6.port}/x`] : [])];
    for (const image of literals) {
      const o = await review(image);
      expect(o.kind, image).toBe('denied');
      expect(o.response?.status?.message, image).toBe(notAllowed(image, '[::1]', 'loopback'));
    }
    const sentinels = { v4, v6, kubelet, https4, https6 };
    const seen = Object.fromEntries(
      Object.entries(sentinels).map(([k, s]) => [k, s ? s.connections : 'not bound']),
    );
    expect(seen).toEqual(
      Object.fromEntries(Object.entries(sentinels).map(([k, s]) => [k, s ? 0 : 'not bound'])),
    );
    // The Docker Hub reading of 0x7f000001/x asked DNS for Docker Hub, never for "0x7f000001".
    expect(asked).toContain('registry-1.docker.io');
    expect(asked.some((n) => n.includes('0x7f'))).toBe(false);
    expect(internal.connections()).toBe(0);
    process.stdout.write(
      `[reliability] T-54 ${JSON.stringify({ cases: list.length + literals.length, sentinels: seen })}\n`,
    );
  });

  it('T-54 verifies through a private registry the allowlist names, by name and by address', async () => {
    const [signed] = world.signed;
    const [unsigned] = world.unsigned;
    const byName = `registry.internal.example:${internal.port}`;
    const byAddress = `127.0.0.2:${internal.port}`;
    const ok = await review(world.via(byName, signed!));
    expect(ok.kind, ok.response?.status?.message).toBe('admitted');
    expect((await review(world.via(byAddress, signed!))).kind).toBe('admitted');
    const bad = await review(world.via(byName, unsigned!));
    expect(bad.kind).toBe('denied');
    expect(bad.response?.status?.message).toMatch(/ \[SIGNATURE_NOT_FOUND\]$/);
    expect(internal.connections()).toBeGreaterThan(0);
    expect(asked).toContain('registry.internal.example');
  });

  it('T-54 (sensitivity) the sentinel does see the connection once loopback is allowlisted', async () => {
    const open = await startBareService({
      trustPolicy: world.trustPolicy,
      roots: [world.pki.root.pem],
      flags: ['--allow-private-network', '127.0.0.1/32'],
    });
    try {
      const before = v4.connections;
      const image = `localhost:${v4.port}/x@${DIGEST}`;
      const o = await open.client().review(podReview({ images: [image] }));
      expect(o.kind).toBe('denied'); // the sentinel hangs up: inconclusive, still denied
      expect(o.response?.status?.message).toMatch(/ \[NETWORK\]$/);
      expect(v4.connections).toBeGreaterThan(before);
    } finally {
      await open.close();
    }
  });
});
