import { beforeAll, describe, expect, it } from 'vitest';
import { issue, makeChain, type Chain, type Issued } from '../../../test/support/certs.js';
import {
  E2E_ARTIFACT,
  ENVELOPE_FORMATS,
  signJws,
  type ChainCert,
} from '../../../test/support/envelopes.js';
import { integrityError } from '../../../test/support/matchers.js';
import { nonMinimalLength, reencodeValidity } from '../../../test/support/reencode.js';
import { vector } from '../../../test/support/vectors.js';
import { createTrustStore } from '../trust-store/trust-store.js';
import { JWS_MEDIA_TYPE } from '../types.js';
import { algorithmForKey, parseEnvelope } from './index.js';

const E2E_ENVELOPE =
  'oci-layouts/notation-e2e/e2e-valid-signature/blobs/sha256/' +
  'c9af07e038b2b1a463e648986ad7273157511ffeba0b689f33e5472bae471f50';
/** The layer of `e2e-invalid-signature`: a text file pushed as `application/vnd.oci.image.layer.v1.tar`. */
const INVALID_LAYER =
  'oci-layouts/notation-e2e/e2e-invalid-signature/blobs/sha256/' +
  '9a8decdf3775708f4eed16859f19561d730cad40b1af0dcfc37ac1e5f879a934';
/** Bytes no parser takes for a certificate: reaching one fails with ENVELOPE_MALFORMED. */
const JUNK: ChainCert = { der: Buffer.from('not a certificate') };

/** leaf → 14 CAs → root: 16 certificates, every link valid (the cap). */
async function longChain(): Promise<Issued[]> {
  let issuer = await issue({ profile: 'root', subject: 'CN=Long Root' });
  const cas = [issuer];
  for (let i = 1; i <= 14; i++) {
    issuer = await issue({ profile: 'root', subject: `CN=Long CA ${i}` }, issuer);
    cas.unshift(issuer);
  }
  return [await issue({ profile: 'codeSigning' }, issuer), ...cas];
}

let chain: Chain;
let unrelated: Issued;
beforeAll(async () => {
  chain = await makeChain({ levels: 3 });
  unrelated = await issue({ profile: 'root', subject: 'CN=Unrelated Root' });
});

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

  describe.each(ENVELOPE_FORMATS)('when a $name chain is broken', ({ mediaType, sign }) => {
    it('throws CERT_REQUIREMENTS_UNMET naming link 2 of 10 without parsing links 3 to 10', () => {
      // Certificate 2 does not issue the leaf; parsing any junk after it would fail otherwise.
      const bytes = sign({ chain: [chain.leaf, unrelated, ...Array<ChainCert>(8).fill(JUNK)] });
      expect(() => parseEnvelope(mediaType, bytes)).toThrow(
        expect.objectContaining({
          code: 'CERT_REQUIREMENTS_UNMET',
          stage: 'integrity',
          message: expect.stringContaining('certificate 2 of 10') as string,
        }) as Error,
      );
    });

    it('throws ENVELOPE_MALFORMED naming certificate 3 of 10 when links 1 and 2 hold', () => {
      const bytes = sign({
        chain: [chain.leaf, chain.intermediate!, ...Array<ChainCert>(8).fill(JUNK)],
      });
      expect(() => parseEnvelope(mediaType, bytes)).toThrow(
        expect.objectContaining({
          code: 'ENVELOPE_MALFORMED',
          message: expect.stringContaining('certificate 3 of 10') as string,
        }) as Error,
      );
    });

    it('returns a valid chain of 16 certificates (the cap)', async () => {
      const certs = await longChain();
      const content = parseEnvelope(mediaType, sign({ chain: certs }));
      expect(content.signerInfo.certificateChain.map((c) => c.subject)).toEqual(
        certs.map((c) => c.cert.subject),
      );
    });
  });

  describe.each(ENVELOPE_FORMATS)('when a $name chain is not strict DER', ({ mediaType, sign }) => {
    it('returns the self-signed leaf re-signed unchanged (the control)', async () => {
      const leaf = await issue({ profile: 'codeSigning' });
      const der = reencodeValidity(leaf, (validity) => validity);
      const content = parseEnvelope(mediaType, sign({ chain: [{ ...leaf, der }] }));
      expect(content.signerInfo.certificateChain[0]!.subject).toBe(leaf.cert.subject);
    });

    it('throws ENVELOPE_MALFORMED for a non-minimal length in the signed body (as Go)', async () => {
      const leaf = await issue({ profile: 'codeSigning' });
      const der = reencodeValidity(leaf, nonMinimalLength);
      expect(() => parseEnvelope(mediaType, sign({ chain: [{ ...leaf, der }] }))).toThrow(
        expect.objectContaining({
          code: 'ENVELOPE_MALFORMED',
          message: expect.stringContaining('certificate 1 of 1') as string,
        }) as Error,
      );
    });
  });

  describe('when a trust store holds a certificate of the chain', () => {
    it('returns the parsed form the store holds: each certificate is parsed once', () => {
      const store = createTrustStore({ type: 'ca', name: 'once', certificates: [chain.root.pem] });
      const content = parseEnvelope(JWS_MEDIA_TYPE, signJws({ chain: chain.certs }));
      expect(content.signerInfo.certificateChain[2]).toBe(store.certificates[0]);
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
