// Standing decision 9 as the pipeline applies it (verify-image.ts: parseReference; policy.ts:
// selectTrustPolicy on repositoryName): whatever spelling of its registry a Pod uses, an image is
// governed by the statement of its normal form, never by `*` or by nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostSpellings } from '../../test/support/host-spellings.js';
import { parseReference, repositoryName } from '../registry/index.js';
import { parseTrustPolicyDocument, selectTrustPolicy } from '../verify/index.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

const statement = (name: string, registryScopes: string[], store: string) => ({
  name,
  registryScopes,
  signatureVerification: { level: 'strict' },
  trustStores: [store],
  trustedIdentities: ['*'],
});

/** Docker's rule reads the first component as a registry (else it is a Docker Hub path). */
const readAsRegistry = (host: string): boolean =>
  /[.:[]/.test(host) || host === 'localhost' || host.toLowerCase() !== host;

describe('statement selection for a Pod image', () => {
  describe('when the Pod spells the registry of a governed image in any way (property)', () => {
    it('returns the statement of the normal form, as for the normal form itself', () => {
      const spelled = hostSpellings().filter(({ spelling }) => readAsRegistry(spelling));
      const tail = fc.constantFrom(`@${DIGEST}`, ':v1', '', `:v1@${DIGEST}`);
      fc.assert(
        fc.property(spelled, tail, ({ normal, spelling }, suffix) => {
          const document = parseTrustPolicyDocument({
            version: '1.0',
            trustPolicies: [
              statement('governed', [`${normal}/apps/x`], 'ca:trusted'),
              statement('everything-else', ['*'], 'ca:other'),
            ],
          });
          const chosen = (image: string) =>
            selectTrustPolicy(document, repositoryName(parseReference(image)))?.name;
          expect(chosen(`${normal}/apps/x${suffix}`)).toBe('governed');
          expect(chosen(`${spelling}/apps/x${suffix}`)).toBe('governed');
          expect(chosen(`${spelling}/apps/y${suffix}`)).toBe('everything-else');
        }),
        { numRuns: 1000 },
      );
    });
  });
});
