// The serving certificate and key, validated as a pair, and the TLS policy the webhook serves
// them with. One function turns file contents into a pair, so the loader at start-up and the
// reloader judge a pair by exactly the same rules.
import { constants, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { SecureContextOptions } from 'node:tls';
import type { ServerOptions } from 'node:https';

/** Codes of {@link TlsError}: `TLS_INVALID` for an unusable pair, `TLS_NAME_INVALID` for a bad name. */
export type TlsErrorCode = 'TLS_INVALID' | 'TLS_NAME_INVALID';

/** A certificate/key problem. Messages name files and certificate subjects, never key material. */
export class TlsError extends Error {
  override readonly name = 'TlsError';
  readonly code: TlsErrorCode;

  constructor(code: TlsErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** What the serving leaf says about itself (for logs, metrics and readiness). */
export interface LeafInfo {
  subject: string;
  notAfter: Date;
  /** SHA-256 fingerprint, colon-separated upper-case hex (`AB:CD:…`), as Node prints it. */
  fingerprint256: string;
  dnsNames: string[];
  ipAddresses: string[];
}

/** A validated pair: `cert` and `key` are the PEM texts exactly as read (leaf first in `cert`). */
export interface ServingTls {
  cert: string;
  key: string;
  leaf: LeafInfo;
}

export interface LoadServingTlsOptions {
  certPath: string;
  keyPath: string;
  /** Clock for the expiry check; defaults to the system clock. */
  now?: Date;
}

/** Reads and validates the pair at `certPath`/`keyPath`; throws {@link TlsError} `TLS_INVALID`. */
export async function loadServingTls(options: LoadServingTlsOptions): Promise<ServingTls> {
  const { certPath, keyPath } = options;
  const cert = await readTlsFile(certPath, 'certificate');
  const key = await readTlsFile(keyPath, 'key');
  return parseServingTls({ cert, key, certPath, keyPath, now: options.now ?? new Date() });
}

export interface ParseServingTlsInput {
  cert: string;
  key: string;
  /** Only to name the files in error messages. */
  certPath: string;
  keyPath: string;
  now: Date;
}

/** Validates PEM texts as a serving pair: certificates parse, key matches leaf, leaf not expired. */
export function parseServingTls(input: ParseServingTlsInput): ServingTls {
  const { certPath, keyPath, now } = input;
  const chain = parseCertificates(input.cert, certPath);
  const leaf = chain[0]!;
  const key = parseKey(input.key, keyPath);
  if (!leaf.checkPrivateKey(key)) {
    throw invalid(`TLS key ${keyPath} does not belong to the certificate in ${certPath}`);
  }
  const notAfter = new Date(leaf.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    throw invalid(`TLS certificate in ${certPath} expired at ${notAfter.toISOString()}`);
  }
  return { cert: input.cert, key: input.key, leaf: leafInfo(leaf, notAfter) };
}

/** The minimum TLS version; 1.2 admits only ECDHE + AEAD suites (threat model Mitigation 4). */
export type TlsMinVersion = 'TLSv1.2' | 'TLSv1.3';

export interface TlsPolicyOptions {
  /** Default `TLSv1.2`: every API server speaks 1.3, but some proxies in between do not. */
  minVersion?: TlsMinVersion;
}

// ECDHE for forward secrecy, AEAD only (no CBC, no SHA-1 MACs); ECDSA first, for our own leaf.
const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
];
// Named explicitly so the list stays complete when it is handed to setSecureContext.
const TLS13_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
];

/**
 * Options for `tls.createSecureContext` and `server.setSecureContext`. The latter resets every
 * option it is not given, so a reload must pass the whole policy, not just cert and key.
 */
export function secureContextOptions(
  tls: ServingTls,
  policy: TlsPolicyOptions = {},
): SecureContextOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    minVersion: policy.minVersion ?? 'TLSv1.2',
    ciphers: [...TLS13_CIPHERS, ...TLS12_CIPHERS].join(':'),
    honorCipherOrder: true,
    // The API server's Go client keeps no session cache, so tickets would never be redeemed;
    // without them no long-lived ticket key can decrypt recorded TLS 1.2 sessions.
    secureOptions: constants.SSL_OP_NO_TICKET,
  };
}

/** `https.createServer` / Fastify `https` options: the secure context plus ALPN `http/1.1`. */
export function httpsServerOptions(tls: ServingTls, policy: TlsPolicyOptions = {}): ServerOptions {
  // The API server offers only http/1.1 to webhooks (kubernetes#75791); not offering h2 keeps
  // every request on its own connection so load spreads across replicas.
  return { ...secureContextOptions(tls, policy), ALPNProtocols: ['http/1.1'] };
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function parseCertificates(pem: string, certPath: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0)
    throw invalid(`TLS certificate file ${certPath} holds no PEM certificate`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (cause) {
      throw invalid(`TLS certificate ${i + 1} in ${certPath} does not parse`, cause);
    }
  });
}

function parseKey(pem: string, keyPath: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (cause) {
    // The cause is OpenSSL's decoder message; it never quotes the input.
    throw invalid(`TLS key file ${keyPath} holds no readable unencrypted PEM private key`, cause);
  }
}

function leafInfo(leaf: X509Certificate, notAfter: Date): LeafInfo {
  const names = (leaf.subjectAltName ?? '').split(', ').filter((n) => n !== '');
  const pick = (prefix: string): string[] =>
    names.filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length));
  return {
    subject: leaf.subject.replaceAll('\n', ', '),
    notAfter,
    fingerprint256: leaf.fingerprint256,
    dnsNames: pick('DNS:'),
    ipAddresses: pick('IP Address:'),
  };
}

/** Reads one PEM file as text; a read failure becomes `TLS_INVALID` naming the file and errno. */
export async function readTlsFile(path: string, what: 'certificate' | 'key'): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'unknown error';
    throw invalid(`TLS ${what} file ${path} cannot be read (${code})`, cause);
  }
}

function invalid(message: string, cause?: unknown): TlsError {
  return new TlsError('TLS_INVALID', message, cause === undefined ? {} : { cause });
}
