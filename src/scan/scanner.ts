// The background verifier (issue 16): re-verifies the images of every running workload through
// the admission pipeline and verdict cache, and keeps one PolicyReport per namespace. Only the
// Lease holder runs it: src/main wires `start()` / `stop()` to the elector, and each leadership
// term is a fresh `Run` (run.ts) with its own watch, state and timers.
import type { PolicySource } from '../config/index.js';
import type { ReportStore, WorkloadSource } from '../kube/index.js';
import {
  createImageVerifier,
  withNamespaceLayer,
  type CachedVerdict,
  type ImageVerifierOptions,
} from '../pipeline/index.js';
import type { CredentialLookup } from '../registry/index.js';
import { RegistryBudget } from './budget.js';
import { budgeted } from './budgeted-registry.js';
import type { NamespaceLookup } from './namespace-view.js';
import { observeCache } from './observed-cache.js';
import { Run } from './run.js';
import type { PullIdentity } from './workload-images.js';

export interface ScanObserver {
  /** A full pass ended: every task queued when it began has been verified. */
  passCompleted?(seconds: number): void;
  /** Non-compliant workloads (a fail or warn result) of a namespace, by policy; empty: none. */
  nonCompliant?(namespace: string, byPolicy: ReadonlyMap<string, number>): void;
  /** Something failed (a report write, a verification's bug); the scan goes on. */
  error?(err: unknown, what: string): void;
}

export interface ScannerOptions {
  /** The admission pipeline's options: its registry is budgeted here, its cache shared. */
  pipeline: ImageVerifierOptions;
  policies: Pick<PolicySource, 'current' | 'onChange'>;
  workloads: WorkloadSource;
  reports: ReportStore;
  /** Requests per second per registry host (`--scan-registry-rps`). */
  registryRps: number;
  /** Between full passes (`--scan-interval`, default hourly). */
  intervalMs: number;
  /** Namespaces admission exempts (kube-system, the service's own): never scanned. */
  skipNamespaces?: readonly string[];
  /** `--pull-secrets`: the credentials a workload's pods pull with. */
  credentialsFor?: (
    namespace: string,
    pull: PullIdentity,
    signal: AbortSignal,
  ) => Promise<CredentialLookup | undefined>;
  namespaceLabels?: NamespaceLookup;
  /** Verifications at once (default 4; one per registry host at a time). */
  concurrency?: number;
  /** Workloads tracked at most (default 20,000). */
  maxWorkloads?: number;
  /** Budget of one background verification (default 60 s). */
  timeoutMs?: number;
  /** Delay before an inconclusive result is checked again (default 60 s). */
  retryMs?: number;
  /** Delay that gathers a burst of changes into one report write (default 500 ms). */
  reportDelayMs?: number;
  observer?: ScanObserver;
  now?: () => number;
}

export class Scanner {
  readonly #options: ScannerOptions;
  readonly #parts: ConstructorParameters<typeof Run>[1];
  #run: Run | undefined;

  constructor(options: ScannerOptions) {
    this.#options = options;
    const now = options.now ?? Date.now;
    const budget = new RegistryBudget({ rate: options.registryRps, now });
    const observed = observeCache<CachedVerdict>(options.pipeline.cache);
    const timeoutMs = options.timeoutMs ?? 60_000;
    this.#parts = {
      // Both layers, as admission judges them (issue 17): a namespace's NamespaceTrustPolicies
      // can fail a workload the cluster's policies pass. Exceptions are not applied: a report
      // says whether the image verifies, and break-glass does not change that.
      verify: withNamespaceLayer(
        createImageVerifier({
          ...options.pipeline,
          registry: budgeted(options.pipeline.registry, budget),
          cache: observed.cache,
          verificationTimeoutMs: timeoutMs,
        }),
      ),
      observed,
      budget,
      timeoutMs,
      now,
      ...(options.namespaceLabels && { namespaceLabels: options.namespaceLabels }),
      ...(options.credentialsFor && { credentialsFor: options.credentialsFor }),
    };
  }

  get running(): boolean {
    return this.#run !== undefined;
  }

  /** Starts watching and verifying (this replica took the Lease). */
  start(): void {
    this.#run ??= new Run(this.#options, this.#parts);
  }

  /** Stops and forgets everything (the Lease was lost or released); reports stay as written. */
  async stop(): Promise<void> {
    const run = this.#run;
    this.#run = undefined;
    await run?.stop();
  }

  /** Seconds the longest-waiting check has waited (0 when nothing waits). */
  lagSeconds(): number {
    return this.#run?.lagSeconds() ?? 0;
  }

  /** Resolves when nothing is queued, being verified or waiting to be written (tests, bench). */
  async settled(): Promise<void> {
    await this.#run?.settled();
  }
}
