import { Decoder, Tag } from 'cbor-x';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeChain, type Chain } from '../../../test/support/certs.js';
import {
  cbor,
  coseToBeSigned,
  signCose,
  type CoseOptions,
} from '../../../test/support/envelopes.js';
import { integrityError } from '../../../test/support/matchers.js';
import { vector, vectorText } from '../../../test/support/vectors.js';
import { COSE_MEDIA_TYPE } from '../types.js';
import { decodeCbor } from './cbor.js';
import { sigStructure } from './cose.js';
import { parseEnvelope } from './index.js';

const ALPINE = 'envelopes/notation-go-alpine/cose_signature.sig';
const SCHEME = 'io.cncf.notary.signingScheme';
const SIGNING_TIME = 'io.cncf.notary.signingTime';
const CTY = 'application/vnd.cncf.notary.payload.v1+json';
const decoder = new Decoder({ mapsAsObjects: false });

type Parts = [Uint8Array, Map<unknown, unknown>, Uint8Array | null, Uint8Array];

const parse = (bytes: Uint8Array) => parseEnvelope(COSE_MEDIA_TYPE, bytes);
const alpine = (): Parts => (decoder.decode(vector(ALPINE)) as Tag).value as Parts;
const rebuild = (parts: unknown[], tag: number | null = 18) =>
  cbor.encode(tag === null ? parts : new Tag(parts, tag));
/** A CBOR map from entries in this order, duplicates included (fewer than 24 entries). */
const mapBytes = (entries: [unknown, unknown][]) =>
  Buffer.concat([
    Uint8Array.of(0xa0 + entries.length),
    ...entries.flatMap(([k, v]) => [cbor.encode(k), cbor.encode(v)]),
  ]);
const notaryEntries = (): [unknown, unknown][] => [
  [1, -7],
  [2, [SCHEME]],
  [3, CTY],
  [SCHEME, 'notary.x509'],
  [SIGNING_TIME, new Date('2025-01-01T00:00:00Z')],
];

let chain: Chain;
beforeAll(async () => {
  chain = await makeChain({ key: 'ec-p256', levels: 2 });
});
const craft = (options: Omit<CoseOptions, 'chain'> = {}) =>
  signCose({ chain: chain.certs, ...options });

describe('COSE envelopes', () => {
  describe('when the envelope is a real notation signature', () => {
    it('C-35 returns the notation-go alpine vector', () => {
      const { targetArtifact, signerInfo } = parse(vector(ALPINE));
      expect(targetArtifact.size).toBe(481);
      expect(targetArtifact.digest).toMatch(/^sha256:19dbd2e4/);
      expect(signerInfo).toMatchObject({
        signingScheme: 'notary.x509',
        signatureAlgorithm: 'PS256',
        signingTime: new Date(1678769122 * 1000),
        signingAgent: 'Notation/1.0.0',
      });
      expect(Buffer.from(signerInfo.signature)).toEqual(Buffer.from(alpine()[3]));
    });

    it('returns the vector re-assembled from its parts', () => {
      expect(parse(rebuild(alpine())).signerInfo.signatureAlgorithm).toBe('PS256');
    });

    it('returns the timestamp token of coseWithTimestamp', () => {
      const { signerInfo } = parse(vector('envelopes/notation-go-timestamp/coseWithTimestamp.sig'));
      expect(signerInfo.timestampToken).toHaveLength(5835);
    });

    it('returns the blob vector blob.cose.sig', () => {
      const { targetArtifact } = parse(vector('envelopes/notation-e2e-blob/blob.cose.sig'));
      expect(targetArtifact.mediaType).toBe('application/octet-stream');
    });
  });

  describe('when the COSE_Sign1 structure is wrong', () => {
    it('C-35 throws ENVELOPE_MALFORMED without tag 18', () => {
      expect(() => parse(rebuild(alpine(), null))).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it('C-35 throws ENVELOPE_MALFORMED for another tag', () => {
      expect(() => parse(rebuild(alpine(), 98))).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it('C-35 throws ENVELOPE_MALFORMED for a detached payload', () => {
      const parts = alpine();
      parts[2] = null;
      expect(() => parse(rebuild(parts))).toThrow(integrityError('ENVELOPE_MALFORMED'));
      expect(() => parse(craft({ payload: null }))).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it('C-35 throws ENVELOPE_MALFORMED for a protected header that is not a map', () => {
      expect(() => parse(craft({ protectedBytes: cbor.encode([1, -7]) }))).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });

    it('C-35 throws ENVELOPE_MALFORMED for a duplicate protected label', () => {
      const duplicate = mapBytes([...notaryEntries(), [1, -7]]);
      expect(() => parse(craft({ protectedBytes: duplicate }))).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
      expect(parse(craft({ protectedBytes: mapBytes(notaryEntries()) })).signerInfo).toBeDefined();
    });

    it('C-35 throws ENVELOPE_MALFORMED for a duplicate unprotected label', () => {
      const parts = alpine();
      const unprotected = mapBytes([...parts[1], ['io.cncf.notary.signingAgent', 'again']]);
      const bytes = Buffer.concat([
        Uint8Array.of(0xd2, 0x84),
        cbor.encode(parts[0]),
        unprotected,
        cbor.encode(parts[2]),
        cbor.encode(parts[3]),
      ]);
      expect(() => parse(bytes)).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it.each([
      ['an empty protected header', new Uint8Array(0)],
      ['an indefinite-length protected map', Uint8Array.of(0xbf, 0x01, 0x26, 0xff)],
    ])('throws ENVELOPE_MALFORMED for %s', (_, protectedBytes) => {
      expect(() => parse(craft({ protectedBytes }))).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it.each([
      ['three elements', (p: Parts) => p.slice(0, 3)],
      ['five elements', (p: Parts) => [...p, new Uint8Array(1)]],
      ['an empty signature', (p: Parts) => [p[0], p[1], p[2], new Uint8Array(0)]],
      ['a text payload', (p: Parts) => [p[0], p[1], 'payload', p[3]]],
      ['an unprotected header that is not a map', (p: Parts) => [p[0], [], p[2], p[3]]],
    ])('throws ENVELOPE_MALFORMED for a COSE_Sign1 with %s', (_, change) => {
      expect(() => parse(rebuild(change(alpine())))).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it.each([
      ['trailing bytes', Buffer.concat([vector(ALPINE), Buffer.of(0)])],
      ['truncation', vector(ALPINE).subarray(0, 500)],
      ['arbitrary bytes', Buffer.from('not cbor at all')],
      ['a JWS', vector('envelopes/notation-go-alpine/jws_signature.sig')],
    ])('throws ENVELOPE_MALFORMED for %s', (_, bytes) => {
      expect(() => parse(bytes)).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });
  });

  describe('when the x5chain header is placed or shaped differently', () => {
    it('D9 returns an envelope whose x5chain is protected', () => {
      const x5chain = chain.certs.map((c) => Buffer.from(c.der));
      const bytes = craft({ protected: { x5chain }, unprotected: { x5chain: undefined } });
      expect(parse(bytes).signerInfo.certificateChain).toHaveLength(2);
    });

    it('throws ENVELOPE_MALFORMED for an x5chain in both headers', () => {
      const x5chain = chain.certs.map((c) => Buffer.from(c.der));
      expect(() => parse(craft({ protected: { x5chain } }))).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });

    it.each([
      ['a single byte string', () => Buffer.from(chain.leaf.der)],
      ['missing', () => undefined],
      ['empty', () => []],
      ['an array of text', () => [Buffer.from(chain.leaf.der).toString('base64')]],
      ['not DER', () => [Buffer.from('not a certificate')]],
    ])('C-35 throws ENVELOPE_MALFORMED for an x5chain that is %s', (_, x5chain) => {
      expect(() => parse(craft({ unprotected: { x5chain: x5chain() } }))).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });
  });

  describe('when x5chain carries more certificates than the cap of 16', () => {
    const overCap = expect.objectContaining({
      code: 'ENVELOPE_MALFORMED',
      stage: 'integrity',
      message: expect.stringMatching(/17 certificates.* 16/) as string,
    }) as Error;
    /** 16 certificates, then junk at position 17 that would fail with another message if parsed. */
    const seventeen = () => [
      Buffer.from(chain.leaf.der),
      ...Array<Buffer>(15).fill(Buffer.from(chain.root.der)),
      Buffer.from('not a certificate'),
    ];

    it('throws ENVELOPE_MALFORMED naming 17 and 16 before parsing any certificate', () => {
      expect(() => parse(craft({ unprotected: { x5chain: seventeen() } }))).toThrow(overCap);
    });

    it('D9 throws ENVELOPE_MALFORMED for 17 certificates in a protected x5chain', () => {
      const bytes = craft({
        protected: { x5chain: seventeen() },
        unprotected: { x5chain: undefined },
      });
      expect(() => parse(bytes)).toThrow(overCap);
    });
  });

  describe('when the protected bytes differ from what was signed', () => {
    it('C-36 throws SIGNATURE_INVALID for the same protected map re-encoded', () => {
      const parts = alpine();
      const header = decoder.decode(parts[0]) as Map<unknown, unknown>;
      const reordered = new Map([...header].reverse());
      const reencoded = cbor.encode(reordered);
      expect(decoder.decode(reencoded)).toEqual(header);
      expect(Buffer.from(reencoded).equals(Buffer.from(parts[0]))).toBe(false);
      expect(() => parse(rebuild([reencoded, parts[1], parts[2], parts[3]]))).toThrow(
        integrityError('SIGNATURE_INVALID'),
      );
    });

    it('C-18 throws SIGNATURE_INVALID for a changed payload', () => {
      const parts = alpine();
      parts[2] = Buffer.from(String(parts[2]).replace('sha256:19', 'sha256:20'));
      expect(() => parse(rebuild(parts))).toThrow(integrityError('SIGNATURE_INVALID'));
    });
  });

  describe('when a protected header value has the wrong type', () => {
    it.each([
      ['a plain integer', 1735689600],
      ['an RFC 3339 string', '2025-01-01T00:00:00Z'],
      ['a tag-0 date string', new Tag('2025-01-01T00:00:00Z', 0)],
    ])('C-33 throws ENVELOPE_MALFORMED for a signing time that is %s', (_, time) => {
      expect(() => parse(craft({ protected: { [SIGNING_TIME]: time } }))).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });

    it('C-33 throws ENVELOPE_MALFORMED for a signing time that is CBOR undefined', () => {
      const entries = notaryEntries().map(([k, v]): [unknown, unknown] => [
        k,
        k === SIGNING_TIME ? undefined : v,
      ]);
      const protectedBytes = mapBytes(entries);
      expect(protectedBytes.includes(0xf7)).toBe(true);
      expect(() => parse(craft({ protectedBytes }))).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it.each([
      ['an integer', 50],
      ['another media type', 'application/json'],
      ['missing', undefined],
    ])('C-20 throws ENVELOPE_MALFORMED for a content type that is %s', (_, cty) => {
      expect(() => parse(craft({ protected: { cty } }))).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });

    it.each([
      ['-257 (RS256)', -257],
      ['the text PS256', 'PS256'],
      ['5 (HMAC)', 5],
      ['missing', undefined],
    ])('C-21 throws ALGORITHM_UNSUPPORTED for alg %s', (_, alg) => {
      expect(() => parse(craft({ protected: { alg } }))).toThrow(
        integrityError('ALGORITHM_UNSUPPORTED'),
      );
    });
  });

  describe('when crit uses integer labels', () => {
    it('C-27 throws UNKNOWN_CRITICAL_HEADER for a present but unknown integer label', () => {
      const bytes = craft({ protected: { '4': Buffer.from('kid'), crit: [SCHEME, 4] } });
      expect(() => parse(bytes)).toThrow(integrityError('UNKNOWN_CRITICAL_HEADER'));
    });

    it('C-26 throws ENVELOPE_MALFORMED for an absent integer label', () => {
      expect(() => parse(craft({ protected: { crit: [SCHEME, 4] } }))).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });

    it('returns an envelope that marks alg critical', () => {
      expect(parse(craft({ protected: { crit: [SCHEME, 1] } })).signerInfo).toBeDefined();
    });
  });

  describe('when the unprotected header is unusual', () => {
    it('C-28 ignores unknown labels and any signing agent value', () => {
      const bytes = craft({
        unprotected: { '4': Buffer.from('k'), 'io.cncf.notary.signingAgent': 7 },
      });
      expect(parse(bytes).signerInfo.signingAgent).toBeUndefined();
    });

    it('returns io.cncf.notary.timestampSignature bytes', () => {
      const token = Buffer.from([0x30, 0x00]);
      const bytes = craft({ unprotected: { 'io.cncf.notary.timestampSignature': token } });
      expect(Buffer.from(parse(bytes).signerInfo.timestampToken!)).toEqual(token);
    });

    it('throws ENVELOPE_MALFORMED for a text timestampSignature', () => {
      const bytes = craft({ unprotected: { 'io.cncf.notary.timestampSignature': 'MAA=' } });
      expect(() => parse(bytes)).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it('throws ENVELOPE_MALFORMED for a label in both headers', () => {
      const bytes = craft({ unprotected: { [SCHEME]: 'notary.x509' } });
      expect(() => parse(bytes)).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });
  });

  describe('when decoding the notation-core-go conformance sample', () => {
    const sample = JSON.parse(
      vectorText('envelopes/notation-core-go-format/cose-conformance.json'),
    ) as { protectedHeaders: { cborHex: string }; expectedOutput: { cborHex: string } };

    it('returns the protected header with tag-1 times as dates', () => {
      const header = decodeCbor(Buffer.from(sample.protectedHeaders.cborHex, 'hex'), 'sample');
      expect(header).toEqual(
        new Map<unknown, unknown>([
          [1, -38],
          [2, [SCHEME, 'io.cncf.notary.expiry', 'signedCritKey1']],
          [3, CTY],
          ['signedKey1', 'signedValue1'],
          ['signedCritKey1', 'signedCritValue1'],
          ['io.cncf.notary.expiry', new Date(1661408324 * 1000)],
          [SIGNING_TIME, new Date(1661321924 * 1000)],
          [SCHEME, 'notary.x509'],
        ]),
      );
    });

    it('throws ENVELOPE_MALFORMED for the envelope, which carries no x5chain', () => {
      expect(() => parse(Buffer.from(sample.expectedOutput.cborHex, 'hex'))).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });
  });

  describe('sigStructure', () => {
    it.each([0, 23, 24, 255, 256, 65_535, 65_536])(
      'returns the RFC 9052 encoding for a %d-byte payload',
      (size) => {
        const protectedBytes = mapBytes(notaryEntries());
        const payload = new Uint8Array(size).fill(7);
        expect(Buffer.from(sigStructure(protectedBytes, payload))).toEqual(
          Buffer.from(coseToBeSigned(protectedBytes, payload)),
        );
      },
    );
  });
});
