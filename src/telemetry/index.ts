/** Logs and metrics: factories only, no singletons and no global registry. */
export { createLogger, REDACTED, SECRET_KEYS, type Logger, type LoggerOptions } from './logger.js';
export { createMetrics, type MetricsOptions } from './metrics.js';
export {
  EVENT_LOOP_LAG,
  monitorEventLoop,
  type EventLoopMonitor,
  type EventLoopMonitorOptions,
} from './event-loop.js';
export type {
  CacheEvent,
  Metrics,
  ReviewOperation,
  ReviewVerdict,
  VerificationResult,
} from './metrics.types.js';
export {
  createVisibilityMetrics,
  SCAN_BUCKETS,
  type EventOutcome,
  type VisibilityMetrics,
  type VisibilityMetricsOptions,
} from './visibility-metrics.js';
