import { describe, expect, it } from 'vitest';
import { E2E_ARTIFACT } from '../../../test/support/envelopes.js';
import { integrityError } from '../../../test/support/matchers.js';
import { vector } from '../../../test/support/vectors.js';
import { algorithmForKey, parseEnvelope } from './index.js';

const E2E_ENVELOPE =
  'oci-layouts/notation-e2e/e2e-valid-signature/blobs/sha256/' +
  'c9af07e038b2b1a463e648986ad7273157511ffeba0b689f33e5472bae471f50';
/** The layer of `e2e-invalid-signature`: a text file pushed as `application/vnd.oci.image.layer.v1.tar`. */
const INVALID_LAYER =
  'oci-layouts/notation-e2e/e2e-invalid-signature/blobs/sha256/' +
  '9a8decdf3775708f4eed16859f19561d730cad40b1af0dcfc37ac1e5f879a934';

describe('parseEnvelope', () => {
  describe('when the media type names a supported envelope', () => {
    it('returns the JWS of e2e-valid-signature', () => {
      const content = parseEnvelope('application/jose+json', vector(E2E_ENVELOPE));
      expect(content.targetArtifact).toEqual(E2E_ARTIFACT);
      expect(algorithmForKey(content.signerInfo.certificateChain[0]!)).toBe('PS256');
    });

    it('returns the COSE of the notation-go alpine vectors', () => {
      const content = parseEnvelope(
        'application/cose',
        vector('envelopes/notation-go-alpine/cose_signature.sig'),
      );
      expect(content.signerInfo.signatureAlgorithm).toBe('PS256');
    });
  });

  describe('when the media type and the bytes disagree', () => {
    it('throws ENVELOPE_MALFORMED for a JWS declared as COSE', () => {
      expect(() => parseEnvelope('application/cose', vector(E2E_ENVELOPE))).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });

    it('throws ENVELOPE_MALFORMED for a COSE declared as JWS', () => {
      const bytes = vector('envelopes/notation-go-alpine/cose_signature.sig');
      expect(() => parseEnvelope('application/jose+json', bytes)).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });
  });

  describe('when the media type is not an envelope type', () => {
    it.each([
      'application/vnd.oci.image.layer.v1.tar',
      'application/json',
      'application/JOSE+json',
      'application/jose+json; charset=utf-8',
      'application/cose; cose-type="cose-sign1"',
      '',
    ])('C-11 throws ENVELOPE_UNSUPPORTED for %j', (mediaType) => {
      expect(() => parseEnvelope(mediaType, vector(INVALID_LAYER))).toThrow(
        integrityError('ENVELOPE_UNSUPPORTED'),
      );
    });
  });
});
