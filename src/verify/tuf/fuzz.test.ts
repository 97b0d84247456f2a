// Property tests over the TUF metadata parsers and the whole client: whatever the bytes, they
// throw only TufError, and a verification that resolves names exactly the target that was signed
// (never another). FUZZ_RUNS sets the runs per property (10 000 by default).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ecdsaKey, MemoryTufRepo, target } from '../../../test/support/tuf-repo.js';
import { TufError } from './errors.js';
import { DEFAULT_TUF_LIMITS } from './limits.js';
import {
  parseEnvelope,
  parseRoot,
  parseSnapshot,
  parseTargets,
  parseTimestamp,
} from './metadata.js';
import type { TufMetadataSource } from './source.js';
import { verifyTrustData } from './verify-trust-data.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 10_000);
const TIMEOUT = 300_000;
// "Never trusted" is a property of the whole verification (about 3 ms a case: root certificate,
// signatures): as many cases as each parser gets, so the 10,000 hold for it too.
const E2E_RUNS = RUNS;
const A = { digest: `sha256:${'a'.repeat(64)}`, size: 527, tag: 'v1' };
const L = DEFAULT_TUF_LIMITS;

const PARSERS: Record<string, (bytes: Uint8Array) => unknown> = {
  root: (b) => parseRoot(parseEnvelope(b, 'root', L), L),
  timestamp: (b) => parseTimestamp(parseEnvelope(b, 'timestamp', L)),
  snapshot: (b) => parseSnapshot(parseEnvelope(b, 'snapshot', L), L),
  targets: (b) => parseTargets(parseEnvelope(b, 'targets', L), 'targets', L),
  'targets/releases': (b) =>
    parseTargets(parseEnvelope(b, 'targets/releases', L), 'targets/releases', L),
};

type Mutation =
  | { kind: 'set' | 'insert'; at: number; value: number }
  | { kind: 'delete'; at: number; length: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('set' as const, 'insert' as const),
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 64 }),
  }),
);

function mutate(bytes: Buffer, list: Mutation[]): Buffer {
  let out = Buffer.from(bytes);
  for (const m of list) {
    const at = m.at % (out.length + 1);
    if (m.kind === 'set' && out.length > 0) out[at % out.length] = m.value;
    else if (m.kind === 'insert')
      out = Buffer.concat([out.subarray(0, at), Buffer.from([m.value]), out.subarray(at)]);
    else if (m.kind === 'delete')
      out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.length)]);
  }
  return out;
}

/** JSON that looks like metadata: signed envelopes with metadata-ish members. */
const envelopeLike = fc.record({
  signed: fc.dictionary(
    fc.constantFrom(
      '_type',
      'version',
      'expires',
      'keys',
      'roles',
      'meta',
      'targets',
      'delegations',
    ),
    fc.jsonValue({ maxDepth: 4 }),
  ),
  signatures: fc.array(
    fc.record({
      keyid: fc.string(),
      method: fc.constantFrom('ecdsa', 'eddsa', 'rsapss', 'x'),
      sig: fc.base64String(),
    }),
    { maxLength: 4 },
  ),
});

let repo: MemoryTufRepo;
let files: Map<string, Buffer>;

beforeAll(async () => {
  repo = await MemoryTufRepo.create();
  const releases = ecdsaKey();
  repo.publish({
    ...repo.defaults(),
    targets: { other: target(`sha256:${'c'.repeat(64)}`, 10) },
    delegations: [
      { name: 'targets/releases', keys: [releases], targets: { v1: target(A.digest, A.size) } },
    ],
  });
  files = new Map(repo.files);
});

/** The plain role name a stored file is served for ('snapshot.<sha>' → 'snapshot'). */
const roleOf = (name: string): string => name.replace(/\.[0-9a-f]{64}$/, '');

function expectOnlyTufError(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (error instanceof TufError) return;
    throw error;
  }
}

describe('TUF metadata parsers', () => {
  for (const role of Object.keys(PARSERS)) {
    describe(`when ${role} metadata is mutated`, () => {
      it(
        'throws nothing but TufError',
        () => {
          const seed =
            [...files.entries()].find(([n]) => roleOf(n) === role && n !== role)?.[1] ??
            files.get(role)!;
          fc.assert(
            fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (list) => {
              expectOnlyTufError(() => PARSERS[role]!(mutate(seed, list)));
            }),
            { numRuns: RUNS },
          );
        },
        TIMEOUT,
      );
    });
  }

  describe('when given arbitrary envelope-like JSON', () => {
    it(
      'throws nothing but TufError from any parser',
      () => {
        fc.assert(
          fc.property(envelopeLike, fc.constantFrom(...Object.keys(PARSERS)), (doc, role) => {
            expectOnlyTufError(() => PARSERS[role]!(Buffer.from(JSON.stringify(doc))));
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT,
    );
  });
});

describe('verifyTrustData under mutated metadata', () => {
  describe('when one served file is mutated or replaced', () => {
    it(
      'rejects with a TufError or returns exactly the signed target',
      async () => {
        const names = [...files.keys()].filter(
          (n) => n === 'root' || n === 'timestamp' || /\.[0-9a-f]{64}$/.test(n),
        );
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...names),
            fc.oneof(
              fc
                .array(mutation, { minLength: 1, maxLength: 3 })
                .map((list) => (b: Buffer) => mutate(b, list)),
              envelopeLike.map((doc) => () => Buffer.from(JSON.stringify(doc))),
            ),
            async (name, change) => {
              const source: TufMetadataSource = {
                fetch: async (_gun, r) => {
                  const key =
                    r.version !== undefined
                      ? `${r.version}.${r.role}`
                      : r.checksum !== undefined
                        ? `${r.role}.${r.checksum}`
                        : r.role;
                  const bytes = files.get(key);
                  return Promise.resolve(bytes && key === name ? change(bytes) : bytes);
                },
              };
              try {
                const out = await verifyTrustData({
                  gun: repo.gun,
                  trustStore: repo.pins(),
                  source,
                  image: A,
                  now: new Date(),
                });
                expect(out.target).toEqual({
                  name: 'v1',
                  role: 'targets/releases',
                  digest: A.digest,
                  length: A.size,
                });
              } catch (error) {
                if (!(error instanceof TufError)) throw error;
              }
            },
          ),
          { numRuns: E2E_RUNS },
        );
      },
      TIMEOUT,
    );
  });
});
