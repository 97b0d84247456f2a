// Codes of a configuration that cannot be used: never a denial's own code, but shown by
// `serve` and `verify` when they refuse to start (exit 2), in a failed reload's log line, in a
// TrustPolicy's status, and so quoted in POLICY_NOT_READY denials.
import type { Catalogue, CodeEntry, ConfigurationCode } from './types.js';

export const CONFIGURATION_CODES: Catalogue<ConfigurationCode, CodeEntry> = {
  POLICY_MALFORMED: {
    meaning:
      'the trust policy is not the shape the Notary Project specifies (a field of the wrong type)',
    remedy: 'compare the document with docs/policy-reference.md; the message names the path',
  },
  POLICY_VERSION_UNSUPPORTED: {
    meaning: 'the trust policy document is not version "1.0"',
    remedy: 'set "version": "1.0"',
  },
  POLICY_NAME_INVALID: {
    meaning: 'a trust policy statement has no name',
    remedy: 'give every statement a unique name',
  },
  POLICY_NAME_DUPLICATE: {
    meaning: 'two statements share a name',
    remedy: 'rename one of them',
  },
  SCOPE_INVALID: {
    meaning:
      'a registryScopes entry is not a repository in normal form, or "*" is mixed with others',
    remedy:
      'use the normal form the message shows (lower-case host, no default port, docker.io/library/…)',
  },
  SCOPE_DUPLICATE: {
    meaning: 'a registry scope appears more than once: in two statements, or twice in one',
    remedy: 'keep each scope in exactly one statement',
  },
  LEVEL_INVALID: {
    meaning: 'signatureVerification.level is missing or not strict, permissive, audit or skip',
    remedy: 'set one of the four levels',
  },
  OVERRIDE_INVALID: {
    meaning:
      'signatureVerification.override changes integrity, customises skip, or names an unknown validation or action',
    remedy:
      'override only authenticity, authenticTimestamp, expiry or revocation, with enforce, log or skip',
  },
  VERIFY_TIMESTAMP_INVALID: {
    meaning: 'signatureVerification.verifyTimestamp is not always or afterCertExpiry',
    remedy: 'set always or afterCertExpiry',
  },
  TRUST_STORE_REFERENCE_INVALID: {
    meaning:
      'a trustStores entry is not "type:name" (ca, signingAuthority or tsa), none is given, or a skip statement lists some',
    remedy: 'name each store as type:name, e.g. ca:acme',
  },
  IDENTITY_INVALID: {
    meaning:
      'a trustedIdentities entry is not "*" or "x509.subject: <DN>", none is usable, or a skip statement lists some',
    remedy: 'write identities as x509.subject: C=US, O=Acme, CN=release (or "*" alone)',
  },
  IDENTITIES_OVERLAP: {
    meaning: 'two trustedIdentities of a statement overlap: one certificate could match both',
    remedy: 'keep the more specific one, or only the broader one',
  },
  SKIP_WITH_GLOBAL_SCOPE: {
    meaning: 'a statement with level skip has the "*" scope, which would verify nothing anywhere',
    remedy: 'name the repositories to skip explicitly',
  },
  TRUST_STORE_INVALID: {
    meaning:
      'a trust store is empty, holds a certificate that cannot be used as a trust anchor, or is missing (TRUST_STORE_MISSING)',
    remedy:
      'put PEM or DER CA certificates in the store (`kubectl get truststores` shows why one is not Ready)',
  },
  TRUST_STORE_MISSING: {
    meaning:
      'a statement names a trust store the notation directory does not have (x509/<type>/<name>/)',
    remedy: 'create the directory with its certificates (`notation cert add`), or fix the name',
  },
  FLAG_INVALID: {
    meaning: 'a flag or NOTARY_ADMISSION_* variable has a value that cannot be used',
    remedy: 'see `notary-admission serve --help`; the message names the flag',
  },
  FILE_UNREADABLE: {
    meaning:
      'a file the configuration names (trust policy, store, TLS, credentials, kubeconfig) cannot be read',
    remedy: 'check the path and its mount in the pod',
  },
  CONFIG_INVALID: {
    meaning: 'the --config file or a setting derived from the environment is invalid',
    remedy: 'fix the key the message names',
  },
  POLICY_INVALID: {
    meaning: 'a trust policy file failed validation (its problems are listed with their codes)',
    remedy: 'fix each problem listed; the service keeps the last good policy on a reload',
  },
};
