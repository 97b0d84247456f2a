// `verify` and `serve` on one registry and one set of notation files: both go through
// src/pipeline, so they try the same signatures, reach the same verdict with the same reason,
// and differ only in the order notation asks for (the CLI resolves the tag before it looks at
// the policy; the service makes no registry call for an image it need not verify).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issue } from '../test/support/certs.js';
import {
  bytes,
  fakeArtifact,
  sha256,
  startHostileRegistry,
  type HostileRegistry,
} from '../test/support/hostile-registry.js';
import { NoCache } from './cache/index.js';
import type { VerifyReport } from './cli-report.js';
import { runVerify } from './cli-verify.js';
import { loadFileSnapshot } from './config/file-snapshot.js';
import type { VerifySettings } from './config/settings.js';
import type { Snapshot } from './config/snapshot.types.js';
import { createImageVerifier, type CachedVerdict } from './pipeline/index.js';
import { RegistryClient } from './registry/index.js';

const SIGNATURES = 6;
const MAX = 3;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

describe('verify and serve on one registry', () => {
  let dir: string;
  let registry: HostileRegistry;
  let snapshot: Snapshot;
  const artifact = fakeArtifact();

  beforeAll(async () => {
    registry = await startHostileRegistry();
    const manifest = bytes(200, artifact.manifest, {
      'content-type': OCI_MANIFEST,
      'docker-content-digest': artifact.digest,
    });
    for (const name of ['api', 'tools', 'other'])
      registry.route('*', `/v2/acme/${name}/manifests/1.4`, manifest);
    // More signatures than the cap; each manifest is missing (404): a failed signature.
    const listed = Array.from({ length: SIGNATURES }, (_, i) => ({
      ...artifact.signatureDescriptor,
      digest: sha256(`signature ${i}`),
    }));
    const index = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: listed });
    registry.route(
      'GET',
      `/v2/acme/api/referrers/${artifact.digest}`,
      bytes(200, index, { 'content-type': OCI_INDEX }),
    );

    dir = mkdtempSync(path.join(tmpdir(), 'cli-parity-'));
    const root = await issue({ profile: 'root', subject: 'CN=Acme Root' });
    mkdirSync(path.join(dir, 'store', 'x509', 'ca', 'acme'), { recursive: true });
    writeFileSync(path.join(dir, 'store', 'x509', 'ca', 'acme', 'root.crt'), root.pem);
    const statement = (name: string, scope: string, level: string) => ({
      name,
      registryScopes: [`${registry.host}/acme/${scope}`],
      signatureVerification: { level },
      ...(level !== 'skip' && { trustStores: ['ca:acme'], trustedIdentities: ['*'] }),
    });
    const policy = {
      version: '1.0',
      trustPolicies: [statement('api', 'api', 'strict'), statement('tools', 'tools', 'skip')],
    };
    writeFileSync(path.join(dir, 'trustpolicy.json'), JSON.stringify(policy));
    snapshot = await loadFileSnapshot({
      trustPolicyPath: path.join(dir, 'trustpolicy.json'),
      trustStoreDir: path.join(dir, 'store'),
    });
  });
  afterAll(async () => {
    await registry?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const settings = (image: string): VerifySettings => ({
    reference: `${registry.host}/acme/${image}:1.4`,
    trustPolicyPath: path.join(dir, 'trustpolicy.json'),
    trustStoreDir: path.join(dir, 'store'),
    insecureRegistries: [registry.host],
    insecureReference: false,
    allowPrivateNetworks: true,
    registryCaFiles: {},
    output: 'json',
    timeoutMs: 5_000,
    revocation: 'offline',
    userMetadata: {},
    maxSignatures: MAX,
  });

  async function cli(image: string): Promise<{ code: number; report: VerifyReport }> {
    let out = '';
    const io = { out: (t: string) => void (out += t), err: () => undefined };
    const code = await runVerify(settings(image), io);
    return { code, report: JSON.parse(out) as VerifyReport };
  }

  async function service(image: string) {
    const client = new RegistryClient({
      insecureRegistries: [registry.host],
      allowPrivateNetworks: true,
    });
    try {
      const verifyImage = createImageVerifier({
        registry: client,
        cache: new NoCache<CachedVerdict>(),
        maxSignatures: MAX,
      });
      const scope = {
        snapshot,
        namespace: undefined,
        signal: new AbortController().signal,
        deadline: Date.now() + 5_000,
      };
      return await verifyImage({ image: `${registry.host}/acme/${image}:1.4` }, scope);
    } finally {
      await client.close();
    }
  }

  /** Requests the registry saw while `run` ran: all, and signature manifests fetched. */
  async function counted<T>(run: () => Promise<T>) {
    const before = {
      all: registry.count(),
      sigs: registry.count('/v2/acme/api/manifests/sha256:'),
    };
    const result = await run();
    return {
      result,
      requests: registry.count() - before.all,
      signatures: registry.count('/v2/acme/api/manifests/sha256:') - before.sigs,
    };
  }

  describe('when the registry lists more signatures than --max-signatures', () => {
    it('returns the same failure from both, each having fetched only the cap', async () => {
      const ours = await counted(() => cli('api'));
      const served = await counted(() => service('api'));
      expect(ours.result.code).toBe(1);
      expect(ours.result.report.error?.code).toBe('MAX_SIGNATURES_EXCEEDED');
      expect(ours.result.report.failures).toHaveLength(MAX);
      expect(served.result).toMatchObject({
        kind: 'failed',
        digest: artifact.digest,
        code: 'MAX_SIGNATURES_EXCEEDED',
        reason: ours.result.report.error?.message,
      });
      expect([ours.signatures, served.signatures]).toEqual([MAX, MAX]);
    });
  });

  describe('when the statement skips verification', () => {
    it('returns skip from both; only the CLI resolves the tag, to name the digest', async () => {
      const ours = await counted(() => cli('tools'));
      const served = await counted(() => service('tools'));
      expect(ours.result).toMatchObject({
        code: 0,
        report: { digest: artifact.digest, verified: true, policy: 'tools', level: 'skip' },
      });
      expect(served.result).toMatchObject({ kind: 'skipped', admission: { policy: 'tools' } });
      expect([ours.requests, served.requests]).toEqual([1, 0]);
    });
  });

  describe('when no statement applies', () => {
    it('returns NO_APPLICABLE_POLICY from both with one reason; the CLI resolved the tag first', async () => {
      const ours = await counted(() => cli('other'));
      const served = await counted(() => service('other'));
      const reason = `no trust policy applies to ${registry.host}/acme/other`;
      expect(ours.result).toMatchObject({
        code: 1,
        report: {
          digest: artifact.digest,
          verified: false,
          inconclusive: false,
          failures: [],
          error: { code: 'NO_APPLICABLE_POLICY', message: reason },
        },
      });
      expect(served.result).toMatchObject({ kind: 'failed', code: 'NO_APPLICABLE_POLICY', reason });
      expect([ours.requests, served.requests]).toEqual([1, 0]);
    });
  });
});
