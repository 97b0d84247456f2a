import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { openssl } from './openssl.js';
import type { CrlServer, OcspResponder } from './revocation.js';
import { makeWorkdir } from './workdir.js';

export type KeySpec =
  'rsa-1024' | 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'ec-p256' | 'ec-p384' | 'ec-p521';

/**
 * Certificate profiles. `codeSigning` is the Notary Project leaf profile and `timeStamping`
 * a TSA leaf; the others are deliberately broken, for negative tests.
 */
export type CertProfile =
  | 'codeSigning'
  | 'timeStamping'
  | 'tlsServer'
  | 'tlsClient'
  | 'no-key-usage'
  | 'key-usage-not-critical'
  | 'no-digital-signature'
  | 'ca-leaf'
  | 'server-auth-eku'
  | 'any-eku'
  | 'no-eku';

export interface Validity {
  notBefore?: Date;
  notAfter?: Date;
}

export interface Certificate {
  name: string;
  certPath: string;
  keyPath: string;
  pem: string;
  /** RFC 2253 form, as `openssl x509 -subject -nameopt RFC2253` prints it. */
  subject: string;
  serial: string;
}

export interface IssueOptions {
  subject?: string;
  key?: KeySpec;
  profile?: CertProfile;
  validity?: Validity;
  /** subjectAltName value, e.g. `IP:127.0.0.1, DNS:localhost` (TLS profiles). */
  subjectAltName?: string;
  /** Signature digest of the issuing CA; sha1 only for negative tests. */
  md?: 'sha1' | 'sha256' | 'sha384' | 'sha512';
}

export interface PkiOptions {
  /** Key of every certificate unless given per certificate (default rsa-3072). */
  key?: KeySpec;
  /** 2 = root → leaf; 3 = root → intermediate → leaf (default). */
  levels?: 2 | 3;
  /** Common name prefix of the subjects (default "Notary Admission Test"). */
  name?: string;
  leaf?: IssueOptions;
  /**
   * Publish CRLs and/or answer OCSP for every CA, and name them in the certificates it issues.
   * `crlSeconds`: each CRL's nextUpdate is this many seconds after its thisUpdate (default 30
   * days), and the CRL is issued afresh for every request, as a CA publishing that often would.
   */
  revocation?: { crl?: CrlServer; ocsp?: OcspResponder; crlSeconds?: number };
}

export interface Pki {
  dir: string;
  root: Certificate;
  intermediate: Certificate | undefined;
  leaf: Certificate;
  /** PEM file with leaf, intermediate (if any) and root: what `notation sign` needs. */
  chainPath: string;
  /** Issues another certificate from the issuing CA (the intermediate, else the root). */
  issue(name: string, options?: IssueOptions): Promise<Certificate>;
  /** Chain file (cert, then issuing CA up to the root) for any certificate of this PKI. */
  chainFor(cert: Certificate): string;
  /** Revokes a certificate at its issuer and republishes that issuer's CRL. */
  revoke(cert: Certificate, reason?: string): Promise<void>;
}

const LONG = 20 * 365 * 24 * 3600 * 1000;

function asn1Time(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

async function generateKey(file: string, spec: KeySpec): Promise<void> {
  const [kind, size] = spec.split('-') as [string, string];
  const args =
    kind === 'rsa'
      ? ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${size}`]
      : [
          '-algorithm',
          'EC',
          '-pkeyopt',
          `ec_paramgen_curve:P-${size.slice(1)}`,
          '-pkeyopt',
          'ec_param_enc:named_curve',
        ];
  await openssl(['genpkey', ...args, '-out', file]);
}

function defaultMd(spec: KeySpec): 'sha256' | 'sha384' | 'sha512' {
  return spec === 'ec-p384' ? 'sha384' : spec === 'ec-p521' ? 'sha512' : 'sha256';
}

const PROFILE_EXTENSIONS: Record<CertProfile | 'root' | 'intermediate', string[]> = {
  root: ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign'],
  intermediate: [
    'basicConstraints = critical, CA:TRUE, pathlen:0',
    'keyUsage = critical, keyCertSign, cRLSign',
  ],
  codeSigning: [
    'basicConstraints = CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = codeSigning',
  ],
  tlsServer: [
    'basicConstraints = CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    'extendedKeyUsage = serverAuth',
  ],
  tlsClient: [
    'basicConstraints = CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    'extendedKeyUsage = clientAuth',
  ],
  timeStamping: [
    'basicConstraints = CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = critical, timeStamping',
  ],
  'no-key-usage': ['basicConstraints = CA:FALSE', 'extendedKeyUsage = codeSigning'],
  'key-usage-not-critical': [
    'basicConstraints = CA:FALSE',
    'keyUsage = digitalSignature',
    'extendedKeyUsage = codeSigning',
  ],
  'no-digital-signature': [
    'basicConstraints = CA:FALSE',
    'keyUsage = critical, keyEncipherment',
    'extendedKeyUsage = codeSigning',
  ],
  'ca-leaf': [
    'basicConstraints = critical, CA:TRUE',
    'keyUsage = critical, digitalSignature, keyCertSign',
    'extendedKeyUsage = codeSigning',
  ],
  // codeSigning plus anyExtendedKeyUsage: notation accepts it, the spec forbids it (divergence D5).
  'any-eku': [
    'basicConstraints = CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = codeSigning, anyExtendedKeyUsage',
  ],
  'server-auth-eku': [
    'basicConstraints = CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = serverAuth',
  ],
  'no-eku': ['basicConstraints = CA:FALSE', 'keyUsage = critical, digitalSignature'],
};

function caConfig(dir: string, name: string): string {
  return `[ ca ]
default_ca = CA_default
[ CA_default ]
dir = ${dir}
database = $dir/index.txt
certificate = $dir/${name}.crt
private_key = $dir/${name}.key
new_certs_dir = $dir/issued
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 3650
default_crl_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
crl_extensions = crl_ext
[ policy_any ]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
[ crl_ext ]
authorityKeyIdentifier = keyid:always
[ req ]
distinguished_name = req_dn
[ req_dn ]
`;
}

/** One certificate authority backed by an openssl CA database (index.txt). */
class CertificateAuthority {
  readonly cert: Certificate;
  /** This CA's certificate and those above it, up to the root. */
  readonly chain: Certificate[];
  readonly dir: string;
  readonly config: string;
  crlUrl: string | undefined;
  ocspUrl: string | undefined;
  constructor(cert: Certificate, chain: Certificate[]) {
    this.cert = cert;
    this.chain = chain;
    this.dir = path.dirname(cert.certPath);
    this.config = path.join(this.dir, 'ca.cnf');
  }
  get crlPath(): string {
    return path.join(this.dir, 'crl.der');
  }
  get indexPath(): string {
    return path.join(this.dir, 'index.txt');
  }
  /** Seconds from a CRL's thisUpdate to its nextUpdate (undefined: the config's 30 days). */
  crlSeconds: number | undefined;
  async publishCrl(): Promise<void> {
    const pem = path.join(this.dir, 'crl.pem');
    const validity = this.crlSeconds === undefined ? [] : ['-crlsec', String(this.crlSeconds)];
    await openssl(['ca', '-batch', '-config', this.config, '-gencrl', ...validity, '-out', pem]);
    await openssl(['crl', '-in', pem, '-outform', 'DER', '-out', this.crlPath]);
  }
}

function initCaDir(dir: string, name: string): void {
  mkdirSync(path.join(dir, 'issued'), { recursive: true });
  writeFileSync(path.join(dir, 'index.txt'), '');
  writeFileSync(path.join(dir, 'index.txt.attr'), 'unique_subject = no\n');
  // A random positive starting serial, so certificates of different test PKIs never share one.
  const serial = randomBytes(8);
  serial[0] = (serial[0]! & 0x7f) | 0x10;
  writeFileSync(path.join(dir, 'serial'), `${serial.toString('hex')}\n`);
  writeFileSync(path.join(dir, 'crlnumber'), '1000\n');
  writeFileSync(path.join(dir, 'ca.cnf'), caConfig(dir, name));
}

interface SignRequest {
  dir: string;
  name: string;
  subject: string;
  key: KeySpec;
  extensions: string[];
  validity: Validity;
  md: string;
  issuer: CertificateAuthority | undefined; // undefined: self-signed with the new CA's own database
}

async function signCertificate(req: SignRequest): Promise<Certificate> {
  const keyPath = path.join(req.dir, `${req.name}.key`);
  const certPath = path.join(req.dir, `${req.name}.crt`);
  const csr = path.join(req.dir, `${req.name}.csr`);
  const ext = path.join(req.dir, `${req.name}.ext`);
  await generateKey(keyPath, req.key);
  const config = req.issuer?.config ?? path.join(req.dir, 'ca.cnf');
  await openssl([
    'req',
    '-new',
    '-config',
    config,
    '-key',
    keyPath,
    '-subj',
    req.subject,
    '-out',
    csr,
  ]);
  const withIds = [...req.extensions, 'subjectKeyIdentifier = hash'];
  if (req.issuer) withIds.push('authorityKeyIdentifier = keyid:always');
  if (req.issuer?.crlUrl) withIds.push(`crlDistributionPoints = URI:${req.issuer.crlUrl}`);
  if (req.issuer?.ocspUrl) withIds.push(`authorityInfoAccess = OCSP;URI:${req.issuer.ocspUrl}`);
  writeFileSync(ext, `[ ext ]\n${withIds.join('\n')}\n`);
  const now = Date.now();
  const notBefore = req.validity.notBefore ?? new Date(now - 3600_000);
  const notAfter = req.validity.notAfter ?? new Date(now + LONG);
  const signer = req.issuer
    ? ['-cert', req.issuer.cert.certPath, '-keyfile', req.issuer.cert.keyPath]
    : ['-selfsign', '-keyfile', keyPath];
  await openssl([
    'ca',
    '-batch',
    '-notext',
    '-preserveDN',
    '-config',
    config,
    ...signer,
    '-in',
    csr,
    '-out',
    certPath,
    '-extfile',
    ext,
    '-extensions',
    'ext',
    '-md',
    req.md,
    '-startdate',
    asn1Time(notBefore),
    '-enddate',
    asn1Time(notAfter),
  ]);
  const subject = (
    await openssl(['x509', '-in', certPath, '-noout', '-subject', '-nameopt', 'RFC2253'])
  )
    .trim()
    .replace(/^subject=/, '');
  const serial = (await openssl(['x509', '-in', certPath, '-noout', '-serial']))
    .trim()
    .replace(/^serial=/, '');
  return {
    name: req.name,
    certPath,
    keyPath,
    pem: readFileSync(certPath, 'utf8'),
    subject,
    serial,
  };
}

async function makeCa(o: {
  dir: string;
  name: string;
  subject: string;
  key: KeySpec;
  issuer: CertificateAuthority | undefined;
}): Promise<CertificateAuthority> {
  const { dir, name, subject, key, issuer } = o;
  const caDir = path.join(dir, name);
  initCaDir(caDir, name);
  const cert = await signCertificate({
    dir: caDir,
    name,
    subject,
    key,
    validity: {},
    md: defaultMd(key),
    issuer,
    extensions: PROFILE_EXTENSIONS[issuer ? 'intermediate' : 'root'],
  });
  return new CertificateAuthority(cert, [cert, ...(issuer?.chain ?? [])]);
}

function chainFile(dir: string, name: string, certs: Certificate[]): string {
  const file = path.join(dir, `${name}.chain.pem`);
  writeFileSync(file, certs.map((c) => c.pem).join(''));
  return file;
}

/**
 * A test PKI made with openssl: a root, optionally an intermediate, and a code-signing leaf.
 * Long-lived by default. Each CA keeps an openssl database, so revocation, CRLs and OCSP
 * answers all come from the same record.
 */
export async function makePki(options: PkiOptions = {}): Promise<Pki> {
  const dir = makeWorkdir('pki');
  const id = path.basename(dir);
  const key = options.key ?? 'rsa-3072';
  const cn = options.name ?? 'Notary Admission Test';
  const root = await makeCa({
    dir,
    name: 'root',
    subject: `/C=US/O=Notary Admission/CN=${cn} Root`,
    key,
    issuer: undefined,
  });
  const wire = async (ca: CertificateAuthority): Promise<void> => {
    const { crl, ocsp, crlSeconds } = options.revocation ?? {};
    if (crl) {
      ca.crlSeconds = crlSeconds;
      await ca.publishCrl();
      const fresh = crlSeconds === undefined ? undefined : () => ca.publishCrl();
      ca.crlUrl = crl.publish(`${id}-${ca.cert.name}`, ca.crlPath, fresh);
    }
    if (ocsp)
      ca.ocspUrl = ocsp.register(`${id}-${ca.cert.name}`, {
        certPath: ca.cert.certPath,
        keyPath: ca.cert.keyPath,
        indexPath: ca.indexPath,
      });
  };
  await wire(root);
  // Certificate path → the CA that issued it (the root issues itself nothing here).
  const issuerOf = new Map<string, CertificateAuthority>();
  let issuer = root;
  if ((options.levels ?? 3) === 3) {
    issuer = await makeCa({
      dir,
      name: 'intermediate',
      subject: `/C=US/O=Notary Admission/CN=${cn} Intermediate`,
      key,
      issuer: root,
    });
    issuerOf.set(issuer.cert.certPath, root);
    await wire(issuer);
  }
  const issue = async (name: string, opts: IssueOptions = {}): Promise<Certificate> => {
    const k = opts.key ?? key;
    const cert = await signCertificate({
      dir,
      name,
      key: k,
      issuer,
      validity: opts.validity ?? {},
      md: opts.md ?? defaultMd(k),
      subject: opts.subject ?? `/C=US/ST=WA/L=Seattle/O=Notary Admission/CN=${cn} ${name}`,
      extensions: [
        ...PROFILE_EXTENSIONS[opts.profile ?? 'codeSigning'],
        ...(opts.subjectAltName ? [`subjectAltName = ${opts.subjectAltName}`] : []),
      ],
    });
    issuerOf.set(cert.certPath, issuer);
    return cert;
  };
  const chainFor = (cert: Certificate): string =>
    chainFile(dir, cert.name, [cert, ...(issuerOf.get(cert.certPath)?.chain ?? [])]);
  const leaf = await issue('leaf', options.leaf);
  return {
    dir,
    root: root.cert,
    intermediate: issuer === root ? undefined : issuer.cert,
    leaf,
    chainPath: chainFor(leaf),
    issue,
    chainFor,
    async revoke(cert, reason = 'keyCompromise') {
      const at = issuerOf.get(cert.certPath);
      if (!at) throw new Error(`${cert.name} was not issued by this PKI's CAs`);
      await openssl([
        'ca',
        '-batch',
        '-config',
        at.config,
        '-revoke',
        cert.certPath,
        '-crl_reason',
        reason,
      ]);
      await at.publishCrl();
    },
  };
}

export interface ServingCert {
  /** PEM file of the CA that clients trust. */
  caPath: string;
  certPath: string;
  keyPath: string;
}

/** A CA and a TLS server certificate for 127.0.0.1 and localhost (plus extra SANs). */
export async function makeServingCert(extraSans: string[] = []): Promise<ServingCert> {
  const pki = await makePki({
    levels: 2,
    key: 'ec-p256',
    name: 'Serving',
    leaf: {
      profile: 'tlsServer',
      subjectAltName: ['IP:127.0.0.1', 'DNS:localhost', ...extraSans].join(', '),
    },
  });
  return { caPath: pki.root.certPath, certPath: pki.leaf.certPath, keyPath: pki.leaf.keyPath };
}
