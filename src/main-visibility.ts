// Issue 16's wiring (part of the composition root, kept apart from main.ts): Events for the
// reviews' denials, warnings and audits; the background verifier, run by whichever replica holds
// the scan Lease, with its PolicyReports and metrics. Only with `--policy-source kubernetes`:
// all of it writes to the cluster.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import type { PolicySource, ServeSettings } from './config/index.js';
import {
  createEventRecorder,
  createLeaderElector,
  eventsApi,
  leaseApi,
  loadKubeConfig,
  policyReportsApi,
  workloadSource,
  type EventRecorder,
  type LeaderElector,
  type PullSecretResolver,
} from './kube/index.js';
import type { ImageVerifierOptions } from './pipeline/index.js';
import { credentialsFromDockerConfig } from './registry/index.js';
import { Scanner } from './scan/index.js';
import { createVisibilityMetrics, type Logger } from './telemetry/index.js';
import { reviewEvents } from './webhook/review-events.js';
import type { Reviewed } from './webhook/review.js';

export interface Visibility {
  /** The review handler's `onReviewed`: Events of /validate answers. */
  onReviewed?: (reviewed: Reviewed) => void;
  events?: EventRecorder;
  scanner?: Scanner;
  elector?: LeaderElector;
  /** This replica's identity in the Lease and as the Events' reportingInstance. */
  identity: string;
  close(): Promise<void>;
}

export interface VisibilityParts {
  settings: ServeSettings;
  logger: Logger;
  promRegistry: Registry;
  policies: PolicySource;
  pipeline: ImageVerifierOptions;
  pullSecrets?: PullSecretResolver;
}

/** The pod name (the host name in a pod) and a random suffix: unique per process. */
const newIdentity = (): string => `${hostname()}-${randomBytes(4).toString('hex')}`;

/** Events and the scan, when the settings ask for them (the Kubernetes source only). */
export function visibilityWiring(parts: VisibilityParts): Visibility {
  const { settings, logger } = parts;
  const identity = newIdentity();
  if (settings.policySource !== 'kubernetes') return { identity, close: () => Promise.resolve() };
  const { policies } = parts;
  const v = settings.visibility;
  const kubeConfig = loadKubeConfig(settings.kubeconfig);
  const holder: { scanner?: Scanner } = {};
  const metrics = createVisibilityMetrics({
    registry: parts.promRegistry,
    lagSeconds: () => holder.scanner?.lagSeconds() ?? 0,
  });
  const events = v.events
    ? createEventRecorder({
        writer: eventsApi(kubeConfig),
        controller: 'notary-admission.dev/webhook',
        instance: identity,
        onWritten: () => metrics.event('written'),
        onDropped: (why, err) => {
          metrics.event(why === 'limit' ? 'limited' : why === 'queue' ? 'queue_full' : 'error');
          if (err) logger.warn({ err }, 'an Event could not be written');
        },
      })
    : undefined;
  // /validate's answers only: /mutate never denies, and its warnings repeat /validate's.
  const hook = events && {
    events,
    onReviewed: (r: Reviewed): void => {
      if (r.webhook !== 'validate') return;
      for (const event of reviewEvents(r.request, r.verdicts, r.problems)) events.record(event);
    },
  };
  if (v.scanIntervalMs === null) {
    return {
      identity,
      ...hook,
      close: () => events?.close() ?? Promise.resolve(),
    };
  }
  const resolver = parts.pullSecrets;
  const scanner = (holder.scanner = new Scanner({
    pipeline: parts.pipeline,
    policies,
    workloads: workloadSource({
      kubeConfig,
      onError: (err) => logger.warn({ err }, 'background verifier: workload watch failed'),
    }),
    reports: policyReportsApi(kubeConfig),
    registryRps: v.scanRegistryRps,
    intervalMs: v.scanIntervalMs,
    skipNamespaces: v.scanSkipNamespaces ?? ['kube-system', settings.trustNamespace],
    ...(policies.namespaceLabels && { namespaceLabels: policies.namespaceLabels.bind(policies) }),
    ...(resolver && {
      credentialsFor: async (namespace, podSpec, signal) => {
        const found = await resolver.credentialsFor({ namespace, podSpec }, signal);
        return found.dockerConfigs.length > 0
          ? credentialsFromDockerConfig(...found.dockerConfigs)
          : undefined;
      },
    }),
    observer: {
      passCompleted: (seconds) => {
        metrics.scanDuration(seconds);
        logger.info({ seconds }, 'background verifier: full pass done');
      },
      nonCompliant: (ns, byPolicy) => metrics.nonCompliant(ns, byPolicy),
      error: (err, what) => {
        metrics.scanError();
        logger.warn({ err, what }, 'background verifier: a step failed');
      },
    },
  }));
  const elector = createLeaderElector({
    api: leaseApi(kubeConfig, settings.trustNamespace, v.scanLeaseName),
    identity,
    leaseDurationMs: v.scanLeaseDurationMs,
    onStartedLeading: () => {
      metrics.leader(true);
      logger.info({ identity }, 'background verifier: took the scan Lease, scanning');
      scanner.start();
    },
    onStoppedLeading: () => {
      metrics.leader(false);
      logger.info({ identity }, 'background verifier: gave up the scan Lease');
      void scanner.stop();
    },
    onError: (err) => logger.warn({ err }, 'background verifier: Lease call failed'),
  });
  elector.start();
  return {
    identity,
    ...hook,
    scanner,
    elector,
    async close() {
      await elector.stop();
      await scanner.stop();
      await events?.close();
    },
  };
}
