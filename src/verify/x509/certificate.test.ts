import { execFileSync } from 'node:child_process';
import { X509Certificate as NodeCertificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { issue } from '../../../test/support/certs.js';
import { nonMinimalLength, reencodeValidity } from '../../../test/support/reencode.js';
import { VECTORS } from '../../../test/support/vectors.js';
import type { Certificate } from './certificate.js';
import { certificateFromDer, certificateOf } from './certificate.js';
import { basicConstraints, extendedKeyUsage, keyUsage } from './extensions.js';
import * as x509 from './peculiar.js';

/** Every certificate of the Notation vectors (PEM blocks or one DER per file). */
function vectorCertificates(): { file: string; der: Buffer }[] {
  const list = execFileSync('find', [VECTORS, '-name', '*.crt', '-o', '-name', '*.cer'])
    .toString()
    .trim()
    .split('\n');
  const pems = execFileSync('find', [VECTORS, '-name', '*.pem']).toString().trim().split('\n');
  return [...list, ...pems].flatMap((file) => {
    const bytes = readFileSync(file);
    const text = bytes.toString('latin1');
    if (!text.includes('-----BEGIN CERTIFICATE')) return [{ file, der: bytes }];
    const blocks = text.matchAll(/-----BEGIN CERTIFICATE-----([^-]*)-----END CERTIFICATE-----/g);
    return [...blocks].map(([, b64]) => ({ file, der: Buffer.from(b64!, 'base64') }));
  });
}

/** What @peculiar/x509 reads from a certificate, in the parsed form's terms. */
function peculiarView(p: x509.X509Certificate) {
  const bc = p.getExtension(x509.BasicConstraintsExtension);
  const ku = p.getExtension(x509.KeyUsagesExtension);
  const eku = p.getExtension(x509.ExtendedKeyUsageExtension);
  return {
    subject: p.subject,
    issuer: p.issuer,
    serialNumber: p.serialNumber,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    spki: Buffer.from(p.publicKey.rawData).toString('hex'),
    extensions: p.extensions.map((e) => [e.type, e.critical, Buffer.from(e.value).toString('hex')]),
    basicConstraints: bc
      ? { critical: bc.critical, ca: bc.ca, pathLength: bc.pathLength }
      : undefined,
    keyUsage: ku ? { critical: ku.critical, usages: ku.usages } : undefined,
    extendedKeyUsage: eku ? { critical: eku.critical, usages: eku.usages.map(String) } : undefined,
  };
}

function parsedView(c: Certificate): ReturnType<typeof peculiarView> {
  return {
    subject: c.subject,
    issuer: c.issuer,
    serialNumber: c.serialNumber,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    spki: Buffer.from(c.fields.spki).toString('hex'),
    extensions: c.fields.extensions.map((e) => [
      e.oid,
      e.critical,
      Buffer.from(e.value).toString('hex'),
    ]),
    basicConstraints: basicConstraints(c),
    keyUsage: keyUsage(c),
    extendedKeyUsage: extendedKeyUsage(c),
  };
}

function readable<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

describe('certificateFromDer', () => {
  describe('when given every certificate of the Notation vectors', () => {
    it('reads names, serial, validity, key and extensions as @peculiar/x509 does', () => {
      const certificates = vectorCertificates();
      let compared = 0;
      for (const { file, der } of certificates) {
        const peculiar = readable(() => new x509.X509Certificate(der));
        // Refused before too: junk on purpose, two DER certificates in one file (the envelope
        // refused trailing bytes through OpenSSL's parse as well).
        if (
          !peculiar ||
          !readable(() => new NodeCertificate(der)) ||
          file.endsWith('multi-der.der')
        ) {
          expect(() => certificateFromDer(der), file).toThrow();
          continue;
        }
        expect({ file, ...parsedView(certificateFromDer(der)) }).toEqual({
          file,
          ...peculiarView(peculiar),
        });
        compared++;
      }
      expect(compared).toBeGreaterThan(50);
    });
  });

  describe('when given the same DER twice', () => {
    it('returns the one parsed form, holding bytes of its own', async () => {
      const { der } = await issue();
      const input = Uint8Array.from(der);
      const first = certificateFromDer(input);
      input[10]! ^= 0xff;
      expect(certificateFromDer(Uint8Array.from(der))).toBe(first);
      expect(Buffer.from(first.der).equals(der)).toBe(true);
    });
  });

  describe('when the certificate is larger than 8 KiB', () => {
    it('returns a new parsed form each time: only real-sized certificates are kept', async () => {
      const big = new x509.Extension('1.3.6.1.4.1.55555.1', false, new Uint8Array(9000));
      const { der } = await issue({ extensions: [big] });
      const first = certificateFromDer(der);
      expect(first.fields.extensions.some((e) => e.oid === '1.3.6.1.4.1.55555.1')).toBe(true);
      expect(certificateFromDer(der)).not.toBe(first);
    });
  });

  describe('when the DER is not strict', () => {
    it('returns a certificate whose validity is re-encoded canonically (the control)', async () => {
      const cert = await issue({ profile: 'codeSigning' });
      const same = reencodeValidity(cert, (validity) => validity);
      expect(certificateFromDer(same).subject).toBe(cert.cert.subject);
    });

    it('throws for a non-minimal length inside the signed body, as Go does', async () => {
      const cert = await issue({ profile: 'codeSigning' });
      const long = reencodeValidity(cert, nonMinimalLength);
      expect(() => certificateFromDer(long)).toThrow('is not a well-formed certificate');
    });

    it('throws for bytes after the certificate', async () => {
      const { der } = await issue();
      expect(() => certificateFromDer(Buffer.concat([der, Buffer.of(0)]))).toThrow();
    });
  });
});

describe('certificateOf', () => {
  describe('when given a @peculiar/x509 certificate', () => {
    it('returns the parsed form of the same DER, once', async () => {
      const { cert, der } = await issue();
      expect(certificateOf(cert)).toBe(certificateFromDer(der));
      expect(certificateOf(certificateOf(cert))).toBe(certificateOf(cert));
    });
  });
});
