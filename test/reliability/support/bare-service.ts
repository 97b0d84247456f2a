// The real service in-process with exactly the flags given: unlike test/support/service.ts it
// does not add `--allow-private-network all`, so the address guard runs as it does by default.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseServeArgs } from '../../../src/config/index.js';
import { startService, type Service, type ServiceOverrides } from '../../../src/main.js';
import { createApiServerClient, type ApiServerClient } from '../../support/api-server.js';

export interface BareService {
  service: Service;
  client(): ApiServerClient;
  /** Rewrites the trust policy and reloads it now. */
  writePolicy(trustPolicy: unknown): Promise<void>;
  close(): Promise<void>;
}

export async function startBareService(options: {
  trustPolicy: unknown;
  /** PEM roots of the trust store `ca:acme`. */
  roots: string[];
  flags: string[];
  overrides?: ServiceOverrides;
}): Promise<BareService> {
  const dir = await mkdtemp(path.join(tmpdir(), 'na-bare-'));
  const store = path.join(dir, 'truststore', 'x509', 'ca', 'acme');
  await mkdir(store, { recursive: true });
  await Promise.all(options.roots.map((pem, i) => writeFile(path.join(store, `${i}.crt`), pem)));
  const policyPath = path.join(dir, 'trustpolicy.json');
  await writeFile(policyPath, JSON.stringify(options.trustPolicy));
  const settings = parseServeArgs(
    [
      ...['--port', '0', '--metrics-port', '0', '--tls-dir', path.join(dir, 'tls')],
      ...['--trust-policy', policyPath, '--trust-store', path.join(dir, 'truststore')],
      ...['--drain-delay', '200ms'],
      ...(options.flags.includes('--log-level') ? [] : ['--log-level', 'silent']),
      ...options.flags,
    ],
    {},
  );
  const service = await startService(settings, options.overrides);
  const ca = service.caPath ? await readFile(service.caPath, 'utf8') : '';
  const clients: ApiServerClient[] = [];
  return {
    service,
    client: () => {
      const c = createApiServerClient({ url: service.url, ca, webhook: 'validating' });
      clients.push(c);
      return c;
    },
    writePolicy: async (trustPolicy) => {
      await writeFile(policyPath, JSON.stringify(trustPolicy));
      await service.policies.reload();
    },
    close: async () => {
      await Promise.allSettled(clients.map((c) => c.close()));
      await service.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
