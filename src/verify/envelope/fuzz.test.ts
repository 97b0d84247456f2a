// Property tests over both parsers: whatever the bytes, parseEnvelope returns only content whose
// signed parts equal the untouched envelope's, and otherwise throws a VerificationError of the
// integrity stage, never another error and never hangs. FUZZ_RUNS sets the runs per property.
import { Tag } from 'cbor-x';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeChain } from '../../../test/support/certs.js';
import { cbor, signCose, signJws } from '../../../test/support/envelopes.js';
import { vector } from '../../../test/support/vectors.js';
import { VerificationError } from '../errors.js';
import { COSE_MEDIA_TYPE, JWS_MEDIA_TYPE, type EnvelopeContent } from '../types.js';
import { parseEnvelope } from './index.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 10_000);
const TIMEOUT = 120_000;
const E2E_JWS =
  'oci-layouts/notation-e2e/e2e-valid-signature/blobs/sha256/' +
  'c9af07e038b2b1a463e648986ad7273157511ffeba0b689f33e5472bae471f50';

interface Seed {
  name: string;
  mediaType: string;
  bytes: Uint8Array;
  view: unknown;
}

/** What a signature vouches for: anything else may change without changing the verdict. */
function signedView({ targetArtifact, signerInfo }: EnvelopeContent): unknown {
  const leaf = signerInfo.certificateChain[0]!;
  return {
    targetArtifact,
    signingScheme: signerInfo.signingScheme,
    signingTime: signerInfo.signingTime,
    authenticSigningTime: signerInfo.authenticSigningTime,
    expiry: signerInfo.expiry,
    signatureAlgorithm: signerInfo.signatureAlgorithm,
    verificationPlugin: signerInfo.verificationPlugin,
    verificationPluginMinVersion: signerInfo.verificationPluginMinVersion,
    extendedAttributes: signerInfo.extendedAttributes,
    leafKey: Buffer.from(leaf.fields.spki).toString('hex'),
  };
}

/** Parses and checks the property; `seed` is the envelope the input was derived from, if any. */
function check(mediaType: string, bytes: Uint8Array, seed?: Seed): void {
  let content: EnvelopeContent;
  try {
    content = parseEnvelope(mediaType, bytes);
  } catch (error) {
    if (error instanceof VerificationError && error.stage === 'integrity') return;
    throw error;
  }
  if (!seed) throw new Error('parseEnvelope accepted input that was never signed');
  expect(signedView(content)).toEqual(seed.view);
}

type Mutation =
  | { kind: 'set' | 'insert'; at: number; value: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('set' as const, 'insert' as const),
    at: fc.nat(),
    value: fc.nat(255),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(bytes: Uint8Array, mutations: Mutation[]): Uint8Array {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.kind === 'set' && out.length > 0) out[at] = m.value;
    else if (m.kind === 'insert')
      out = Buffer.concat([out.subarray(0, at), Buffer.of(m.value), out.subarray(at)]);
    else if (m.kind === 'delete')
      out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.length)]);
    else if (m.kind === 'truncate') out = out.subarray(0, at);
  }
  return out;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Changes to the JSON structure of a flattened JWS (member values, header fields, one character). */
const jwsChange = fc.oneof(
  fc.record({
    member: fc.constantFrom('payload', 'protected', 'header', 'signature', 'extra'),
    value: fc.option(fc.jsonValue()),
  }),
  fc.record({
    header: fc.constantFrom(
      'x5c',
      'io.cncf.notary.timestampSignature',
      'io.cncf.notary.signingAgent',
    ),
    value: fc.option(fc.jsonValue()),
  }),
  fc.record({
    member: fc.constantFrom('payload', 'protected', 'signature'),
    at: fc.nat(),
    char: fc.nat(63),
  }),
  fc.record({ protectedKey: fc.string(), value: fc.option(fc.jsonValue()) }),
);

function changeJws(seed: Uint8Array, change: Record<string, unknown>): Uint8Array {
  const jws = JSON.parse(Buffer.from(seed).toString('utf8')) as Record<string, unknown>;
  const set = (target: Record<string, unknown>, key: string, value: unknown) => {
    if (value === null) delete target[key];
    else target[key] = value;
  };
  if (typeof change['protectedKey'] === 'string') {
    const header = JSON.parse(
      Buffer.from(String(jws['protected']), 'base64url').toString('utf8'),
    ) as Record<string, unknown>;
    set(header, change['protectedKey'], change['value']);
    jws['protected'] = Buffer.from(JSON.stringify(header)).toString('base64url');
  } else if (typeof change['header'] === 'string') {
    set(jws['header'] as Record<string, unknown>, change['header'], change['value']);
  } else if (typeof change['char'] === 'number') {
    const text = String(jws[String(change['member'])]);
    const at = Number(change['at']) % Math.max(text.length, 1);
    jws[String(change['member'])] =
      text.slice(0, at) + BASE64URL[change['char']]! + text.slice(at + 1);
  } else {
    set(jws, String(change['member']), change['value']);
  }
  return Buffer.from(JSON.stringify(jws));
}

/** Arbitrary CBOR-encodable values: what a COSE parser can meet beyond byte noise. */
const cborValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer(),
    fc.constantFrom(-37, -7, 1, 2, 3, 18, 33),
    fc.string(),
    fc.uint8Array({ maxLength: 64 }),
    fc.boolean(),
    fc.constant(null),
    fc.double(),
    fc.array(tie('value'), { maxLength: 5 }),
    fc
      .array(fc.tuple(fc.oneof(fc.integer({ min: -40, max: 40 }), fc.string()), tie('value')), {
        maxLength: 5,
      })
      .map((entries) => new Map(entries)),
    fc
      .tuple(fc.constantFrom(0, 1, 18, 24, 28, 29, 64, 258, 259), tie('value'))
      .map(([tag, v]) => new Tag(v, tag)),
  ),
})).value;

const seeds: Seed[] = [];
const seed = (name: string) => seeds.find((s) => s.name === name)!;

beforeAll(async () => {
  const chain = await makeChain({ key: 'ec-p256', levels: 2 });
  const options = { chain: chain.certs, expiry: new Date('2030-01-01T00:00:00Z') };
  const inputs: [string, string, Uint8Array][] = [
    ['e2e JWS', JWS_MEDIA_TYPE, vector(E2E_JWS)],
    ['alpine COSE', COSE_MEDIA_TYPE, vector('envelopes/notation-go-alpine/cose_signature.sig')],
    ['crafted JWS', JWS_MEDIA_TYPE, signJws(options)],
    ['crafted COSE', COSE_MEDIA_TYPE, signCose(options)],
  ];
  for (const [name, mediaType, bytes] of inputs) {
    seeds.push({ name, mediaType, bytes, view: signedView(parseEnvelope(mediaType, bytes)) });
  }
});

describe('parseEnvelope under fuzzing', () => {
  describe('when a valid envelope is mutated byte by byte', () => {
    it.each(['e2e JWS', 'alpine COSE', 'crafted JWS', 'crafted COSE'])(
      'returns the same signed content or throws VerificationError for %s',
      (name) => {
        const s = seed(name);
        fc.assert(
          fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
            check(s.mediaType, mutate(s.bytes, mutations), s);
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );
  });

  describe('when the JSON structure of a valid JWS is changed', () => {
    it.each(['e2e JWS', 'crafted JWS'])(
      'returns the same signed content or throws VerificationError for %s',
      (name) => {
        const s = seed(name);
        fc.assert(
          fc.property(jwsChange, (change) => {
            check(s.mediaType, changeJws(s.bytes, change), s);
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );
  });

  describe('when the input was never signed', () => {
    it.each([JWS_MEDIA_TYPE, COSE_MEDIA_TYPE])(
      'throws VerificationError for arbitrary bytes as %s',
      (mediaType) => {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => check(mediaType, bytes)),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );

    it(
      'throws VerificationError for arbitrary JSON as a JWS',
      () => {
        const member = fc.oneof(
          fc.jsonValue(),
          fc.base64String().map((s) => s.replace(/=+$/, '')),
        );
        const envelope = fc.oneof(
          fc.jsonValue(),
          fc.record({
            payload: member,
            protected: member,
            header: fc.jsonValue(),
            signature: member,
          }),
        );
        fc.assert(
          fc.property(envelope, (value) =>
            check(JWS_MEDIA_TYPE, Buffer.from(JSON.stringify(value) ?? '')),
          ),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );

    it(
      'throws VerificationError for arbitrary CBOR as a COSE envelope',
      () => {
        const sign1 = fc.oneof(
          cborValue,
          fc.tuple(cborValue, cborValue, cborValue, cborValue).map((parts) => new Tag(parts, 18)),
          fc
            .tuple(cborValue, cborValue, cborValue, cborValue)
            .map(([p, u, pl, sig]) => new Tag([cbor.encode(p), u, pl, sig], 18)),
        );
        fc.assert(
          fc.property(sign1, (value) => {
            let bytes: Uint8Array;
            try {
              bytes = cbor.encode(value);
            } catch {
              return; // not encodable: nothing to test
            }
            check(COSE_MEDIA_TYPE, bytes);
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );
  });
});
