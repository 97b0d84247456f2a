// A small certificate authority for the webhook's own serving certificates: an ECDSA P-256 CA and
// leaves for the names the API server calls, built with @peculiar/x509 on Node's WebCrypto. Used
// by the generated pair (self-signed.ts, whose CA key is thrown away) and by the self-managed mode
// (src/kube/ca-keeper.ts is handed these functions, so it keeps the CA key in its Secret).
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '../../verify/x509/peculiar.js';
import { TlsError } from './serving-tls.js';

/** A certificate and its unencrypted PKCS#8 key, both PEM. */
export interface PemPair {
  cert: string;
  key: string;
}

/**
 * How far notBefore is set back from the moment of issue, so that an API server whose clock runs
 * behind ours does not find a fresh certificate "not yet valid" (the leaf is switched in at once).
 */
export const BACKDATE_MS = 3_600_000;

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' };
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' };
const KU = x509.KeyUsageFlags;
const DNS_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * The names a leaf is issued for: DNS names (lower-cased) and IP addresses, deduplicated, in the
 * order given. Throws `TLS_NAME_INVALID` for an empty list or a name that is neither.
 */
export function checkNames(input: readonly string[]): string[] {
  if (input.length === 0) throw new TlsError('TLS_NAME_INVALID', 'no DNS name for the certificate');
  for (const name of input) {
    if (isIP(name) === 0 && !DNS_NAME.test(name.toLowerCase())) {
      const shown = JSON.stringify(name);
      throw new TlsError('TLS_NAME_INVALID', `${shown} is neither a DNS name nor an IP address`);
    }
  }
  return [...new Set(input.map((n) => n.toLowerCase()))];
}

export interface IssueCaOptions {
  now: Date;
  /** From `now` (notBefore is {@link BACKDATE_MS} earlier). */
  validityMs: number;
}

/** A new CA (pathlen 0, keyCertSign) with a fresh key; its CN carries its serial's first bytes. */
export async function issueCa(options: IssueCaOptions): Promise<PemPair> {
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const serialNumber = serial();
  // Distinct subjects keep two CAs of one overlap apart in logs and in the API server's pool.
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber,
    name: `CN=notary-admission CA ${serialNumber.slice(0, 8)}`,
    notBefore: new Date(options.now.getTime() - BACKDATE_MS),
    notAfter: new Date(options.now.getTime() + options.validityMs),
    signingAlgorithm: ECDSA_SHA256,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(KU.keyCertSign | KU.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: `${cert.toString('pem')}\n`, key: await pemOf(keys.privateKey) };
}

export interface IssueServingOptions {
  ca: PemPair;
  /** Checked with {@link checkNames}; the first is the subject's CN. */
  names: readonly string[];
  now: Date;
  /** Capped at the CA's own notAfter: a leaf never outlives its issuer. */
  notAfter: Date;
}

/** A serving leaf (serverAuth, digitalSignature) for `names`, signed by `ca`, with a fresh key. */
export async function issueServing(options: IssueServingOptions): Promise<PemPair> {
  const names = checkNames(options.names);
  const ca = new x509.X509Certificate(options.ca.cert);
  const caKey = await importKey(options.ca.key);
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const notAfter = Math.min(options.notAfter.getTime(), ca.notAfter.getTime());
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${names[0]!}`,
    issuer: ca.subject,
    notBefore: new Date(options.now.getTime() - BACKDATE_MS),
    notAfter: new Date(notAfter),
    signingAlgorithm: ECDSA_SHA256,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(KU.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((n) => ({ type: isIP(n) === 0 ? ('dns' as const) : ('ip' as const), value: n })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(await ca.publicKey.export()),
    ],
  });
  return { cert: `${leaf.toString('pem')}\n`, key: await pemOf(keys.privateKey) };
}

async function pemOf(key: webcrypto.CryptoKey): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key);
  const object = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  return object.export({ format: 'pem', type: 'pkcs8' }).toString();
}

async function importKey(pem: string): Promise<webcrypto.CryptoKey> {
  try {
    const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
    return await webcrypto.subtle.importKey('pkcs8', der, EC_P256, false, ['sign']);
  } catch (cause) {
    throw new TlsError('TLS_INVALID', 'the CA key is not a readable P-256 PKCS#8 key', { cause });
  }
}

/** 128 random bits, positive and without a leading zero byte (RFC 5280 §4.1.2.2). */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}
