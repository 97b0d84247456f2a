// The TSA chain: from the token's signing certificate through the token's other certificates to
// a certificate of the policy's tsa trust stores, valid at genTime, as Go's x509.Verify does it
// for tspclient-go (KeyUsages = [timeStamping], CurrentTime = genTime). Revocation and the
// Notary timestamping-certificate profile (x509/requirements.ts) are checked by the caller.
import type { KeyObject } from 'node:crypto';
import { X509Certificate as NodeCertificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import type { CertificateLike } from '../x509/certificate.js';
import * as x509 from '../x509/peculiar.js';
import {
  describeCertificate,
  equalBytes,
  malformed as invalid,
  type TokenCertificate,
} from './token.js';

const MAX_DEPTH = 8;
const MAX_CHAINS = 8;
/** Signature checks one search may spend: a hostile token cannot make it exponential. */
const MAX_LINK_CHECKS = 64;

const TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
const ANY_EKU = '2.5.29.37.0';

/** Extensions Go's crypto/x509 handles; any other critical one fails, as in Go. */
const HANDLED_EXTENSIONS = new Set([
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.15', // keyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.19', // basicConstraints
  '2.5.29.30', // nameConstraints
  '2.5.29.31', // cRLDistributionPoints
  '2.5.29.32', // certificatePolicies
  '2.5.29.33', // policyMappings
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.36', // policyConstraints
  '2.5.29.37', // extKeyUsage
  '2.5.29.54', // inhibitAnyPolicy
  '1.3.6.1.5.5.7.1.1', // authorityInfoAccess
]);

/** Certificate signatures Go verifies; SHA-1 and MD5 are refused (no SHA-1 anywhere, §2.6). */
const CERT_SIGNATURES = new Set([
  '1.2.840.113549.1.1.11',
  '1.2.840.113549.1.1.12',
  '1.2.840.113549.1.1.13',
  '1.2.840.10045.4.3.2',
  '1.2.840.10045.4.3.3',
  '1.2.840.10045.4.3.4',
  '1.3.101.112', // Ed25519
]);
const RSA_PSS = '1.2.840.113549.1.1.10';
const PSS_HASHES = new Set([
  '2.16.840.1.101.3.4.2.1',
  '2.16.840.1.101.3.4.2.2',
  '2.16.840.1.101.3.4.2.3',
]);

/** RSASSA-PSS-params: hashAlgorithm [0] defaults to SHA-1, which Go refuses. */
function pssHashAllowed(params: asn1js.AsnType | undefined): boolean {
  const first = (params as asn1js.Sequence | undefined)?.valueBlock.value[0];
  if (first?.idBlock.tagClass !== 3 || first.idBlock.tagNumber !== 0) return false;
  const algorithm = (first as asn1js.Constructed).valueBlock.value[0] as asn1js.Sequence;
  const oid = algorithm.valueBlock.value[0];
  return oid instanceof asn1js.ObjectIdentifier && PSS_HASHES.has(oid.valueBlock.toString());
}

const keys = new WeakMap<TokenCertificate, KeyObject>();
function publicKey(cert: TokenCertificate): KeyObject {
  let key = keys.get(cert);
  if (!key) keys.set(cert, (key = new NodeCertificate(cert.der).publicKey));
  return key;
}

function signedBy(child: TokenCertificate, parent: TokenCertificate): boolean {
  const algorithm = child.signatureAlgorithm;
  const allowed =
    CERT_SIGNATURES.has(algorithm) ||
    (algorithm === RSA_PSS && pssHashAllowed(child.signatureParams));
  return allowed && new NodeCertificate(child.der).verify(publicKey(parent));
}

function name(cert: TokenCertificate): string {
  return `"${cert.cert.subject}"`;
}

/** What Go's isValid checks on every certificate of a chain. */
function certificateProblem(cert: TokenCertificate, at: Date): string | undefined {
  if (at < cert.cert.notBefore || at > cert.cert.notAfter) {
    return `TSA chain certificate ${name(cert)} is not valid at the timestamp's genTime ${at.toISOString()}`;
  }
  const unknown = cert.cert.extensions.find((e) => e.critical && !HANDLED_EXTENSIONS.has(e.type));
  if (unknown)
    return `TSA chain certificate ${name(cert)} has an unknown critical extension ${unknown.type}`;
  return undefined;
}

/** Whether `parent` may sign the last certificate of `path` (Go: CheckSignatureFrom + isValid). */
function linkProblem(
  parent: TokenCertificate,
  path: TokenCertificate[],
  at: Date,
): string | undefined {
  const child = path[path.length - 1]!;
  const constraints = parent.cert.getExtension(x509.BasicConstraintsExtension);
  const usage = parent.cert.getExtension(x509.KeyUsagesExtension);
  if (!constraints?.ca) return `TSA chain certificate ${name(parent)} is not a CA`;
  if (usage && (usage.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    return `TSA chain certificate ${name(parent)} may not sign certificates`;
  }
  // path holds the leaf plus the intermediates below parent.
  if (constraints.pathLength !== undefined && path.length - 1 > constraints.pathLength) {
    return `TSA chain certificate ${name(parent)} allows a shorter path`;
  }
  const problem = certificateProblem(parent, at);
  if (problem) return problem;
  if (!signedBy(child, parent))
    return `the signature of ${name(child)} by ${name(parent)} does not verify`;
  return undefined;
}

interface Search {
  roots: TokenCertificate[];
  candidates: TokenCertificate[];
  at: Date;
  chains: TokenCertificate[][];
  problems: string[];
  linkChecks: number;
}

function extend(path: TokenCertificate[], search: Search): void {
  const last = path[path.length - 1]!;
  if (search.roots.some((root) => equalBytes(root.der, last.der))) {
    search.chains.push(path);
    return;
  }
  if (path.length >= MAX_DEPTH) return;
  for (const parent of search.candidates) {
    if (search.chains.length >= MAX_CHAINS || search.linkChecks >= MAX_LINK_CHECKS) return;
    if (!equalBytes(parent.subject, last.issuer)) continue;
    if (path.some((c) => equalBytes(c.der, parent.der))) continue;
    search.linkChecks++;
    const problem = linkProblem(parent, path, search.at);
    if (problem) search.problems.push(problem);
    else extend([...path, parent], search);
  }
}

/** Go's checkChainForKeyUsage: a certificate with an EKU must allow timeStamping (or any). */
function allowsTimeStamping(chain: TokenCertificate[]): boolean {
  return chain.every(({ cert }) => {
    const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
    return !eku || eku.usages.some((u) => u === TIME_STAMPING || u === ANY_EKU);
  });
}

function describeRoots(roots: readonly CertificateLike[]): TokenCertificate[] {
  return roots.flatMap((root) => {
    try {
      return [describeCertificate(root)];
    } catch {
      return []; // an unreadable trust anchor anchors nothing
    }
  });
}

/** Every chain (up to a few) from the TSA signer to a tsa root, valid at `at`; leaf first. */
export function buildTsaChains(options: {
  signer: TokenCertificate;
  intermediates: TokenCertificate[];
  roots: readonly CertificateLike[];
  at: Date;
}): TokenCertificate[][] {
  const { signer, at } = options;
  const leafProblem = certificateProblem(signer, at);
  if (leafProblem) throw invalid(leafProblem);
  const roots = describeRoots(options.roots);
  // Trusted roots are tried first, then the token's own certificates.
  const candidates = [...roots, ...options.intermediates];
  const search: Search = { roots, candidates, at, chains: [], problems: [], linkChecks: 0 };
  extend([signer], search);
  const chains = search.chains.filter(allowsTimeStamping);
  if (chains.length > 0) return chains;
  if (search.chains.length > 0) {
    throw invalid('a certificate in the TSA chain does not allow the timeStamping key usage');
  }
  const reason = search.problems[0] === undefined ? '' : ` (${search.problems[0]})`;
  throw invalid(
    `the TSA certificate ${name(signer)} does not chain to a certificate in the policy's ` +
      `tsa trust stores at the timestamp's genTime${reason}`,
  );
}
