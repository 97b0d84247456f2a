// CRLs supplied to the verifier instead of fetched (issue 15 item 5: clusters without a route to
// the CA): files of the file source, or Secrets and ConfigMaps a TrustStore names. A bundle is
// keyed by issuer, not by distribution point URL: a CRL carries its issuer and the issuer's
// signature, never the URL it is published at (`openssl ca -gencrl` writes none), and it is only
// ever used for a certificate whose issuer's key verifies it (crl-validate.ts). So a bundle can
// mix CRLs of many CAs, and one it holds for a CA whose certificates it does not cover is inert.
import { createHash } from 'node:crypto';
import * as pkijs from 'pkijs';
import { X509Crl } from '../x509/peculiar.js';
import { EXT, find, integerExtension } from './extensions.js';

/** One CRL of a bundle, parsed once. */
export interface BundledCrl {
  crl: pkijs.CertificateRevocationList;
  /** Lower-case hex SHA-256 of the DER: what a snapshot revision covers. */
  sha256: string;
  /** Where it came from, for messages (`/etc/crls/ca.crl`, `spec.crlsFrom[0] (Secret …)`). */
  source: string;
  /** RFC 4514 issuer, for status and messages. */
  issuer: string;
  thisUpdate: Date;
  nextUpdate: Date | undefined;
  delta: boolean;
  /** The CRL number, when the CRL has one (the newest valid CRL of an issuer is used). */
  number: bigint | undefined;
}

/** CRLs by issuer, consulted instead of fetching (check.ts). Immutable. */
export interface CrlBundle {
  readonly crls: readonly BundledCrl[];
  /** The CRLs whose issuer name is `issuer`'s subject (their signatures are checked on use). */
  from(issuer: pkijs.Certificate): readonly BundledCrl[];
}

/** What a bundle is made of: bytes (DER or PEM) or text (PEM), named for messages. */
export interface CrlInput {
  data: Uint8Array | string;
  source: string;
}

/** Bounds (decision 10): a bundle is configuration, but a mistaken directory must not sink us. */
export const MAX_BUNDLE_CRLS = 1024;
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

/** A bundle input that is not a CRL, or a bundle over its bounds. */
export class CrlBundleError extends Error {
  override readonly name = 'CrlBundleError';
}

const PEM_BLOCK = /-----BEGIN X509 CRL-----([A-Za-z0-9+/=\s]+?)-----END X509 CRL-----/g;

/** The DER CRLs of one input: DER as it is, or every `X509 CRL` block of PEM text. */
function derOf(input: CrlInput): Uint8Array[] {
  const { data, source } = input;
  if (typeof data !== 'string' && data[0] === 0x30) return [data];
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
  const blocks = [...text.matchAll(PEM_BLOCK)].map(
    (m) => new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')),
  );
  if (blocks.length === 0)
    throw new CrlBundleError(`${source}: neither a DER CRL nor PEM "X509 CRL" blocks`);
  return blocks;
}

function parse(der: Uint8Array, source: string): BundledCrl {
  let crl: pkijs.CertificateRevocationList;
  let issuer: string;
  try {
    crl = pkijs.CertificateRevocationList.fromBER(der);
    issuer = new X509Crl(der).issuer;
  } catch {
    throw new CrlBundleError(`${source}: not a valid CRL`);
  }
  const extensions = crl.crlExtensions?.extensions;
  let number: bigint | undefined;
  let delta: boolean;
  try {
    number = integerExtension(extensions, EXT.crlNumber);
    delta = find(extensions, EXT.deltaCrlIndicator) !== undefined;
  } catch (err) {
    throw new CrlBundleError(`${source}: ${(err as Error).message}`);
  }
  return {
    crl,
    sha256: createHash('sha256').update(der).digest('hex'),
    source,
    issuer,
    thisUpdate: crl.thisUpdate.value,
    nextUpdate: crl.nextUpdate?.value,
    delta,
    number,
  };
}

function build(crls: BundledCrl[]): CrlBundle {
  // One copy of each CRL (the same file may be named by two stores), in a stable order.
  const unique = [...new Map(crls.map((c) => [c.sha256, c])).values()].sort((a, b) =>
    a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0,
  );
  if (unique.length > MAX_BUNDLE_CRLS)
    throw new CrlBundleError(`${unique.length} CRLs; at most ${MAX_BUNDLE_CRLS} are accepted`);
  return Object.freeze({
    crls: Object.freeze(unique),
    from: (issuer: pkijs.Certificate) => unique.filter((c) => c.crl.issuer.isEqual(issuer.subject)),
  });
}

/**
 * Parses CRLs (DER, or PEM with one or more `X509 CRL` blocks) into a bundle. Nothing is
 * validated against a CA here (that needs the certificate being checked); only the form.
 * @throws CrlBundleError naming the input that is not a CRL, or the bound exceeded
 */
export function createCrlBundle(inputs: readonly CrlInput[]): CrlBundle {
  const bytes = inputs.reduce(
    (n, i) => n + (typeof i.data === 'string' ? i.data.length : i.data.byteLength),
    0,
  );
  if (bytes > MAX_BUNDLE_BYTES)
    throw new CrlBundleError(`${bytes} bytes of CRLs; at most ${MAX_BUNDLE_BYTES} are accepted`);
  return build(inputs.flatMap((input) => derOf(input).map((der) => parse(der, input.source))));
}

/** One bundle of the CRLs of several (a snapshot's stores); duplicates once. */
export function mergeCrlBundles(bundles: readonly (CrlBundle | undefined)[]): CrlBundle {
  return build(bundles.flatMap((b) => (b ? [...b.crls] : [])));
}
