import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeChain, type Chain } from '../../../test/support/certs.js';
import { vectorText } from '../../../test/support/vectors.js';
import { VerificationError } from '../errors.js';
import * as x509 from './peculiar.js';
import { validateCodeSigningChain } from './requirements.js';
import { findTrustedCertificate } from './trust.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 10_000);

/** What the chain handling may do with an input: pass it, or refuse it with a VerificationError. */
async function judge(chain: x509.X509Certificate[]): Promise<'passed' | 'refused'> {
  try {
    await validateCodeSigningChain(chain);
    return 'passed';
  } catch (err) {
    if (!(err instanceof VerificationError) || err.code !== 'CERT_REQUIREMENTS_UNMET') throw err;
    return 'refused';
  }
}

/** Parses DER the way the envelope parser does; undefined when it is not a certificate at all. */
function parse(der: Uint8Array): x509.X509Certificate | undefined {
  try {
    return new x509.X509Certificate(der);
  } catch {
    return undefined;
  }
}

describe('certificate chain handling under fuzzing', () => {
  let chain: Chain;
  let ders: Uint8Array[];
  beforeAll(async () => {
    chain = await makeChain({ key: 'ec-p256', levels: 3 });
    ders = chain.certs.map((c) => c.der);
  });

  it('passes the untouched chain (the property below is not vacuous)', async () => {
    expect(await judge(ders.map((d) => parse(d)!))).toBe('passed');
  });

  it('refuses every chain with a changed byte, and never trusts it by accident', async () => {
    const trusted = [chain.root.cert];
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 2 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (which, offset, xor) => {
          const mutated = ders.map((d) => new Uint8Array(d));
          const target = mutated[which]!;
          target[offset % target.length]! ^= xor;
          const certs = mutated.map(parse);
          if (certs.some((c) => c === undefined)) return; // not a certificate: the envelope parser refuses it
          const parsed = certs as x509.X509Certificate[];
          expect(await judge(parsed)).toBe('refused');
          // Trust is byte equality: a mutated root can never be the trusted one.
          if (which === 2) expect(findTrustedCertificate([parsed[2]!], trusted)).toBeUndefined();
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);

  it('passes a rearranged chain only when it is the original order', async () => {
    const pool = [...ders, pemToDer(vectorText('certs/notation-e2e/localkeys/e2e.crt'))];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: pool.length - 1 }), { minLength: 0, maxLength: 6 }),
        async (indexes) => {
          const result =
            indexes.length === 0 ? 'refused' : await judge(indexes.map((i) => parse(pool[i]!)!));
          const original = indexes.join(',') === '0,1,2';
          // The e2e certificate alone is a valid self-signed signing certificate.
          const e2eAlone = indexes.join(',') === '3';
          expect(result).toBe(original || e2eAlone ? 'passed' : 'refused');
        },
      ),
      { numRuns: Math.max(1_000, RUNS / 10) },
    );
  }, 600_000);
});

function pemToDer(pem: string): Uint8Array {
  return new Uint8Array(Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'));
}
