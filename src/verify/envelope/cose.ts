// COSE envelope (spec signature-envelope-cose.md): COSE_Sign1_Tagged = 18([protected bstr,
// unprotected map, payload bstr, signature bstr]). The signature is checked over
// Sig_structure ["Signature1", the RECEIVED protected bytes, h'', payload] (RFC 9052 §4.4);
// the protected map is decoded only to read it, never re-encoded.
import { Tag } from 'cbor-x';
import { VerificationError } from '../errors.js';
import { coseAlgorithm } from './algorithms.js';
import {
  checkChainLength,
  malformed,
  SIGNING_AGENT,
  TIMESTAMP_SIGNATURE,
  type DecodedEnvelope,
  type SignedHeaders,
} from './attributes.js';
import { decodeCbor } from './cbor.js';

const SIGN1_TAG = 18;
const ALG = 1;
const CRIT = 2;
const CTY = 3;
const X5CHAIN = 33;
/** Integer labels this verifier understands when they are marked critical. */
const UNDERSTOOD = new Set<unknown>([ALG, CTY, X5CHAIN]);

type Header = Map<unknown, unknown>;

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

function readSign1(bytes: Uint8Array): [Uint8Array, Header, Uint8Array, Uint8Array] {
  const item = decodeCbor(bytes, 'the COSE envelope', true);
  if (!(item instanceof Tag) || item.tag !== SIGN1_TAG || !Array.isArray(item.value)) {
    throw malformed('the envelope is not a COSE_Sign1_Tagged object (CBOR tag 18)');
  }
  const [protectedBytes, unprotected, payload, signature] = item.value as unknown[];
  if (item.value.length !== 4 || !isBytes(protectedBytes) || !(unprotected instanceof Map)) {
    throw malformed('the COSE_Sign1 structure is not [protected, unprotected, payload, signature]');
  }
  if (payload === null) throw malformed('detached COSE payloads are not supported');
  if (!isBytes(payload)) throw malformed('the COSE payload is not a byte string');
  if (!isBytes(signature) || signature.length === 0) {
    throw malformed('the COSE signature is not a non-empty byte string');
  }
  return [protectedBytes, unprotected as Header, payload, signature];
}

function readProtected(bytes: Uint8Array, unprotected: Header): Header {
  const header = decodeCbor(bytes, 'the COSE protected header');
  if (!(header instanceof Map)) throw malformed('the COSE protected header is not a map');
  for (const label of header.keys()) {
    if (unprotected.has(label)) {
      throw malformed(`the COSE header label ${String(label)} is both protected and unprotected`);
    }
  }
  return header as Header;
}

/** `crit` (label 2): text names go to the shared rules; integer labels are checked here. */
function readCrit(header: Header): string[] | undefined {
  const crit = header.get(CRIT);
  if (crit === undefined) return undefined;
  if (!Array.isArray(crit) || crit.length === 0) {
    throw malformed('the COSE crit header must be a non-empty array');
  }
  const names: string[] = [];
  for (const label of crit as unknown[]) {
    if (typeof label === 'string') {
      names.push(label);
    } else if (!Number.isInteger(label) || !header.has(label)) {
      throw malformed(`the COSE crit header names a label that is not protected`);
    } else if (!UNDERSTOOD.has(label)) {
      throw new VerificationError(
        'UNKNOWN_CRITICAL_HEADER',
        'integrity',
        `the signature marks the unknown COSE header label ${String(label)} as critical`,
      );
    }
  }
  return names;
}

function coseTime(name: string, value: unknown): Date {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
  throw malformed(`${name} must be a CBOR tag-1 epoch time`);
}

function readHeaders(header: Header): SignedHeaders {
  const params = new Map<string, unknown>();
  for (const [label, value] of header) {
    if (typeof label === 'string') params.set(label, value);
  }
  return { params, crit: readCrit(header), time: coseTime };
}

/** x5chain (label 33): an array of DER byte strings, protected or unprotected (divergence D9). */
function readChain(header: Header, unprotected: Header): Uint8Array[] {
  const chain = header.get(X5CHAIN) ?? unprotected.get(X5CHAIN);
  const noChain = () =>
    malformed('the COSE envelope has no x5chain array of certificates (label 33)');
  if (!Array.isArray(chain) || chain.length === 0) throw noChain();
  checkChainLength(chain.length);
  if (!chain.every(isBytes)) throw noChain();
  return chain;
}

function readUnsigned(
  unprotected: Header,
): Pick<DecodedEnvelope, 'timestampToken' | 'signingAgent'> {
  const token = unprotected.get(TIMESTAMP_SIGNATURE);
  if (token !== undefined && (!isBytes(token) || token.length === 0)) {
    throw malformed(`${TIMESTAMP_SIGNATURE} must be a non-empty byte string`);
  }
  const agent = unprotected.get(SIGNING_AGENT);
  return {
    ...(token !== undefined && { timestampToken: token }),
    ...(typeof agent === 'string' && { signingAgent: agent }),
  };
}

function head(major: number, length: number): Uint8Array {
  const type = major << 5;
  if (length < 24) return Uint8Array.of(type | length);
  const size = length < 0x100 ? 1 : length < 0x10000 ? 2 : length < 0x100000000 ? 4 : 8;
  const bytes = new Uint8Array(1 + size);
  bytes[0] = type | (24 + Math.log2(size));
  let rest = BigInt(length);
  for (let i = size; i > 0; i--, rest >>= 8n) bytes[i] = Number(rest & 0xffn);
  return bytes;
}

/** Sig_structure for COSE_Sign1 with empty external AAD, CBOR-encoded. */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  const context = Buffer.from('Signature1');
  return Buffer.concat([
    Uint8Array.of(0x84),
    head(3, context.length),
    context,
    head(2, protectedBytes.length),
    protectedBytes,
    Uint8Array.of(0x40),
    head(2, payload.length),
    payload,
  ]);
}

/** Takes a COSE_Sign1 envelope apart; nothing in it is trusted yet. */
export function decodeCose(bytes: Uint8Array): DecodedEnvelope {
  const [protectedBytes, unprotected, payload, signature] = readSign1(bytes);
  const header = readProtected(protectedBytes, unprotected);
  return {
    algorithm: coseAlgorithm(header.get(ALG)),
    contentType: header.get(CTY),
    headers: readHeaders(header),
    certificates: readChain(header, unprotected),
    signed: sigStructure(protectedBytes, payload),
    signature,
    payload,
    ...readUnsigned(unprotected),
  };
}
