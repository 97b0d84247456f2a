// A throwaway CA and a serving leaf for installs without cert-manager. The CA's private key lives
// only in memory while the leaf is signed and is never written: what is on disk can serve this
// webhook, not mint a certificate for another name. So the CA can never sign a second leaf, and
// its lifetime is the leaf's; renewing means a new CA, which the caBundle must then carry.
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '../../verify/x509/peculiar.js';
import { TlsError } from './serving-tls.js';

/** File names in `dir`, as in a `kubernetes.io/tls` Secret (plus `ca.crt`). */
export const CA_FILE = 'ca.crt';
export const CERT_FILE = 'tls.crt';
export const KEY_FILE = 'tls.key';

const DAY_MS = 86_400_000;
/** Leaf and CA validity: one year, as Gatekeeper's cert-controller and the cert-manager chart. */
export const VALIDITY_DAYS = 365;
/** A pair closer than this to expiry is replaced at start-up (cert-manager's `renewBefore`). */
export const RENEW_BEFORE_DAYS = 30;
// Backdated so an API server whose clock runs behind ours does not see "not yet valid".
const BACKDATE_MS = 3_600_000;

export interface GenerateSelfSignedOptions {
  /** Where `ca.crt`, `tls.crt` and `tls.key` live; created (mode 0700) when missing. */
  dir: string;
  /** DNS names and IP addresses the leaf must serve, e.g. `<svc>.<ns>.svc`; the first is its CN. */
  dnsNames: readonly string[];
  now?: Date;
}

export interface SelfSignedTls {
  caPath: string;
  certPath: string;
  keyPath: string;
  /** True when the files already in `dir` were still good and were kept. */
  reused: boolean;
}

/**
 * Ensures `dir` holds a CA and a leaf for `dnsNames` that is good for more than
 * {@link RENEW_BEFORE_DAYS} days, reusing the files when they are (so a restart keeps the CA the
 * cluster already trusts) and writing a fresh set otherwise. Throws `TLS_NAME_INVALID` for a
 * name that is neither a DNS name nor an IP address.
 */
export async function generateSelfSigned(
  options: GenerateSelfSignedOptions,
): Promise<SelfSignedTls> {
  const names = checkNames(options.dnsNames);
  const now = options.now ?? new Date();
  const paths = {
    caPath: join(options.dir, CA_FILE),
    certPath: join(options.dir, CERT_FILE),
    keyPath: join(options.dir, KEY_FILE),
  };
  if (await reusable(paths, names, now)) return { ...paths, reused: true };
  const pems = await issue(names, now);
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  await writeAtomically(paths.caPath, pems.ca, 0o644);
  await writeAtomically(paths.keyPath, pems.key, 0o600);
  await writeAtomically(paths.certPath, pems.cert, 0o644);
  return { ...paths, reused: false };
}

const DNS_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

function checkNames(input: readonly string[]): string[] {
  if (input.length === 0) throw new TlsError('TLS_NAME_INVALID', 'no DNS name for the certificate');
  for (const name of input) {
    if (isIP(name) === 0 && !DNS_NAME.test(name.toLowerCase())) {
      const shown = JSON.stringify(name);
      throw new TlsError('TLS_NAME_INVALID', `${shown} is neither a DNS name nor an IP address`);
    }
  }
  return [...new Set(input.map((n) => n.toLowerCase()))];
}

interface Paths {
  caPath: string;
  certPath: string;
  keyPath: string;
}

/** True when the three files parse, chain, match, cover every name and are far from expiry. */
async function reusable(paths: Paths, names: string[], now: Date): Promise<boolean> {
  try {
    const ca = new X509Certificate(await readFile(paths.caPath));
    const leaf = new X509Certificate(await readFile(paths.certPath));
    const key = createPrivateKey(await readFile(paths.keyPath));
    const signed = ca.ca && leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
    return (
      signed &&
      leaf.checkPrivateKey(key) &&
      names.every((n) => covers(leaf, n)) &&
      fresh(ca, now) &&
      fresh(leaf, now)
    );
  } catch {
    return false; // missing or unreadable: start over
  }
}

function covers(leaf: X509Certificate, name: string): boolean {
  return isIP(name) === 0
    ? leaf.checkHost(name, { subject: 'never' }) !== undefined
    : leaf.checkIP(name) !== undefined;
}

function fresh(cert: X509Certificate, now: Date): boolean {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  return from <= now.getTime() && to - now.getTime() > RENEW_BEFORE_DAYS * DAY_MS;
}

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' };
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' };
const SERVER_AUTH = x509.ExtendedKeyUsage.serverAuth;
const KU = x509.KeyUsageFlags;

async function issue(
  names: string[],
  now: Date,
): Promise<{ ca: string; cert: string; key: string }> {
  const caKeys = await webcrypto.subtle.generateKey(EC_P256, false, ['sign', 'verify']);
  const leafKeys = await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  const notAfter = new Date(now.getTime() + VALIDITY_DAYS * DAY_MS);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=notary-admission self-signed CA',
    notBefore,
    notAfter,
    signingAlgorithm: ECDSA_SHA256,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(KU.keyCertSign | KU.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${names[0]!}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: ECDSA_SHA256,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(KU.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([SERVER_AUTH]),
      new x509.SubjectAlternativeNameExtension(
        names.map((n) => ({ type: isIP(n) === 0 ? ('dns' as const) : ('ip' as const), value: n })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey);
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  return {
    ca: ca.toString('pem') + '\n',
    cert: leaf.toString('pem') + '\n',
    key: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

/** 128 random bits, positive and without a leading zero byte (RFC 5280 §4.1.2.2). */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

/** Write to a fresh temporary file and rename, so a reader never sees half a file. */
async function writeAtomically(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data, { mode, flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
