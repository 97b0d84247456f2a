import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makePki } from './index.js';
import { openssl } from './openssl.js';

const text = (certPath: string): Promise<string> =>
  openssl(['x509', '-in', certPath, '-noout', '-text']);

describe('makePki', () => {
  it.each([
    ['rsa-3072', /Public-Key: \(3072 bit\)/],
    ['ec-p384', /NIST CURVE: P-384/],
    ['ec-p521', /NIST CURVE: P-521/],
  ] as const)('makes a three-level %s chain that openssl verifies', async (key, keyPattern) => {
    const pki = await makePki({ key });
    expect(await text(pki.leaf.certPath)).toMatch(keyPattern);
    const untrusted = ['-untrusted', pki.intermediate!.certPath];
    const out = await openssl([
      'verify',
      '-CAfile',
      pki.root.certPath,
      ...untrusted,
      pki.leaf.certPath,
    ]);
    expect(out.trim()).toBe(`${pki.leaf.certPath}: OK`);
  });

  it('gives the leaf the Notary Project code-signing profile and a long life', async () => {
    const pki = await makePki({ levels: 2, key: 'ec-p256' });
    const leaf = await text(pki.leaf.certPath);
    expect(leaf).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    expect(leaf).toMatch(/X509v3 Extended Key Usage: \s*\n\s+Code Signing\n/);
    expect(leaf).toMatch(/CA:FALSE/);
    const end = await openssl(['x509', '-in', pki.leaf.certPath, '-noout', '-enddate']);
    expect(new Date(end.split('=')[1]!).getFullYear()).toBeGreaterThan(
      new Date().getFullYear() + 10,
    );
    expect(pki.intermediate).toBeUndefined();
  });

  it('makes broken and expired certificates on request', async () => {
    const notAfter = new Date(Date.now() - 24 * 3600_000);
    const pki = await makePki({
      levels: 2,
      key: 'ec-p256',
      leaf: { profile: 'server-auth-eku', validity: { notAfter } },
    });
    expect(await text(pki.leaf.certPath)).toMatch(/TLS Web Server Authentication/);
    const check = await openssl([
      'x509',
      '-in',
      pki.leaf.certPath,
      '-noout',
      '-checkend',
      '0',
    ]).catch((e: Error) => e.message);
    expect(check).toMatch(/will expire/);
    const caLeaf = await pki.issue('ca-leaf', { profile: 'ca-leaf' });
    expect(await text(caLeaf.certPath)).toMatch(/CA:TRUE/);
  });

  it('writes the chain file leaf first, up to the root', async () => {
    const pki = await makePki({ key: 'ec-p256' });
    const chain = readFileSync(pki.chainPath, 'utf8');
    expect(chain).toBe(pki.leaf.pem + pki.intermediate!.pem + pki.root.pem);
  });
});
