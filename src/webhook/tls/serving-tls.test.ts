import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSelfSigned, type SelfSignedTls } from './self-signed.js';
import {
  httpsServerOptions,
  loadServingTls,
  secureContextOptions,
  TlsError,
  type ServingTls,
} from './serving-tls.js';

const NOW = new Date('2026-03-01T00:00:00Z');
let root: string;
let a: SelfSignedTls;
let b: SelfSignedTls;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'serving-tls-'));
  const dnsNames = ['localhost', '127.0.0.1'];
  a = await generateSelfSigned({ dir: join(root, 'a'), dnsNames, now: NOW });
  b = await generateSelfSigned({ dir: join(root, 'b'), dnsNames, now: NOW });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(root, name);
  await writeFile(path, text);
  return path;
}

async function rejection(p: Promise<unknown>): Promise<TlsError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TlsError);
  return err as TlsError;
}

describe('loadServingTls', () => {
  describe('when certificate and key belong together', () => {
    it('returns the PEM texts as read and what the leaf says', async () => {
      const tls = await loadServingTls({ certPath: a.certPath, keyPath: a.keyPath, now: NOW });
      const pem = await readFile(a.certPath, 'utf8');
      expect(tls.cert).toBe(pem);
      expect(tls.key).toBe(await readFile(a.keyPath, 'utf8'));
      expect(tls.leaf).toEqual({
        subject: 'CN=localhost',
        notAfter: new Date('2027-03-01T00:00:00Z'),
        fingerprint256: new X509Certificate(pem).fingerprint256,
        dnsNames: ['localhost'],
        ipAddresses: ['127.0.0.1'],
      });
    });
  });

  describe('when the certificate file holds a chain', () => {
    it('takes the first certificate as the leaf', async () => {
      const leaf = await readFile(a.certPath, 'utf8');
      const chain = await file('chain.crt', leaf + (await readFile(a.caPath, 'utf8')));
      const tls = await loadServingTls({ certPath: chain, keyPath: a.keyPath, now: NOW });
      expect(tls.leaf.fingerprint256).toBe(new X509Certificate(leaf).fingerprint256);
    });
  });

  describe('when the key belongs to another certificate', () => {
    it('throws TLS_INVALID naming both files', async () => {
      const err = await rejection(
        loadServingTls({ certPath: a.certPath, keyPath: b.keyPath, now: NOW }),
      );
      expect(err.code).toBe('TLS_INVALID');
      expect(err.message).toBe(
        `TLS key ${b.keyPath} does not belong to the certificate in ${a.certPath}`,
      );
    });
  });

  describe('when the certificate file holds no PEM certificate', () => {
    it('throws TLS_INVALID', async () => {
      const garbage = await file('garbage.crt', 'not a certificate\n');
      const err = await rejection(loadServingTls({ certPath: garbage, keyPath: a.keyPath }));
      expect([err.code, err.message]).toEqual([
        'TLS_INVALID',
        `TLS certificate file ${garbage} holds no PEM certificate`,
      ]);
    });
  });

  describe('when a certificate block is damaged', () => {
    it('throws TLS_INVALID naming its position', async () => {
      const pem = await readFile(a.certPath, 'utf8');
      const damaged = await file('damaged.crt', pem.replace(/\n[A-Za-z0-9+/]{8}/, '\n!!!!!!!!'));
      const err = await rejection(loadServingTls({ certPath: damaged, keyPath: a.keyPath }));
      expect([err.code, err.message]).toEqual([
        'TLS_INVALID',
        `TLS certificate 1 in ${damaged} does not parse`,
      ]);
    });
  });

  describe('when the key file is cut short', () => {
    it('throws TLS_INVALID without quoting the key', async () => {
      const key = await readFile(a.keyPath, 'utf8');
      const half = await file('half.key', key.slice(0, 80));
      const err = await rejection(loadServingTls({ certPath: a.certPath, keyPath: half }));
      expect([err.code, err.message]).toEqual([
        'TLS_INVALID',
        `TLS key file ${half} holds no readable unencrypted PEM private key`,
      ]);
      expect(err.message).not.toContain(key.split('\n')[1]!.slice(0, 20));
    });
  });

  describe('when the leaf has expired', () => {
    it('throws TLS_INVALID with the expiry time', async () => {
      const later = new Date('2027-03-01T00:00:01Z');
      const err = await rejection(
        loadServingTls({ certPath: a.certPath, keyPath: a.keyPath, now: later }),
      );
      expect([err.code, err.message]).toEqual([
        'TLS_INVALID',
        `TLS certificate in ${a.certPath} expired at 2027-03-01T00:00:00.000Z`,
      ]);
    });
  });

  describe('when a file is missing', () => {
    it('throws TLS_INVALID with the errno code', async () => {
      const missing = join(root, 'missing.key');
      const err = await rejection(loadServingTls({ certPath: a.certPath, keyPath: missing }));
      expect([err.code, err.message]).toEqual([
        'TLS_INVALID',
        `TLS key file ${missing} cannot be read (ENOENT)`,
      ]);
    });
  });
});

describe('secureContextOptions', () => {
  let tls: ServingTls;
  beforeAll(async () => {
    tls = await loadServingTls({ certPath: a.certPath, keyPath: a.keyPath, now: NOW });
  });

  describe('when no policy is given', () => {
    it('returns TLS 1.2+ with ECDHE AEAD suites only and no tickets', () => {
      const options = secureContextOptions(tls);
      expect(options.minVersion).toBe('TLSv1.2');
      expect(options.honorCipherOrder).toBe(true);
      expect(options.secureOptions).toBe(0x4000); // SSL_OP_NO_TICKET
      expect([options.cert, options.key]).toEqual([tls.cert, tls.key]);
      const suites = options.ciphers!.split(':');
      const tls12 = suites.filter((s) => !s.startsWith('TLS_'));
      expect(tls12).toHaveLength(6);
      for (const suite of tls12) {
        expect(suite).toMatch(
          /^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/,
        );
      }
      expect(suites.filter((s) => s.startsWith('TLS_'))).toEqual([
        'TLS_AES_128_GCM_SHA256',
        'TLS_AES_256_GCM_SHA384',
        'TLS_CHACHA20_POLY1305_SHA256',
      ]);
    });

    it('returns options OpenSSL accepts', () => {
      expect(() => createSecureContext(secureContextOptions(tls))).not.toThrow();
    });
  });

  describe('when the policy asks for TLS 1.3', () => {
    it('returns minVersion TLSv1.3', () => {
      expect(secureContextOptions(tls, { minVersion: 'TLSv1.3' }).minVersion).toBe('TLSv1.3');
    });
  });
});

describe('httpsServerOptions', () => {
  describe('when given a pair', () => {
    it('returns the secure context options plus ALPN http/1.1 only', async () => {
      const tls = await loadServingTls({ certPath: a.certPath, keyPath: a.keyPath, now: NOW });
      expect(httpsServerOptions(tls)).toEqual({
        ...secureContextOptions(tls),
        ALPNProtocols: ['http/1.1'],
      });
    });
  });
});
