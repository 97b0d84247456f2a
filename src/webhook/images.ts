// Which images an admission request asks us to judge, each with the field path a denial names.
// Pure: no I/O. The API server has validated the object's schema for the validating webhook, but
// the mutating one may see anything, so every shape is checked and a bad one is reported, never
// skipped (an image we cannot read is an image we cannot admit).
import { parseReference } from '../registry/index.js';

/** One image reference in the object, where it sits (`spec.containers[0].image`). */
export interface ImageAtPath {
  fieldPath: string;
  image: string;
  /**
   * UPDATE: the old object had this same tag at this same field path (a running container's).
   * It is verified again, but not pinned: rewriting it would restart the container or roll out
   * the workload, and the tag was there before the update.
   */
  unchanged?: true;
}

export interface ExtractedImages {
  /** Images to verify (on UPDATE, every one but an unchanged digest reference). */
  images: ImageAtPath[];
  /** Field paths whose shape is wrong (not an array, no image string): denied by the caller. */
  problems: string[];
}

/** The parts of an AdmissionReview request this module reads. */
export interface AdmissionTarget {
  kind: { group: string; version: string; kind: string };
  subResource?: string;
  operation: string;
  object?: unknown;
  oldObject?: unknown;
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** Where the pod spec sits in each kind that carries one (apps/v1, batch/v1, core/v1). */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  PodTemplate: ['template', 'spec'],
  // API servers before v1.21 sent `kubectl debug` as kind EphemeralContainers: the object holds
  // `ephemeralContainers` at its top level (kubernetes#92557).
  EphemeralContainers: [],
};

/** True when the kind carries a pod spec this module reads. */
export function carriesPodSpec(kind: string): boolean {
  return Object.hasOwn(POD_SPEC_PATHS, kind);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The pod spec of an object, or a problem path when the object does not have the shape. */
function podSpecOf(
  object: unknown,
  path: readonly string[],
): { spec: Record<string, unknown> } | { problem: string } {
  let node: unknown = object;
  for (let i = 0; i < path.length; i++) {
    if (!isRecord(node)) return { problem: path.slice(0, i).join('.') || '(object)' };
    node = node[path[i]!];
  }
  return isRecord(node) ? { spec: node } : { problem: path.join('.') };
}

/** Every image of a pod spec with its field path, plus the paths whose shape is wrong. */
function imagesOf(object: unknown, kind: string): ExtractedImages {
  const path = POD_SPEC_PATHS[kind]!;
  const found = podSpecOf(object, path);
  if ('problem' in found) return { images: [], problems: [found.problem] };
  const images: ImageAtPath[] = [];
  const problems: string[] = [];
  for (const list of CONTAINER_LISTS) {
    const containers = found.spec[list];
    const listPath = path.length === 0 ? list : `${path.join('.')}.${list}`;
    if (containers === undefined || containers === null) continue;
    if (!Array.isArray(containers)) {
      problems.push(listPath);
      continue;
    }
    containers.forEach((container: unknown, i) => {
      const fieldPath = `${listPath}[${i}].image`;
      const image = isRecord(container) ? container['image'] : undefined;
      if (typeof image === 'string' && image.trim() !== '') images.push({ fieldPath, image });
      else problems.push(fieldPath);
    });
  }
  return { images, problems };
}

/** What the kubelet would pull a pod's images with (issue 6, item 4). */
export interface PullIdentity {
  imagePullSecrets: { name: string }[];
  /** Absent: the namespace's `default` ServiceAccount. */
  serviceAccountName?: string;
}

/**
 * The pull secrets and ServiceAccount of the pod spec an object carries (a Pod or a workload's
 * template); undefined for kinds without one. Malformed entries are left out: they name nothing.
 */
export function pullIdentityOf(
  request: Pick<AdmissionTarget, 'kind' | 'object'>,
): PullIdentity | undefined {
  const path = POD_SPEC_PATHS[request.kind.kind];
  if (path === undefined || path.length === 0) return undefined;
  const found = podSpecOf(request.object, path);
  if ('problem' in found) return undefined;
  const list = found.spec['imagePullSecrets'];
  const imagePullSecrets = (Array.isArray(list) ? (list as unknown[]) : [])
    .map((ref) => (isRecord(ref) ? ref['name'] : undefined))
    .filter((name): name is string => typeof name === 'string' && name !== '')
    .map((name) => ({ name }));
  const account = found.spec['serviceAccountName'];
  return typeof account === 'string' && account !== ''
    ? { imagePullSecrets, serviceAccountName: account }
    : { imagePullSecrets };
}

/** True when the reference names a digest (`name@sha256:…`, `name:tag@sha256:…`). */
export function hasDigest(image: string): boolean {
  try {
    return parseReference(image).digest !== undefined;
  } catch {
    return false; // unreadable: verified, and denied as INVALID_REFERENCE
  }
}

/**
 * The images an admission request asks us to judge. CREATE: all of them. UPDATE (including the
 * `pods/ephemeralcontainers` subresource, which is how `kubectl debug` adds a container): all
 * but a digest reference the old object had at the same field path, whose content cannot have
 * changed. A tag is judged again even when its string is unchanged (it may name other content by
 * now), and so is a new container naming an image another container runs. Other operations and
 * kinds without a pod spec: nothing to judge.
 */
export function imagesToVerify(request: AdmissionTarget): ExtractedImages {
  const kind = request.kind.kind;
  if (!carriesPodSpec(kind)) return { images: [], problems: [] };
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE')
    return { images: [], problems: [] };
  const current = imagesOf(request.object, kind);
  if (
    request.operation === 'CREATE' ||
    request.oldObject === undefined ||
    request.oldObject === null
  )
    return current;
  const before = new Map(imagesOf(request.oldObject, kind).images.map((i) => [i.fieldPath, i]));
  const images: ImageAtPath[] = [];
  for (const i of current.images) {
    if (before.get(i.fieldPath)?.image !== i.image) images.push(i);
    else if (!hasDigest(i.image)) images.push({ ...i, unchanged: true });
  }
  return { images, problems: current.problems };
}
