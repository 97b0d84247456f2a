// The real service, started in-process exactly as `notary-admission serve` wires it, on free
// 127.0.0.1 ports with a generated certificate and a trust policy written to a temp dir.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseServeArgs } from '../../src/config/index.js';
import { startService, type Service, type ServiceOverrides } from '../../src/main.js';
import { createApiServerClient, type ApiServerClient } from './api-server.js';

/**
 * `type` → store name → PEM certificates (one file each); `notaryV1Root`: Docker Content Trust's
 * pinned roots, written to `truststore/notaryV1Root/<name>/` beside `x509/` (issue 18).
 */
export type TrustStoreFiles = Partial<
  Record<'ca' | 'signingAuthority' | 'tsa' | 'notaryV1Root', Record<string, string[]>>
>;

export interface TestServiceOptions {
  trustPolicy: unknown;
  trustStores?: TrustStoreFiles;
  /** Extra `serve` flags (they win over the defaults below). */
  flags?: string[];
  /** The environment `serve` reads (default: none of this process's). */
  env?: Record<string, string>;
  overrides?: ServiceOverrides;
}

export interface TestService {
  service: Service;
  url: string;
  /** PEM of the CA that signed the serving certificate. */
  ca: string;
  dir: string;
  /** An API-server simulator for this service (closed by `close()`). */
  client(options?: Partial<Parameters<typeof createApiServerClient>[0]>): ApiServerClient;
  /** Rewrites the policy files and reloads them now (the poller would, within its interval). */
  writePolicy(trustPolicy: unknown, trustStores?: TrustStoreFiles): Promise<void>;
  close(): Promise<void>;
}

async function writeFiles(
  dir: string,
  trustPolicy: unknown,
  stores: TrustStoreFiles,
): Promise<void> {
  await rm(path.join(dir, 'truststore'), { recursive: true, force: true });
  await mkdir(path.join(dir, 'truststore', 'x509'), { recursive: true });
  for (const [type, named] of Object.entries(stores)) {
    for (const [name, pems] of Object.entries(named)) {
      const storeDir =
        type === 'notaryV1Root'
          ? path.join(dir, 'truststore', type, name)
          : path.join(dir, 'truststore', 'x509', type, name);
      await mkdir(storeDir, { recursive: true });
      await Promise.all(pems.map((pem, i) => writeFile(path.join(storeDir, `cert-${i}.crt`), pem)));
    }
  }
  await writeFile(path.join(dir, 'trustpolicy.json'), JSON.stringify(trustPolicy, null, 2));
}

/** Starts the service; every registry on 127.0.0.1 is allowed (`--allow-private-network all`). */
export async function startTestService(options: TestServiceOptions): Promise<TestService> {
  const dir = await mkdtemp(path.join(tmpdir(), 'na-service-'));
  await writeFiles(dir, options.trustPolicy, options.trustStores ?? {});
  const settings = parseServeArgs(
    [
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--tls-dir',
      path.join(dir, 'tls'),
      '--trust-policy',
      path.join(dir, 'trustpolicy.json'),
      '--trust-store',
      path.join(dir, 'truststore'),
      '--drain-delay',
      '200ms',
      '--log-level',
      'silent',
      '--allow-private-network',
      'all',
      ...(options.flags ?? []),
    ],
    options.env ?? {},
  );
  const service = await startService(settings, options.overrides);
  const ca = service.caPath ? await readFile(service.caPath, 'utf8') : '';
  const clients: ApiServerClient[] = [];
  return {
    service,
    url: service.url,
    ca,
    dir,
    client: (over = {}) => {
      const c = createApiServerClient({ url: service.url, ca, webhook: 'validating', ...over });
      clients.push(c);
      return c;
    },
    writePolicy: async (trustPolicy, trustStores = {}) => {
      await writeFiles(dir, trustPolicy, trustStores);
      await service.policies.reload();
    },
    close: async () => {
      await Promise.allSettled(clients.map((c) => c.close()));
      await service.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
