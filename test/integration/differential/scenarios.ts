import type { KeySpec, RegistryKind } from '../../harness/index.js';
import type {
  ValidationAction,
  ValidationType,
  VerificationLevel,
} from '../../../src/verify/index.js';

/** One signing situation, judged by `notation verify` and by our verifier. */
export interface Scenario {
  name: string;
  registry: RegistryKind;
  format: 'jws' | 'cose';
  key: KeySpec;
  level: VerificationLevel;
  override?: Partial<Record<ValidationType, ValidationAction>>;
  /** `subject`: x509.subject of the leaf; `subset`: C, ST, O only; `other`: a DN that does not match. */
  identity?: 'any' | 'subject' | 'subset' | 'other';
  /** Signed by a CA that is not in the trust store. */
  untrusted?: boolean;
  /** An untrusted signature is attached before the trusted one. */
  withUntrustedSibling?: boolean;
  unsigned?: boolean;
  /** Signed with a 2 s expiry, verified after it passed. */
  expired?: boolean;
  /** The leaf expires seconds after signing and is verified after that. */
  leafExpired?: boolean;
  revocation?: { method: 'crl' | 'ocsp'; revoked: boolean };
  timestamp?: 'trusted' | 'wrong-root';
  verifyTimestamp?: 'always' | 'afterCertExpiry';
  /** Signed with `notation sign --user-metadata k=v` for each pair. */
  signedMetadata?: Record<string, string>;
  /** Verified with `--user-metadata k=v` for each pair (notation's CLI and ours alike). */
  requiredMetadata?: Record<string, string>;
  /** The verdict both must reach, and the validations both must report as logged failures. */
  expect: { verified: boolean; logged?: ValidationType[] };
}

const jws = { format: 'jws' as const };
const cose = { format: 'cose' as const };
const dist = { registry: 'distribution' as const };
const ola = { registry: 'olareg' as const };

export const SCENARIOS: Scenario[] = [
  // Good signatures, every key type and envelope, both discovery paths.
  {
    name: 'jws rsa-2048 strict (tag schema)',
    ...dist,
    ...jws,
    key: 'rsa-2048',
    level: 'strict',
    expect: { verified: true },
  },
  {
    name: 'jws rsa-3072 strict (referrers API)',
    ...ola,
    ...jws,
    key: 'rsa-3072',
    level: 'strict',
    expect: { verified: true },
  },
  {
    name: 'jws rsa-4096 strict (tag schema)',
    ...dist,
    ...jws,
    key: 'rsa-4096',
    level: 'strict',
    expect: { verified: true },
  },
  {
    name: 'jws ec-p256 strict (referrers API)',
    ...ola,
    ...jws,
    key: 'ec-p256',
    level: 'strict',
    expect: { verified: true },
  },
  {
    name: 'cose ec-p384 strict (tag schema)',
    ...dist,
    ...cose,
    key: 'ec-p384',
    level: 'strict',
    expect: { verified: true },
  },
  {
    name: 'cose ec-p521 strict (referrers API)',
    ...ola,
    ...cose,
    key: 'ec-p521',
    level: 'strict',
    expect: { verified: true },
  },
  {
    name: 'cose rsa-3072 strict (referrers API)',
    ...ola,
    ...cose,
    key: 'rsa-3072',
    level: 'strict',
    expect: { verified: true },
  },
  // Authenticity: untrusted signer, identities.
  {
    name: 'jws untrusted strict',
    ...dist,
    ...jws,
    key: 'ec-p256',
    level: 'strict',
    untrusted: true,
    expect: { verified: false },
  },
  {
    name: 'cose untrusted permissive',
    ...ola,
    ...cose,
    key: 'ec-p256',
    level: 'permissive',
    untrusted: true,
    expect: { verified: false },
  },
  {
    name: 'jws untrusted audit',
    ...dist,
    ...jws,
    key: 'ec-p256',
    level: 'audit',
    untrusted: true,
    expect: { verified: true, logged: ['authenticity'] },
  },
  {
    name: 'cose untrusted strict with authenticity logged',
    ...dist,
    ...cose,
    key: 'ec-p256',
    level: 'strict',
    override: { authenticity: 'log' },
    untrusted: true,
    expect: { verified: true, logged: ['authenticity'] },
  },
  {
    name: 'jws identity is the leaf subject',
    ...ola,
    ...jws,
    key: 'ec-p256',
    level: 'strict',
    identity: 'subject',
    expect: { verified: true },
  },
  {
    name: 'cose identity subset C, ST, O',
    ...dist,
    ...cose,
    key: 'ec-p384',
    level: 'strict',
    identity: 'subset',
    expect: { verified: true },
  },
  {
    name: 'jws identity does not match, strict',
    ...ola,
    ...jws,
    key: 'ec-p256',
    level: 'strict',
    identity: 'other',
    expect: { verified: false },
  },
  {
    name: 'jws identity does not match, audit',
    ...dist,
    ...jws,
    key: 'ec-p256',
    level: 'audit',
    identity: 'other',
    expect: { verified: true, logged: ['authenticity'] },
  },
  {
    name: 'trusted signature beside an untrusted one',
    ...ola,
    ...cose,
    key: 'ec-p256',
    level: 'strict',
    withUntrustedSibling: true,
    expect: { verified: true },
  },
  {
    name: 'unsigned image strict',
    ...dist,
    ...jws,
    key: 'ec-p256',
    level: 'strict',
    unsigned: true,
    expect: { verified: false },
  },
  {
    name: 'unsigned image audit',
    ...ola,
    ...jws,
    key: 'ec-p256',
    level: 'audit',
    unsigned: true,
    expect: { verified: false },
  },
  // Expiry.
  {
    name: 'jws expired signature strict',
    ...dist,
    ...jws,
    key: 'ec-p256',
    level: 'strict',
    expired: true,
    expect: { verified: false },
  },
  {
    name: 'cose expired signature permissive',
    ...ola,
    ...cose,
    key: 'ec-p256',
    level: 'permissive',
    expired: true,
    expect: { verified: true, logged: ['expiry'] },
  },
  {
    name: 'jws expired signature strict, expiry logged',
    ...dist,
    ...jws,
    key: 'ec-p256',
    level: 'strict',
    override: { expiry: 'log' },
    expired: true,
    expect: { verified: true, logged: ['expiry'] },
  },
  {
    name: 'cose expired signature audit, expiry enforced',
    ...ola,
    ...cose,
    key: 'ec-p256',
    level: 'audit',
    override: { expiry: 'enforce' },
    expired: true,
    expect: { verified: false },
  },
  // Certificate validity and timestamps.
  {
    name: 'jws expired leaf, no timestamp, strict',
    ...dist,
    ...jws,
    key: 'ec-p256',
    level: 'strict',
    leafExpired: true,
    expect: { verified: false },
  },
  {
    name: 'cose expired leaf, no timestamp, permissive',
    ...ola,
    ...cose,
    key: 'ec-p256',
    level: 'permissive',
    leafExpired: true,
    expect: { verified: true, logged: ['authenticTimestamp'] },
  },
  {
    name: 'jws timestamped, tsa trusted',
    ...dist,
    ...jws,
    key: 'ec-p384',
    level: 'strict',
    timestamp: 'trusted',
    expect: { verified: true },
  },
  {
    name: 'cose timestamped, tsa trusted',
    ...ola,
    ...cose,
    key: 'rsa-3072',
    level: 'strict',
    timestamp: 'trusted',
    expect: { verified: true },
  },
  {
    name: 'jws timestamped, tsa store has another root',
    ...dist,
    ...jws,
    key: 'ec-p256',
    level: 'strict',
    timestamp: 'wrong-root',
    expect: { verified: false },
  },
  {
    name: 'jws timestamped, expired leaf rescued by the timestamp',
    ...ola,
    ...jws,
    key: 'ec-p256',
    level: 'strict',
    timestamp: 'trusted',
    leafExpired: true,
    expect: { verified: true },
  },
  {
    name: 'cose tsa store but no timestamp, afterCertExpiry',
    ...dist,
    ...cose,
    key: 'ec-p256',
    level: 'strict',
    timestamp: 'wrong-root',
    verifyTimestamp: 'afterCertExpiry',
    expect: { verified: true },
  },
  // Revocation.
  {
    name: 'jws crl good',
    ...dist,
    ...jws,
    key: 'rsa-2048',
    level: 'strict',
    revocation: { method: 'crl', revoked: false },
    expect: { verified: true },
  },
  {
    name: 'jws crl revoked strict',
    ...dist,
    ...jws,
    key: 'ec-p256',
    level: 'strict',
    revocation: { method: 'crl', revoked: true },
    expect: { verified: false },
  },
  {
    name: 'cose crl revoked permissive',
    ...ola,
    ...cose,
    key: 'ec-p256',
    level: 'permissive',
    revocation: { method: 'crl', revoked: true },
    expect: { verified: true, logged: ['revocation'] },
  },
  {
    name: 'cose ocsp good',
    ...ola,
    ...cose,
    key: 'ec-p384',
    level: 'strict',
    revocation: { method: 'ocsp', revoked: false },
    expect: { verified: true },
  },
  {
    name: 'jws ocsp revoked strict',
    ...dist,
    ...jws,
    key: 'ec-p256',
    level: 'strict',
    revocation: { method: 'ocsp', revoked: true },
    expect: { verified: false },
  },
  {
    name: 'jws ocsp revoked, revocation skipped',
    ...ola,
    ...jws,
    key: 'ec-p256',
    level: 'strict',
    override: { revocation: 'skip' },
    revocation: { method: 'ocsp', revoked: true },
    expect: { verified: true },
  },
  // Signed user metadata (`--user-metadata`): every required pair present with that value, at
  // any level but skip (notation checks it after the level's validations, and never logs it).
  {
    name: 'jws user metadata matching (referrers API)',
    ...ola,
    ...jws,
    key: 'ec-p256',
    level: 'strict',
    signedMetadata: { buildId: '42', team: 'core' },
    requiredMetadata: { buildId: '42' },
    expect: { verified: true },
  },
  {
    name: 'cose user metadata matching (tag schema)',
    ...dist,
    ...cose,
    key: 'rsa-2048',
    level: 'strict',
    signedMetadata: { buildId: '42' },
    requiredMetadata: { buildId: '42' },
    expect: { verified: true },
  },
  {
    name: 'jws user metadata wrong value (tag schema)',
    ...dist,
    ...jws,
    key: 'ec-p256',
    level: 'strict',
    signedMetadata: { buildId: '41' },
    requiredMetadata: { buildId: '42' },
    expect: { verified: false },
  },
  {
    name: 'cose user metadata missing (referrers API)',
    ...ola,
    ...cose,
    key: 'ec-p256',
    level: 'strict',
    requiredMetadata: { buildId: '42' },
    expect: { verified: false },
  },
  {
    name: 'jws user metadata wrong value, audit level',
    ...ola,
    ...jws,
    key: 'ec-p256',
    level: 'audit',
    signedMetadata: { buildId: '41' },
    requiredMetadata: { buildId: '42' },
    expect: { verified: false },
  },
  // Skip (with an exact scope: skip with `*` is refused at load, divergence D2).
  {
    name: 'skip level, unsigned image',
    ...dist,
    ...jws,
    key: 'ec-p256',
    level: 'skip',
    unsigned: true,
    expect: { verified: true },
  },
];
