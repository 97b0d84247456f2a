// The images a running workload would pull, from the object the watch delivered: the containers,
// init containers and ephemeral containers of its pod spec (a Pod's own, or a template's). The
// same pod-spec paths as the webhook's images.ts (src/webhook, which this room may not import);
// objects here come from the API server, so a list of the wrong shape is simply empty.
import type { WorkloadKind } from '../kube/index.js';

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATHS: Readonly<Record<WorkloadKind, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** Each distinct image of a workload with every field path that names it. */
export interface WorkloadImage {
  image: string;
  fieldPaths: string[];
}

/** The pod spec fields pull credentials come from (src/kube's PullSecretRequest). */
export interface PullIdentity {
  imagePullSecrets?: { name?: string }[];
  serviceAccountName?: string;
}

export interface WorkloadImages {
  images: WorkloadImage[];
  pull: PullIdentity;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The images of `object` (a `kind`), at most `maxImages` distinct ones. */
export function workloadImages(
  kind: WorkloadKind,
  object: unknown,
  maxImages = 64,
): WorkloadImages {
  const path = POD_SPEC_PATHS[kind];
  let spec: unknown = object;
  for (const key of path) spec = isRecord(spec) ? spec[key] : undefined;
  if (!isRecord(spec)) return { images: [], pull: {} };
  const byImage = new Map<string, string[]>();
  for (const list of CONTAINER_LISTS) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((container: unknown, i) => {
      const image = isRecord(container) ? container['image'] : undefined;
      if (typeof image !== 'string' || image.trim() === '') return;
      const paths = byImage.get(image);
      const fieldPath = `${path.join('.')}.${list}[${i}].image`;
      if (paths) paths.push(fieldPath);
      else if (byImage.size < maxImages) byImage.set(image, [fieldPath]);
    });
  }
  const secrets = Array.isArray(spec['imagePullSecrets'])
    ? (spec['imagePullSecrets'] as unknown[])
        .filter(isRecord)
        .map((s) => ({ ...(typeof s['name'] === 'string' && { name: s['name'] }) }))
    : undefined;
  const account = spec['serviceAccountName'];
  return {
    images: [...byImage].map(([image, fieldPaths]) => ({ image, fieldPaths })),
    pull: {
      ...(secrets && secrets.length > 0 && { imagePullSecrets: secrets }),
      ...(typeof account === 'string' && account !== '' && { serviceAccountName: account }),
    },
  };
}
