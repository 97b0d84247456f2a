// Trust policy: the OCI document, scope selection, trusted identities and verification levels.
export {
  parseTrustPolicyDocument,
  validateTrustPolicyDocument,
  type SignatureVerification,
  type TrustPolicyDocument,
  type TrustPolicyStatement,
} from './document.js';
export {
  isRepositoryName,
  scopeSpecificity,
  selectTrustPolicy,
  statementSpecificity,
} from './scope.js';
export {
  leafSubject,
  matchesTrustedIdentity,
  parseDistinguishedName,
  type DistinguishedName,
} from './identity.js';
export { validationActions } from './levels.js';
