import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makePki, simpleTrustPolicy } from '../../harness/index.js';
import { run } from '../../harness/run.js';
import { makeWorkdir } from '../../harness/workdir.js';

const CHILD = fileURLToPath(new URL('./loaded-packages.child.ts', import.meta.url));

interface Loaded {
  packages: string[];
  /** CommonJS files, by their path under node_modules. */
  files: string[];
}

/** What `serve` has loaded once it listens, with the file policy source. */
async function loadedAtRest(): Promise<Loaded> {
  const dir = makeWorkdir('serve-packages');
  const pki = await makePki({ key: 'ec-p256' });
  const store = path.join(dir, 'truststore', 'x509', 'ca', 'test');
  mkdirSync(store, { recursive: true });
  writeFileSync(path.join(store, 'root.crt'), pki.root.pem);
  const policy = path.join(dir, 'trustpolicy.json');
  writeFileSync(policy, JSON.stringify(simpleTrustPolicy({ trustStores: ['ca:test'] })));
  const flags = [
    ...['--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--log-level', 'silent'],
    ...['--tls-dir', path.join(dir, 'tls'), '--trust-policy', policy],
    ...['--trust-store', path.join(dir, 'truststore')],
  ];
  const out = await run(process.execPath, ['--import', 'tsx', CHILD, ...flags]);
  if (out.code !== 0) throw new Error(`child failed (${out.code}): ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').at(-1) ?? '{}') as Loaded;
}

describe('serve', () => {
  describe('when it runs with the file policy source', () => {
    it('returns to rest without the Kubernetes client, the cloud SDKs or schema compilers loaded (issue 20)', async () => {
      const { packages: loaded, files } = await loadedAtRest();
      expect(loaded).toContain('fastify'); // the hook saw the service's packages
      for (const lazy of ['@kubernetes/client-node', '@aws-sdk/client-ecr', '@azure/identity'])
        expect(loaded).not.toContain(lazy);
      for (const compiler of ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'])
        expect(loaded).not.toContain(compiler);
      // undici's index would load its fetch, cookies and WebSocket code and Node's own undici
      // (src/registry/undici.ts): only the dispatcher files the registry client uses.
      expect(files).toContain('undici/lib/dispatcher/pool.js');
      expect(files).not.toContain('undici/index.js');
      expect(files.filter((f) => f.startsWith('undici/lib/web/'))).toEqual([]);
    });
  });
});
