/**
 * RFC 3161 timestamp countersignatures (spec digest §3.7): verification of the TimeStampToken
 * in `io.cncf.notary.timestampSignature`. The TSA certificate profile, TSA revocation and the
 * comparison with the signing chain's validity are the caller's steps.
 */
export { timestampRange, verifyTimestampToken, type VerifiedTimestamp } from './verify-token.js';
