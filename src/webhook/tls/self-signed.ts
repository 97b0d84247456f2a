// A throwaway CA and a serving leaf for installs without cert-manager. The CA's private key lives
// only in memory while the leaf is signed and is never written: what is on disk can serve this
// webhook, not mint a certificate for another name. So the CA can never sign a second leaf, and
// its lifetime is the leaf's; renewing means a new CA, which the caBundle must then carry.
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { checkNames, issueCa, issueServing } from './authority.js';

/** File names in `dir`, as in a `kubernetes.io/tls` Secret (plus `ca.crt`). */
export const CA_FILE = 'ca.crt';
export const CERT_FILE = 'tls.crt';
export const KEY_FILE = 'tls.key';

const DAY_MS = 86_400_000;
/** Leaf and CA validity: one year, as Gatekeeper's cert-controller and the cert-manager chart. */
export const VALIDITY_DAYS = 365;
/** A pair closer than this to expiry is replaced at start-up (cert-manager's `renewBefore`). */
export const RENEW_BEFORE_DAYS = 30;

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

async function issue(
  names: string[],
  now: Date,
): Promise<{ ca: string; cert: string; key: string }> {
  const validityMs = VALIDITY_DAYS * DAY_MS;
  const ca = await issueCa({ now, validityMs });
  const leaf = await issueServing({
    ca,
    names,
    now,
    notAfter: new Date(now.getTime() + validityMs),
  });
  // The CA key goes no further than this function (see the top of the file).
  return { ca: ca.cert, cert: leaf.cert, key: leaf.key };
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
