// Certificates whose signatures all verify but whose DER is not strict: the signed body is
// rewritten and re-signed by the certificate's own key (a self-signed certificate). Test-only.
import { sign } from 'node:crypto';
import { children, readWhole } from '../../src/verify/x509/der.js';
import type { Issued } from './certs.js';

const length = (n: number): Buffer =>
  n < 0x80 ? Buffer.of(n) : n < 0x100 ? Buffer.of(0x81, n) : Buffer.of(0x82, n >> 8, n & 0xff);

const element = (tag: number, content: Buffer): Buffer =>
  Buffer.concat([Buffer.of(tag), length(content.length), content]);

/**
 * A self-signed (EC, SHA-256) certificate re-signed after `edit` rewrote the encoding of its
 * validity element.
 */
export function reencodeValidity(cert: Issued, edit: (validity: Buffer) => Buffer): Buffer {
  const der = Buffer.from(cert.der);
  const [tbs, algorithm] = children(der, readWhole(der));
  const fields: Buffer[] = children(der, tbs!).map((f) => der.subarray(f.start, f.end));
  const at = fields[0]![0] === 0xa0 ? 1 : 0;
  fields[at + 3] = edit(fields[at + 3]!);
  const body = element(0x30, Buffer.concat(fields));
  const signature = element(
    0x03,
    Buffer.concat([Buffer.of(0), sign('sha256', body, cert.privateKey)]),
  );
  const outer = der.subarray(algorithm!.start, algorithm!.end);
  return element(0x30, Buffer.concat([body, outer, signature]));
}

/** The validity element with its length in the long form: BER, not DER (Go refuses it). */
export const nonMinimalLength = (validity: Buffer): Buffer =>
  Buffer.concat([Buffer.of(validity[0]!, 0x81), validity.subarray(1)]);
