/**
 * The TrustPolicy and TrustStore custom resources: their shapes, the translation to and from
 * notation trust policy statements, and the pure compiler from cluster objects to a Snapshot
 * with the status every object should show.
 */
export * from './types.js';
export * from './tenancy-types.js';
export {
  compileTenancy,
  withTenancy,
  type CompiledTenancy,
  type TenancyOptions,
} from './tenancy.js';
export { compileCluster, type CompiledCluster, type CompileOptions } from './compile.js';
export { dctConditions, nextDctTransition } from './dct-status.js';
export { exceptionStatus, policyStatus, storeStatus, MAX_CONDITION_MESSAGE } from './status.js';
export {
  fromNotationDocument,
  fromNotationStatement,
  toStatement,
  type AdmissionFields,
  type TranslatedPolicy,
} from './to-statement.js';
export {
  compileTrustStore,
  MAX_STATUS_CERTIFICATES,
  type CompiledStore,
  type StoreSources,
} from './trust-store-object.js';
export {
  compileSelector,
  isLabelValue,
  isQualifiedName,
  type Labels,
  type SelectorResult,
} from './selector.js';
