// The labels of the Pods an object under review is or makes (issue 17): what a
// TrustPolicyException's podSelector is matched against. A Pod's own labels; a workload's pod
// template's (its Pods will carry them). Pure; anything unreadable is no labels (an exception
// with a non-empty selector then covers nothing: fail closed).
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

/** The labels of the Pod (or pod template) of `request`'s object; `{}` when there are none. */
export function podLabelsOf(request: Pick<AdmissionTarget, 'kind' | 'object'>): NamespaceLabels {
  const path = TEMPLATE_PATHS[request.kind.kind];
  if (!path) return {};
  let at: unknown = request.object;
  for (const key of path) at = isRecord(at) ? at[key] : undefined;
  const labels = isRecord(at) && isRecord(at['metadata']) ? at['metadata']['labels'] : undefined;
  if (!isRecord(labels)) return {};
  return Object.fromEntries(
    Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}
