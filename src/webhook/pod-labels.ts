// The labels of the Pods an object under review is or makes (issue 17): what a
// TrustPolicyException's podSelector is matched against. A Pod's own labels; a workload's pod
// template's (its Pods will carry them). Pure. Unreadable labels, or a kind without a known pod
// template, are unknown (undefined), not none: a NotIn or DoesNotExist selector would match none,
// so no exception covers them (fail closed).
import type { NamespaceLabels } from '../config/snapshot.types.js';
import type { AdmissionTarget } from './images.js';

/** Where the pod template's metadata sits in each kind. */
const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: [],
  EphemeralContainers: [],
  Deployment: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  PodTemplate: ['template'],
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The labels of the Pod (or pod template) of `request`'s object: `{}` when it has none,
 * undefined when they cannot be read.
 */
export function podLabelsOf(
  request: Pick<AdmissionTarget, 'kind' | 'object'>,
): NamespaceLabels | undefined {
  const path = TEMPLATE_PATHS[request.kind.kind];
  if (!path) return undefined;
  let at: unknown = request.object;
  for (const key of path) at = isRecord(at) ? at[key] : undefined;
  if (!isRecord(at)) return undefined;
  const metadata = at['metadata'] ?? {};
  if (!isRecord(metadata)) return undefined;
  const labels = metadata['labels'] ?? {};
  if (!isRecord(labels)) return undefined;
  return Object.fromEntries(
    Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}
