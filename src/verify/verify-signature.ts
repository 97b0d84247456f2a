import { parseEnvelope } from './envelope/index.js';
import {
  VerificationError,
  type FailureStage,
  type ValidationType,
  type VerificationErrorCode,
} from './errors.js';
import { STEPS, type RevocationChecker, type StepContext } from './steps.js';
import { validationActions, type TrustPolicyStatement } from './trust-policy/index.js';
import type { Descriptor, EnvelopeContent, TrustStores, ValidationResult } from './types.js';

export interface Envelope {
  mediaType: string;
  bytes: Uint8Array;
  /** The artifact as the signature manifest's `subject` describes it (registry-asserted). */
  subject?: Descriptor;
}

export interface VerifySignatureOptions {
  envelope: Envelope;
  /** The descriptor the image reference resolved to: what the signature must name. */
  artifact: Descriptor;
  policy: TrustPolicyStatement;
  trustStores: TrustStores;
  now: Date;
  /** Default: offline, so a certificate naming OCSP or CRL URLs has status unknown. */
  revocation?: RevocationChecker;
  /** Annotations the payload's targetArtifact must carry (notation verify --user-metadata). */
  userMetadata?: Readonly<Record<string, string>>;
  /** Shares each envelope's parse between the signer groups of one verification. */
  memo?: EnvelopeMemo;
}

/**
 * What reading an envelope found (or the failure, as a rejected promise), by envelope object:
 * scoped to one verification by its creator, so bytes are never judged twice nor kept longer.
 */
export type EnvelopeMemo = WeakMap<Envelope, Promise<EnvelopeContent>>;

export interface SignatureOutcome {
  /** No enforced validation failed. */
  verified: boolean;
  /** Every validation that ran, with the action the level gave it and its failure if any. */
  results: ValidationResult[];
  /** The enforced failure (or integrity failure) that rejected the signature. */
  error?: VerificationError;
  content?: EnvelopeContent;
  /** Until when this verdict may be reused: expiry, certificate notAfter, revocation nextUpdate. */
  validUntil?: Date;
}

/** Stages whose unexpected errors (library bugs, odd inputs) still fail closed with a stable code. */
const FALLBACK_CODE: Record<ValidationType, VerificationErrorCode> = {
  integrity: 'ENVELOPE_MALFORMED',
  authenticity: 'CERT_CHAIN_UNTRUSTED',
  expiry: 'SIGNATURE_EXPIRED',
  authenticTimestamp: 'TIMESTAMP_INVALID',
  revocation: 'REVOCATION_UNKNOWN',
};

function asVerificationError(err: unknown, stage: ValidationType): VerificationError {
  if (err instanceof VerificationError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new VerificationError(FALLBACK_CODE[stage], stage, `${stage} check failed: ${message}`, {
    cause: err,
  });
}

/** The envelope's own integrity, whatever it signs: read once per envelope with a memo. */
function readEnvelope(
  envelope: Envelope,
  memo: EnvelopeMemo | undefined,
): Promise<EnvelopeContent> {
  const known = memo?.get(envelope);
  if (known) return known;
  const read = readEnvelopeOnce(envelope);
  memo?.set(envelope, read);
  return read;
}

/**
 * Envelope and signature, certificate requirements (checked by parseEnvelope as it reads the
 * chain), no plugin, no unknown critical attribute.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- a throw must reject, not escape
async function readEnvelopeOnce(envelope: Envelope): Promise<EnvelopeContent> {
  const content = parseEnvelope(envelope.mediaType, envelope.bytes);
  const { verificationPlugin, verificationPluginMinVersion, extendedAttributes } =
    content.signerInfo;
  if (verificationPlugin !== undefined || verificationPluginMinVersion !== undefined) {
    throw new VerificationError(
      'PLUGIN_REQUIRED',
      'plugin',
      `the signature requires verification plugin "${verificationPlugin ?? '(unnamed)'}"; plugins do not run in this verifier`,
    );
  }
  // The envelope parser lets critical attributes through only when a plugin is named (which
  // failed just above); this guard keeps any other path from ever accepting one (D1).
  const critical = extendedAttributes.find((a) => a.critical);
  if (critical) {
    throw new VerificationError(
      'UNKNOWN_CRITICAL_HEADER',
      'integrity',
      `unknown critical signed attribute "${critical.key}"`,
    );
  }
  return content;
}

/** Integrity (always enforced): the envelope's own, then the payload names the artifact. */
async function validateIntegrity(options: VerifySignatureOptions): Promise<EnvelopeContent> {
  const content = await readEnvelope(options.envelope, options.memo);
  const { targetArtifact: t } = content;
  const a = options.artifact;
  if (t.digest !== a.digest || t.size !== a.size || t.mediaType !== a.mediaType) {
    throw new VerificationError(
      'PAYLOAD_MISMATCH',
      'integrity',
      `the signature is for ${t.mediaType} ${t.digest} (${t.size} bytes), not for ${a.mediaType} ${a.digest} (${a.size} bytes)`,
    );
  }
  return content;
}

function checkUserMetadata(
  content: EnvelopeContent,
  required: Readonly<Record<string, string>>,
): VerificationError | undefined {
  const annotations = content.targetArtifact.annotations ?? {};
  const missing = Object.entries(required).filter(([k, v]) => annotations[k] !== v);
  if (missing.length === 0) return undefined;
  const pairs = missing.map(([k, v]) => `${k}=${v}`).join(', ');
  return new VerificationError(
    'METADATA_MISMATCH',
    'metadata',
    `the signed payload lacks the required metadata ${pairs}`,
  );
}

function validUntil(content: EnvelopeContent, revocationNextUpdate: Date | undefined): Date {
  const times = content.signerInfo.certificateChain.map((c) => c.notAfter.getTime());
  if (content.signerInfo.expiry) times.push(content.signerInfo.expiry.getTime());
  if (revocationNextUpdate) times.push(revocationNextUpdate.getTime());
  return new Date(Math.min(...times));
}

/**
 * Verifies one signature envelope against the artifact and the trust policy statement that
 * applies to it, in the spec's order. The level's table (validationActions) decides, in this
 * one place, whether each failure rejects the signature or is logged for a warning.
 */
export async function verifySignature(options: VerifySignatureOptions): Promise<SignatureOutcome> {
  const results: ValidationResult[] = [];
  let content: EnvelopeContent;
  try {
    content = await validateIntegrity(options);
  } catch (err) {
    const error = asVerificationError(err, 'integrity');
    results.push({ type: 'integrity', action: 'enforce', error });
    return { verified: false, results, error };
  }
  results.push({ type: 'integrity', action: 'enforce' });
  const actions = validationActions(options.policy.signatureVerification);
  const ctx: StepContext = {
    content,
    policy: options.policy,
    trustStores: options.trustStores,
    now: options.now,
    revocation: options.revocation,
  };
  for (const [type, step] of STEPS) {
    const action = actions[type];
    if (action === 'skip') {
      results.push({ type, action });
      continue;
    }
    const error = await step(ctx).catch((err: unknown) => asVerificationError(err, type));
    results.push(error ? { type, action, error } : { type, action });
    if (error && action === 'enforce') return { verified: false, results, error, content };
  }
  const metadataError = options.userMetadata && checkUserMetadata(content, options.userMetadata);
  if (metadataError) return { verified: false, results, error: metadataError, content };
  return {
    verified: true,
    results,
    content,
    validUntil: validUntil(content, ctx.revocationNextUpdate),
  };
}

export type { FailureStage };
