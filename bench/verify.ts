// Per-signature verification time of src/verify (target: under 0.5 ms on one core), for the two
// envelope types issue 3 names, each with a root → intermediate → leaf chain. Revocation is
// offline (the chain names no OCSP/CRL URL) and no timestamp is involved.
import { performance } from 'node:perf_hooks';
import {
  createTrustStore,
  parseTrustPolicyDocument,
  verifySignature,
} from '../src/verify/index.js';
import type { Descriptor, TrustStores } from '../src/verify/index.js';
import { makeChain, type KeyAlg } from '../test/support/certs.js';
import { signCose, signJws } from '../test/support/envelopes.js';
import type { Row } from './stats.js';

const ARTIFACT: Descriptor = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${'ab'.repeat(32)}`,
  size: 1234,
};
const POLICY = parseTrustPolicyDocument({
  version: '1.0',
  trustPolicies: [
    {
      name: 'bench',
      registryScopes: ['*'],
      signatureVerification: { level: 'strict' },
      trustStores: ['ca:bench'],
      trustedIdentities: ['*'],
    },
  ],
}).trustPolicies[0]!;

interface Prepared {
  envelope: { mediaType: string; bytes: Uint8Array };
  trustStores: TrustStores;
}

/** A fresh chain (so nothing about it is cached yet), a signed envelope and a store with its root. */
async function prepare(key: KeyAlg, format: 'jws' | 'cose'): Promise<Prepared> {
  const chain = await makeChain({ key, levels: 3 });
  const signingTime = new Date(Date.now() - 60_000);
  const bytes = (format === 'jws' ? signJws : signCose)({
    chain: chain.certs,
    payload: ARTIFACT,
    signingTime,
  });
  const trustStores: TrustStores = new Map([
    ['ca:bench', createTrustStore({ type: 'ca', name: 'bench', certificates: [chain.root.pem] })],
  ]);
  return {
    envelope: { mediaType: format === 'jws' ? 'application/jose+json' : 'application/cose', bytes },
    trustStores,
  };
}

async function timeOnce(p: Prepared): Promise<number> {
  const t0 = performance.now();
  const outcome = await verifySignature({
    ...p,
    artifact: ARTIFACT,
    policy: POLICY,
    now: new Date(),
  });
  const ms = performance.now() - t0;
  if (!outcome.verified) throw new Error(`not verified: ${outcome.error?.message}`);
  return ms;
}

function row(name: string, times: number[]): Row {
  times.sort((a, b) => a - b);
  const at = (q: number): number =>
    times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  return { name, runs: times.length, medianMs: at(0.5), p95Ms: at(0.95), minMs: times[0]! };
}

/** The same signer again and again: what a cluster sees (a few signers, many images). */
async function repeatedSigner(
  label: string,
  key: KeyAlg,
  format: 'jws' | 'cose',
  iterations: number,
): Promise<Row> {
  const p = await prepare(key, format);
  for (let i = 0; i < 200; i++) await timeOnce(p); // warm-up: JIT and caches
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) times.push(await timeOnce(p));
  return row(`verifySignature ${label}, signer seen before`, times);
}

/** A signer chain never seen before: every certificate parsed, checked and its key imported. */
async function newSigner(
  label: string,
  key: KeyAlg,
  format: 'jws' | 'cose',
  count: number,
): Promise<Row> {
  await timeOnce(await prepare(key, format)); // JIT warm-up only
  const fresh = [];
  for (let i = 0; i < count; i++) fresh.push(await prepare(key, format));
  const times: number[] = [];
  for (const p of fresh) times.push(await timeOnce(p));
  return row(`verifySignature ${label}, first sight of the signer`, times);
}

export async function verifyRows(): Promise<Row[]> {
  const iterations = Number(process.env['BENCH_VERIFY_ITERATIONS'] ?? 2_000);
  return [
    await repeatedSigner('JWS RSA-3072 PS384, 3-cert chain', 'rsa-3072', 'jws', iterations),
    await repeatedSigner('COSE ECDSA P-384 ES384, 3-cert chain', 'ec-p384', 'cose', iterations),
    await newSigner('JWS RSA-3072 PS384, 3-cert chain', 'rsa-3072', 'jws', 20),
    await newSigner('COSE ECDSA P-384 ES384, 3-cert chain', 'ec-p384', 'cose', 100),
  ];
}
