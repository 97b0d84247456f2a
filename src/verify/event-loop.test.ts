// Issue 13, item 4: an envelope may carry any number of certificates, and each one used to be
// parsed and signature-checked on the event loop (2,000 of them held it for about 2 s, and every
// other review waited). The cap refuses such an envelope before any certificate is parsed.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { issue, makeChain } from '../../test/support/certs.js';
import { E2E_ARTIFACT, ENVELOPE_FORMATS, type ChainCert } from '../../test/support/envelopes.js';
import { parseTrustPolicyDocument } from './trust-policy/index.js';
import { verifySignature, type SignatureOutcome } from './verify-signature.js';

const CERTIFICATES = 2000;
/** Concurrent reviews carrying the envelope, as a flood of admission requests would. */
const REVIEWS = 2;
/**
 * Generous on purpose, so that a busy shared CI machine cannot flake it: without the cap one
 * review alone holds the loop for seconds; with it, the refusal takes milliseconds.
 */
const DELAY_BOUND_MS = 200;

const policy = parseTrustPolicyDocument({
  version: '1.0',
  trustPolicies: [
    {
      name: 'test',
      registryScopes: ['*'],
      signatureVerification: { level: 'strict' },
      trustStores: ['ca:test'],
      trustedIdentities: ['*'],
    },
  ],
}).trustPolicies[0]!;

/** Distinct certificates, so no cache could make parsing them cheap. */
async function distinctCertificates(count: number): Promise<ChainCert[]> {
  const root = await issue({ profile: 'root', subject: 'CN=Flood Root' });
  const certs: ChainCert[] = [];
  while (certs.length < count) {
    const batch = Array.from({ length: Math.min(100, count - certs.length) }, (_, i) =>
      issue({ profile: 'none', subject: `CN=flood-${certs.length + i}` }, root),
    );
    certs.push(...(await Promise.all(batch)));
  }
  return certs;
}

let flood: ChainCert[];
beforeAll(async () => {
  const { leaf } = await makeChain({ levels: 2 });
  flood = [leaf, ...(await distinctCertificates(CERTIFICATES - 1))];
}, 120_000);

describe('verifySignature', () => {
  describe.each(ENVELOPE_FORMATS)('when $name envelopes carry 2,000 certificates', (format) => {
    it('returns ENVELOPE_MALFORMED for each while a concurrent timer keeps firing', async () => {
      const bytes = format.sign({ chain: flood }); // 1.1 MB as JWS, 0.7 MB as COSE
      const delay = monitorEventLoopDelay({ resolution: 10 });
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      delay.enable();
      let outcomes: SignatureOutcome[];
      const started = performance.now();
      let elapsedMs = 0;
      try {
        outcomes = await Promise.all(
          Array.from({ length: REVIEWS }, () =>
            verifySignature({
              envelope: { mediaType: format.mediaType, bytes },
              artifact: E2E_ARTIFACT,
              policy,
              trustStores: new Map(),
              now: new Date(),
            }),
          ),
        );
        elapsedMs = performance.now() - started;
        const before = ticks;
        while (ticks < before + 5) await sleep(5);
      } finally {
        delay.disable();
        clearInterval(timer);
      }
      for (const outcome of outcomes) {
        expect(outcome.verified).toBe(false);
        expect(outcome.error).toMatchObject({
          code: 'ENVELOPE_MALFORMED',
          message: expect.stringMatching(/2000 certificates.* 16/) as string,
        });
      }
      const maxMs = delay.max / 1e6;
      process.stdout.write(
        `[event-loop] ${REVIEWS} ${format.name} envelopes of 2,000 certificates refused in ${elapsedMs.toFixed(1)} ms, longest stall ${maxMs.toFixed(1)} ms\n`,
      );
      expect(maxMs).toBeLessThan(DELAY_BOUND_MS);
    });
  });
});
