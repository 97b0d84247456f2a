// AdmissionReview v1 request bodies as kube-apiserver sends them (reliability.md §1.1): full
// GVK/GVR, userInfo, options, a complete Pod (or workload), oldObject null on CREATE.
import { randomBytes, randomUUID } from 'node:crypto';

export type Json = Record<string, unknown>;
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
export interface Gvk {
  group: string;
  version: string;
  kind: string;
}
export interface Gvr {
  group: string;
  version: string;
  resource: string;
}
export interface UserInfo {
  username: string;
  uid: string;
  groups: string[];
}

export interface ReviewRequest {
  uid: string;
  kind: Gvk;
  resource: Gvr;
  subResource?: string;
  requestKind: Gvk;
  requestResource: Gvr;
  requestSubResource?: string;
  name: string;
  namespace: string;
  operation: Operation;
  userInfo: UserInfo;
  object: Json | null;
  oldObject: Json | null;
  dryRun: boolean;
  options: Json | null;
}

/** The body the API server POSTs to the webhook. */
export interface AdmissionReviewBody {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  request: ReviewRequest;
}

export interface PodImages {
  containers?: string[];
  initContainers?: string[];
  ephemeralContainers?: string[];
}

export const DEFAULT_IMAGE =
  'registry.example.com/acme/app@sha256:3f1c4e0f1b7c9d2a6e8f00112233445566778899aabbccddeeff001122334455';

/** The ReplicaSet controller: who creates most Pods. */
export const CONTROLLER_USER: UserInfo = {
  username: 'system:serviceaccount:kube-system:replicaset-controller',
  uid: '5d3c2b1a-0f9e-4d8c-b7a6-958473625140',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
};

export const ADMIN_USER: UserInfo = {
  username: 'kubernetes-admin',
  uid: '',
  groups: ['kubeadm:cluster-admins', 'system:authenticated'],
};

const PODS: Gvr = { group: '', version: 'v1', resource: 'pods' };
const POD_KIND: Gvk = { group: '', version: 'v1', kind: 'Pod' };
const TOKEN_VOLUME = 'kube-api-access-7x2kq';
const isRecord = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge of plain objects (arrays and scalars replace); own properties only, even `__proto__`. */
export function deepMerge(target: Json, extra: Json): Json {
  const out: Json = { ...target };
  for (const key of Object.keys(extra)) {
    const [a, b] = [out[key], extra[key]];
    const value = isRecord(a) && isRecord(b) ? deepMerge(a, b) : b;
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** A container as the API server stores it after defaulting. */
export function container(name: string, image: string): Json {
  return {
    name,
    image,
    imagePullPolicy: image.includes('@') ? 'IfNotPresent' : 'Always',
    env: [{ name: 'LOG_LEVEL', value: 'info' }],
    resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
    volumeMounts: [
      {
        name: TOKEN_VOLUME,
        readOnly: true,
        mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      },
    ],
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
}

/** What `kubectl debug` adds: no resources, ports or probes (the API forbids them). */
export function ephemeralContainer(name: string, image: string): Json {
  return {
    name,
    image,
    imagePullPolicy: 'IfNotPresent',
    stdin: true,
    tty: true,
    targetContainerName: 'app-0',
    resources: {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
}

/** A defaulted pod spec with the given images (containers named app-N, init-N, debugger-N). */
export function podSpec(images: PodImages): Json {
  const spec: Json = {
    containers: (images.containers ?? [DEFAULT_IMAGE]).map((img, i) => container(`app-${i}`, img)),
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: 'default',
    serviceAccount: 'default',
    securityContext: {},
    schedulerName: 'default-scheduler',
    tolerations: [
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
    ],
    priority: 0,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
    volumes: [
      {
        name: TOKEN_VOLUME,
        projected: {
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          ],
          defaultMode: 420,
        },
      },
    ],
  };
  if (images.initContainers?.length)
    spec['initContainers'] = images.initContainers.map((img, i) => container(`init-${i}`, img));
  if (images.ephemeralContainers?.length)
    spec['ephemeralContainers'] = images.ephemeralContainers.map((img, i) =>
      ephemeralContainer(`debugger-${i}`, img),
    );
  return spec;
}

/** A complete Pod; `status` is empty before it is scheduled (CREATE) and Running after. */
export function pod(options: {
  name: string;
  namespace: string;
  images: PodImages;
  scheduled?: boolean;
  /** metadata.uid: give old and new object the same one. */
  uid?: string;
}): Json {
  const { name, namespace, images, scheduled = false, uid = randomUUID() } = options;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      uid,
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: { app: 'app', 'pod-template-hash': '7d4b9c8f6d' },
      ...(scheduled && { resourceVersion: '48213' }),
    },
    spec: scheduled ? { ...podSpec(images), nodeName: 'node-1' } : podSpec(images),
    status: scheduled ? { phase: 'Running', qosClass: 'Burstable', podIP: '10.244.1.7' } : {},
  };
}

const OPTIONS: Record<Operation, Json | null> = {
  CREATE: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
  UPDATE: { kind: 'UpdateOptions', apiVersion: 'meta.k8s.io/v1' },
  DELETE: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', propagationPolicy: 'Background' },
  CONNECT: null,
};

/** The envelope around any request (requestKind/requestResource equal kind/resource). */
export function review(request: {
  kind: Gvk;
  resource: Gvr;
  operation: Operation;
  name: string;
  namespace: string;
  object: Json | null;
  oldObject: Json | null;
  subResource?: string | undefined;
  uid?: string | undefined;
  dryRun?: boolean | undefined;
  userInfo?: UserInfo | undefined;
}): AdmissionReviewBody {
  const { subResource, operation } = request;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: request.uid ?? randomUUID(),
      kind: request.kind,
      resource: request.resource,
      ...(subResource !== undefined && { subResource }),
      requestKind: request.kind,
      requestResource: request.resource,
      ...(subResource !== undefined && { requestSubResource: subResource }),
      name: request.name,
      namespace: request.namespace,
      operation,
      userInfo: request.userInfo ?? CONTROLLER_USER,
      object: request.object,
      oldObject: request.oldObject,
      dryRun: request.dryRun ?? false,
      options: OPTIONS[operation],
    },
  };
}

export const randomName = (prefix = 'app'): string =>
  `${prefix}-7d4b9c8f6d-${randomBytes(3).toString('hex').slice(0, 5)}`;

export interface PodReviewOptions {
  images?: string[];
  initImages?: string[];
  ephemeralImages?: string[];
  operation?: Operation;
  namespace?: string;
  name?: string;
  uid?: string;
  dryRun?: boolean;
  /** The old Pod's images on UPDATE (default: the same as the new one's). */
  oldImages?: PodImages;
  subResource?: string;
  userInfo?: UserInfo;
  /** Merged deep into the Pod (and the old Pod): labels, annotations, unknown fields. */
  extra?: Json;
}

/** A Pod CREATE (default) or UPDATE review; DELETE and CONNECT have their own builders. */
export function podReview(options: PodReviewOptions = {}): AdmissionReviewBody {
  const { operation = 'CREATE', namespace = 'default', name = randomName() } = options;
  const images: PodImages = {
    containers: options.images ?? [DEFAULT_IMAGE],
    ...(options.initImages && { initContainers: options.initImages }),
    ...(options.ephemeralImages && { ephemeralContainers: options.ephemeralImages }),
  };
  const update = operation === 'UPDATE';
  const podUid = randomUUID();
  const build = (imgs: PodImages): Json => {
    const p = pod({ name, namespace, images: imgs, scheduled: update, uid: podUid });
    return options.extra ? deepMerge(p, options.extra) : p;
  };
  return review({
    kind: POD_KIND,
    resource: PODS,
    operation,
    name,
    namespace,
    object: build(images),
    oldObject: update ? build({ ...images, ...options.oldImages }) : null,
    subResource: options.subResource,
    uid: options.uid,
    dryRun: options.dryRun,
    userInfo: options.userInfo,
  });
}

/**
 * `kubectl debug`: UPDATE of pods/ephemeralcontainers adding `images` after `existing` ephemeral
 * containers. Current API servers send the whole Pod; v1.20 and older (`legacyKind`) sent kind
 * `EphemeralContainers` with only metadata and the list.
 */
export function ephemeralContainersReview(options: {
  images: string[];
  existing?: string[];
  legacyKind?: boolean;
  containers?: string[];
  namespace?: string;
  name?: string;
}): AdmissionReviewBody {
  const { existing = [], namespace = 'default', name = randomName() } = options;
  const containers = options.containers ?? [DEFAULT_IMAGE];
  const next = [...existing, ...options.images];
  if (options.legacyKind !== true) {
    return podReview({
      operation: 'UPDATE',
      subResource: 'ephemeralcontainers',
      namespace,
      name,
      images: containers,
      ephemeralImages: next,
      oldImages: { ephemeralContainers: existing },
      userInfo: ADMIN_USER,
    });
  }
  const uid = randomUUID();
  const legacy = (list: string[]): Json => ({
    apiVersion: 'v1',
    kind: 'EphemeralContainers',
    metadata: { name, namespace, uid, resourceVersion: '48213' },
    ephemeralContainers: list.map((img, i) => ephemeralContainer(`debugger-${i}`, img)),
  });
  return review({
    kind: { group: '', version: 'v1', kind: 'EphemeralContainers' },
    resource: PODS,
    subResource: 'ephemeralcontainers',
    operation: 'UPDATE',
    name,
    namespace,
    object: legacy(next),
    oldObject: legacy(existing),
    userInfo: ADMIN_USER,
  });
}

export type WorkloadKind =
  | 'Deployment'
  | 'ReplicaSet'
  | 'StatefulSet'
  | 'DaemonSet'
  | 'Job'
  | 'CronJob'
  | 'ReplicationController'
  | 'PodTemplate';

const WORKLOADS: Record<WorkloadKind, { group: string; version: string; resource: string }> = {
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
  ReplicaSet: { group: 'apps', version: 'v1', resource: 'replicasets' },
  StatefulSet: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  DaemonSet: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  Job: { group: 'batch', version: 'v1', resource: 'jobs' },
  CronJob: { group: 'batch', version: 'v1', resource: 'cronjobs' },
  ReplicationController: { group: '', version: 'v1', resource: 'replicationcontrollers' },
  PodTemplate: { group: '', version: 'v1', resource: 'podtemplates' },
};

/** The spec of each kind around its pod template (`template` is where the Pod's spec sits). */
function workloadBody(kind: WorkloadKind, template: Json): Json {
  const selector = { matchLabels: { app: 'app' } };
  const job = { backoffLimit: 6, completions: 1, parallelism: 1, template };
  switch (kind) {
    case 'PodTemplate':
      return { template };
    case 'Deployment':
      return { spec: { replicas: 2, selector, template, strategy: { type: 'RollingUpdate' } } };
    case 'ReplicaSet':
      return { spec: { replicas: 2, selector, template } };
    case 'StatefulSet':
      return { spec: { replicas: 1, selector, serviceName: 'app', template } };
    case 'DaemonSet':
      return { spec: { selector, template, updateStrategy: { type: 'RollingUpdate' } } };
    case 'Job':
      return { spec: job };
    case 'CronJob':
      return { spec: { schedule: '*/5 * * * *', jobTemplate: { spec: job } } };
    case 'ReplicationController':
      return { spec: { replicas: 1, selector: { app: 'app' }, template } };
  }
}

/** A CREATE (default) or UPDATE of a kind that carries a pod template, with the right GVK/GVR. */
export function workloadReview(
  kind: WorkloadKind,
  options: {
    images?: string[];
    initImages?: string[];
    oldImages?: string[];
    operation?: 'CREATE' | 'UPDATE';
    namespace?: string;
    name?: string;
    uid?: string;
  } = {},
): AdmissionReviewBody {
  const { operation = 'CREATE', namespace = 'default', name = 'app' } = options;
  const { group, version, resource } = WORKLOADS[kind];
  const uid = randomUUID();
  const build = (containers: string[]): Json => {
    const spec = podSpec({
      containers,
      ...(options.initImages && { initContainers: options.initImages }),
    });
    if (kind === 'Job' || kind === 'CronJob') spec['restartPolicy'] = 'Never';
    const template = { metadata: { labels: { app: 'app' } }, spec };
    return {
      apiVersion: group === '' ? version : `${group}/${version}`,
      kind,
      metadata: { name, namespace, uid, creationTimestamp: '2026-01-01T00:00:00Z' },
      ...workloadBody(kind, template),
    };
  };
  const images = options.images ?? [DEFAULT_IMAGE];
  return review({
    kind: { group, version, kind },
    resource: { group, version, resource },
    operation,
    name,
    namespace,
    object: build(images),
    oldObject: operation === 'UPDATE' ? build(options.oldImages ?? images) : null,
    uid: options.uid,
    userInfo: ADMIN_USER,
  });
}

/** A Pod DELETE: no object, the Pod in oldObject, DeleteOptions. */
export function deleteReview(options: { namespace?: string; name?: string; uid?: string } = {}) {
  const { namespace = 'default', name = randomName() } = options;
  const old = pod({ name, namespace, images: { containers: [DEFAULT_IMAGE] }, scheduled: true });
  return review({
    kind: POD_KIND,
    resource: PODS,
    operation: 'DELETE',
    name,
    namespace,
    object: null,
    oldObject: old,
    uid: options.uid,
    userInfo: ADMIN_USER,
  });
}

/** `kubectl exec`: CONNECT on pods/exec; the object is the PodExecOptions, options null. */
export function connectReview(options: { namespace?: string; name?: string; uid?: string } = {}) {
  const { namespace = 'default', name = randomName() } = options;
  return review({
    kind: { group: '', version: 'v1', kind: 'PodExecOptions' },
    resource: PODS,
    subResource: 'exec',
    operation: 'CONNECT',
    name,
    namespace,
    object: {
      kind: 'PodExecOptions',
      apiVersion: 'v1',
      stdin: true,
      stdout: true,
      tty: true,
      container: 'app-0',
      command: ['sh'],
    },
    oldObject: null,
    uid: options.uid,
    userInfo: ADMIN_USER,
  });
}

/** The kubelet's status update: UPDATE of pods/status (images unchanged, status moved on). */
export function statusReview(options: { namespace?: string; name?: string; uid?: string } = {}) {
  const { namespace = 'default', name = randomName() } = options;
  const old = pod({ name, namespace, images: { containers: [DEFAULT_IMAGE] }, scheduled: true });
  const ready = [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:09Z' }];
  const status = { ...(old['status'] as Json), conditions: ready };
  return review({
    kind: POD_KIND,
    resource: PODS,
    subResource: 'status',
    operation: 'UPDATE',
    name,
    namespace,
    object: { ...old, status },
    oldObject: old,
    uid: options.uid,
    userInfo: {
      username: 'system:node:node-1',
      uid: '',
      groups: ['system:nodes', 'system:authenticated'],
    },
  });
}

const FILLER_CHUNK = 8192;
/** `{"name":"FILLER_000000","value":""}` plus the comma before it. */
const FILLER_OVERHEAD = 36;

/**
 * A Pod UPDATE whose JSON body is exactly `targetBytes` long: env vars of 8 KiB added to the
 * first container of both object and oldObject (env, unlike annotations, has no 256 KiB limit).
 */
export function largePodReview(
  options: { targetBytes: number } & Omit<PodReviewOptions, 'operation'>,
): AdmissionReviewBody {
  const { targetBytes, ...rest } = options;
  const body = podReview({ ...rest, operation: 'UPDATE' });
  const envs = [body.request.object, body.request.oldObject].map((p) => {
    const first = ((p!['spec'] as Json)['containers'] as Json[])[0]!;
    return first['env'] as { name: string; value: string }[];
  });
  const size = (): number => Buffer.byteLength(JSON.stringify(body));
  let left = targetBytes - size();
  if (left < 2 * (FILLER_OVERHEAD + 2))
    throw new RangeError(`targetBytes ${targetBytes} is below the smallest large review`);
  for (let i = 0; left >= 2 * (FILLER_OVERHEAD + 1); i++) {
    const n = Math.min(FILLER_CHUNK, Math.floor(left / 2) - FILLER_OVERHEAD);
    const value = 'abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(n / 26)).slice(0, n);
    for (const env of envs) env.push({ name: `FILLER_${String(i).padStart(6, '0')}`, value });
    left -= 2 * (FILLER_OVERHEAD + n);
  }
  // The odd few bytes go to the new object only.
  envs[0]!.at(-1)!.value += 'z'.repeat(targetBytes - size());
  if (size() !== targetBytes) throw new RangeError(`could not size the review to ${targetBytes}`);
  return body;
}
