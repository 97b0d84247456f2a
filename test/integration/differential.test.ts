import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRevocationChecker,
  createTrustStore,
  parseTrustPolicyDocument,
  verifyArtifact,
  type TrustStore,
  type TrustStoreType,
} from '../../src/verify/index.js';
import { notationVerify, OciClient } from '../harness/index.js';
import { httpFetcher } from '../support/http-fetcher.js';
import { startDifferentialWorld, type DifferentialWorld } from './differential/infra.js';
import type { Prepared } from './differential/prepare.js';
import { SCENARIOS } from './differential/scenarios.js';
import { listSignatures } from './differential/signatures.js';

/** Validations notation reports as logged failures: `Warning: expiry was set to "log" and failed …`. */
function notationLogged(stderr: string): string[] {
  return [...stderr.matchAll(/Warning: (\w+) was set to "log" and failed/g)]
    .map((m) => m[1]!)
    .sort();
}

async function ourVerdict(
  p: Prepared,
): Promise<{ verified: boolean; logged: string[]; code?: string }> {
  const trustStores = new Map<string, TrustStore>();
  for (const [type, named] of Object.entries(p.trustStores)) {
    for (const [name, files] of Object.entries(named)) {
      const certificates = files.map((f) => readFileSync(f, 'utf8'));
      trustStores.set(
        `${type}:${name}`,
        createTrustStore({ type: type as TrustStoreType, name, certificates }),
      );
    }
  }
  const client = new OciClient(p.registry);
  const outcome = await verifyArtifact({
    repository: `${p.registry.host}/${p.image.repository}`,
    artifact: { mediaType: p.image.mediaType, digest: p.image.digest, size: p.image.size },
    document: parseTrustPolicyDocument(p.trustPolicy),
    trustStores,
    listSignatures: () => listSignatures(client, p.image.repository, p.image.digest),
    now: new Date(),
    revocation: createRevocationChecker({ fetcher: httpFetcher }),
    ...(p.scenario.requiredMetadata && { userMetadata: p.scenario.requiredMetadata }),
  });
  const logged = (outcome.signature?.results ?? [])
    .filter((r) => r.action === 'log' && r.error)
    .map((r) => r.type);
  return {
    verified: outcome.verified,
    logged: logged.sort(),
    ...(outcome.error && { code: outcome.error.code }),
  };
}

describe('differential: our verifier against notation verify', () => {
  let world: DifferentialWorld | undefined;
  const prepared = (name: string): Prepared => world!.prepared.get(name)!;
  beforeAll(async () => {
    world = await startDifferentialWorld(SCENARIOS);
  }, 600_000);
  afterAll(async () => {
    await world?.stop();
  });

  it('covers at least 30 scenarios', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (name, s) => {
    const p = prepared(name);
    const reference = await notationVerify(p.image.reference, p.registry, {
      trustPolicy: p.trustPolicy,
      trustStores: p.trustStores,
      ...(s.requiredMetadata && { userMetadata: s.requiredMetadata }),
    });
    const ours = await ourVerdict(p);
    const expected = { verified: s.expect.verified, logged: [...(s.expect.logged ?? [])].sort() };
    expect(
      { verified: reference.verified, logged: notationLogged(reference.stderr) },
      `notation: ${reference.stderr}`,
    ).toEqual(expected);
    expect({ verified: ours.verified, logged: ours.logged }, `ours: ${ours.code ?? ''}`).toEqual(
      expected,
    );
  });
});
