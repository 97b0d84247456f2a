// Issue 13, item 4, through the real service over HTTPS: an image whose signature envelope
// carries 2,000 distinct certificates (0.7 MB of COSE, under the registry client's 1 MiB envelope
// limit) is denied with the envelope code before any certificate is parsed, and a properly signed
// image reviewed at the same time is admitted. Images in an olareg registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PushedImage } from '../../harness/index.js';
import { issue, makeChain } from '../../support/certs.js';
import { signCose, type ChainCert } from '../../support/envelopes.js';
import { podReview } from '../../support/reviews.js';
import { startTestService, type TestService } from '../../support/service.js';
import { startSigningWorld, statement, type SigningWorld } from './fixtures.js';

const CERTIFICATES = 2000;

/** A leaf that signs, then distinct certificates (no cache could make parsing them cheap). */
async function floodChain(): Promise<ChainCert[]> {
  const { leaf } = await makeChain({ levels: 2 });
  const root = await issue({ profile: 'root', subject: 'CN=Flood Root' });
  const certs: ChainCert[] = [leaf];
  while (certs.length < CERTIFICATES) {
    const batch = Array.from({ length: Math.min(100, CERTIFICATES - certs.length) }, (_, i) =>
      issue({ profile: 'none', subject: `CN=flood-${certs.length + i}` }, root),
    );
    certs.push(...(await Promise.all(batch)));
  }
  return certs;
}

let world: SigningWorld;
let svc: TestService;
let flooded: PushedImage;
let signed: PushedImage;

beforeAll(async () => {
  world = await startSigningWorld({ kind: 'olareg' });
  [flooded, signed] = await Promise.all([world.push('flood/app'), world.push('flood/signed')]);
  await world.sign(signed);
  const payload = { mediaType: flooded.mediaType, digest: flooded.digest, size: flooded.size };
  const bytes = Buffer.from(signCose({ chain: await floodChain(), payload }));
  await world.attach(flooded, { mediaType: 'application/cose', bytes });
  svc = await startTestService({
    trustPolicy: { version: '1.0', trustPolicies: [statement('prod', ['*'])] },
    trustStores: world.serviceStores,
    flags: world.serviceFlags,
  });
}, 180_000);
afterAll(async () => {
  await svc?.close();
  await world?.stop();
});

describe('notary-admission serve', () => {
  describe('when a signature envelope carries 2,000 certificates', () => {
    it('denies the image [ENVELOPE_MALFORMED] and admits a signed image reviewed alongside', async () => {
      const api = svc.client();
      const [flood, fine] = await Promise.all([
        api.review(podReview({ images: [flooded.reference] })),
        api.review(podReview({ images: [signed.reference] })),
      ]);
      expect(flood).toMatchObject({ kind: 'denied', status: 403 });
      expect(flood.message).toContain(`"${flooded.reference}"`);
      expect(flood.message).toContain('2000 certificates; at most 16');
      expect(flood.message).toMatch(/\[ENVELOPE_MALFORMED\]$/);
      expect(fine).toMatchObject({ kind: 'admitted' });
    });
  });
});
