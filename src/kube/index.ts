// Public API of src/kube: every call to the Kubernetes API server (informers, status writes,
// pull-secret and namespace reads, Events, PolicyReports, Leases, workload listing, the
// self-managed TLS Secret and the caBundle of our webhook configurations).
export { describeApiError, httpStatus } from './api-error.js';
export { createBackoff, type Backoff, type BackoffOptions } from './backoff.js';
export { coalesce, REAL_TIMERS, type Coalescer, type Timers } from './debounce.js';
export { loadKubeConfig } from './kubeconfig.js';
export {
  createNamespaceLabels,
  NamespaceLookupError,
  type NamespaceLabelsLookup,
  type NamespaceLabelsOptions,
} from './namespace-labels.js';
export {
  createKubernetesSource,
  openKubernetesSource,
  SourceError,
  type KubernetesSource,
  type KubernetesSourceOptions,
} from './policy-source.js';
export {
  createPullSecretResolver,
  dockerConfigOf,
  type PullSecretRequest,
  type PullSecretResolver,
  type PullSecretResolverOptions,
  type PullSecrets,
  type SkippedPullSecret,
} from './pull-secrets.js';
export { customObjectsPatch, type PatchStatus, type StatusWrite } from './status-writer.js';
export {
  EVENT_LIMITS,
  EventLimiter,
  type EventLimitOptions,
  type EventLimits,
} from './event-limits.js';
export {
  createEventRecorder,
  microTime,
  type EventInput,
  type EventRecorder,
  type EventRecorderOptions,
  type EventWriter,
  type ObjectRef,
} from './events.js';
export { eventsApi } from './events-api.js';
export {
  createLeaderElector,
  type LeaderElector,
  type LeaderElectorOptions,
  type LeaseApi,
  type LeaseRecord,
} from './leases.js';
export { leaseApi } from './leases-api.js';
export {
  API_VERSION,
  watchWorkloads,
  workloadRef,
  workloadSource,
  WORKLOAD_KINDS,
  type WorkloadKind,
  type WorkloadObject,
  type WorkloadRef,
  type WorkloadSource,
  type WorkloadWatch,
  type WorkloadWatchOptions,
} from './workloads.js';
export {
  MANAGED_BY,
  MAX_RESULTS,
  readReport,
  reportBody,
  REPORT_GROUP,
  REPORT_NAME,
  REPORT_PLURAL,
  REPORT_RULE,
  REPORT_SOURCE,
  REPORT_VERSION,
  type ReadResult,
  type ReportResult,
  type ResultStatus,
} from './policy-reports.js';
export { policyReportsApi, type ReportStore } from './policy-reports-api.js';
export {
  BUNDLE_PUBLISHED,
  bundleOf,
  readTlsState,
  SERVING_ISSUED,
  type Pair,
  type TlsState,
} from './ca-material.js';
export { MAX_PREVIOUS, planStep, type PlanInput, type PlanPolicy, type Step } from './ca-plan.js';
export {
  createCaKeeper,
  TlsSecretMissingError,
  type CaBundleTargets,
  type CaIssuer,
  type CaKeeper,
  type CaKeeperOptions,
  type TlsSecretStore,
} from './ca-keeper.js';
export {
  tlsSecretStore,
  watchTlsSecret,
  type TlsSecretRef,
  type TlsSecretWatch,
  type TlsSecretWatchOptions,
} from './tls-secret-api.js';
export { webhookPatcher, type WebhookNames } from './webhook-patcher.js';
