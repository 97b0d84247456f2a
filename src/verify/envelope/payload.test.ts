import { beforeAll, describe, expect, it } from 'vitest';
import { makeChain, type Chain } from '../../../test/support/certs.js';
import { E2E_ARTIFACT, ENVELOPE_FORMATS } from '../../../test/support/envelopes.js';
import { integrityError } from '../../../test/support/matchers.js';
import { parseEnvelope } from './index.js';
import { parsePayload } from './payload.js';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const withArtifact = (changes: Record<string, unknown>) =>
  json({ targetArtifact: { ...E2E_ARTIFACT, ...changes } });

describe('parsePayload', () => {
  describe('when the payload is a Notary payload', () => {
    it('returns the target artifact', () => {
      expect(parsePayload(json({ targetArtifact: E2E_ARTIFACT }))).toEqual(E2E_ARTIFACT);
    });

    it('returns annotations and artifactType', () => {
      const extra = { annotations: { a: '1' }, artifactType: 'application/x' };
      expect(parsePayload(withArtifact(extra))).toEqual({ ...E2E_ARTIFACT, ...extra });
    });

    it('returns a __proto__ annotation as a plain key', () => {
      const bytes = Buffer.from(
        `{"targetArtifact":{"mediaType":"m","digest":"sha256:ab","size":1,"annotations":{"__proto__":"x"}}}`,
      );
      const { annotations } = parsePayload(bytes);
      expect(Object.keys(annotations!)).toEqual(['__proto__']);
      expect(Object.getPrototypeOf(annotations)).toBe(Object.prototype);
    });

    it('ignores unknown members, as notation-go does', () => {
      const bytes = json({ targetArtifact: { ...E2E_ARTIFACT, urls: ['x'] }, other: 1 });
      expect(parsePayload(bytes)).toEqual(E2E_ARTIFACT);
    });
  });

  describe('when the payload is not a Notary payload', () => {
    it.each([
      ['not JSON', Buffer.from('hello COSE')],
      ['not UTF-8', Buffer.from([0x22, 0xff, 0x22])],
      ['a JSON array', json([E2E_ARTIFACT])],
      ['without targetArtifact', json({ subject: E2E_ARTIFACT })],
      ['with a string targetArtifact', json({ targetArtifact: 'sha256:ab' })],
      ['without mediaType', withArtifact({ mediaType: undefined })],
      ['with an empty mediaType', withArtifact({ mediaType: '' })],
      ['without digest', withArtifact({ digest: undefined })],
      ['with a digest without algorithm', withArtifact({ digest: 'b8479de3' })],
      ['without size', withArtifact({ size: undefined })],
      ['with a string size', withArtifact({ size: '517' })],
      ['with a negative size', withArtifact({ size: -1 })],
      ['with a fractional size', withArtifact({ size: 1.5 })],
      ['with a numeric annotation', withArtifact({ annotations: { a: 1 } })],
      ['with array annotations', withArtifact({ annotations: ['a'] })],
      ['with a numeric artifactType', withArtifact({ artifactType: 1 })],
    ])('throws ENVELOPE_MALFORMED for a payload %s', (_, bytes) => {
      expect(() => parsePayload(bytes)).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });
  });
});

describe.each(ENVELOPE_FORMATS)('payloads of $name envelopes', (format) => {
  let chain: Chain;
  beforeAll(async () => {
    chain = await makeChain({ key: 'ec-p256', levels: 1 });
  });

  describe('when the signed payload is not a Notary payload', () => {
    it('throws ENVELOPE_MALFORMED after the signature verified', () => {
      const bytes = format.sign({ chain: chain.certs, payload: Buffer.from('hello') });
      expect(() => parseEnvelope(format.mediaType, bytes)).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });
  });

  describe('when the signed payload names an artifact', () => {
    it('returns it for the caller to compare', () => {
      const other = { ...E2E_ARTIFACT, size: 1 };
      const bytes = format.sign({ chain: chain.certs, payload: other });
      expect(parseEnvelope(format.mediaType, bytes).targetArtifact).toEqual(other);
    });
  });
});
