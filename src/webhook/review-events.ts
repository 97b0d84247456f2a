// The Kubernetes Events a review's outcome calls for (issue 16, item 1): one per image that was
// denied, warned (action Warn, or onError Allow) or audited (action Audit), plus one per field
// path whose image could not be read. Never for a dry-run request. Pure: src/kube's recorder
// writes them after the answer has gone, aggregated and bounded.
//
// Which object an Event is about: the object under review when it exists or will (an UPDATE, or
// an admitted CREATE: the API server has set its uid before validating webhooks run). A denied
// CREATE does not exist: the Event goes to its controller (a ReplicaSet creating Pods in a
// crash loop then gathers one Event series), else to its namespace, naming the object.
import type { EventInput, ObjectRef } from '../kube/index.js';
import { layerVerdicts, NO_POLICY } from '../pipeline/index.js';
import type { AdmissionRequest } from './admission-review.js';
import type { ImageVerdict } from './decision.js';

type Outcome = 'Denied' | 'Warned' | 'Audited' | 'Excepted';

const API_VERSION = 'notary-admission.dev/v1alpha1';
const TRUST_POLICY = { apiVersion: API_VERSION, kind: 'TrustPolicy' };
const NOT_A_POLICY: ReadonlySet<string> = new Set([NO_POLICY, '(unknown)']);
const ACTIONS: Record<Outcome, string> = {
  Denied: 'Deny',
  Warned: 'Warn',
  Audited: 'Audit',
  Excepted: 'Except',
};

/** The policy a verdict names: a TrustPolicy, or (issue 17) a NamespaceTrustPolicy. */
function policyRef(v: ImageVerdict): ObjectRef | undefined {
  const policy = v.admission.policy;
  if (NOT_A_POLICY.has(policy)) return undefined;
  const slash = policy.indexOf('/');
  if (v.layer !== 'namespace' || slash < 0) return { ...TRUST_POLICY, name: policy };
  return {
    apiVersion: API_VERSION,
    kind: 'NamespaceTrustPolicy',
    namespace: policy.slice(0, slash),
    name: policy.slice(slash + 1),
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a layer's verdict did to the review, if it calls for an Event. */
function outcomeOf(v: ImageVerdict): { outcome: Outcome; code: string } | undefined {
  if (v.kind === 'failed') {
    const outcome =
      v.admission.action === 'Deny'
        ? 'Denied'
        : v.admission.action === 'Warn'
          ? 'Warned'
          : 'Audited';
    return { outcome, code: v.code };
  }
  if (v.kind === 'inconclusive') {
    const denied = v.admission.onError === 'Deny' || v.code === 'INTERNAL_ERROR';
    return { outcome: denied ? 'Denied' : 'Warned', code: v.code };
  }
  return undefined;
}

function metadataOf(object: unknown): Record<string, unknown> {
  return isRecord(object) && isRecord(object['metadata']) ? object['metadata'] : {};
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined;

/** The controller (ownerReferences with controller: true) of an object, in `namespace`. */
function controllerOf(
  object: unknown,
  namespace: string,
): (ObjectRef & { namespace: string }) | undefined {
  const owners = metadataOf(object)['ownerReferences'];
  if (!Array.isArray(owners)) return undefined;
  const owner = (owners as unknown[]).find((o) => isRecord(o) && o['controller'] === true);
  if (!isRecord(owner)) return undefined;
  const [apiVersion, kind, name] = [
    text(owner['apiVersion']),
    text(owner['kind']),
    text(owner['name']),
  ];
  if (!apiVersion || !kind || !name) return undefined;
  const uid = text(owner['uid']);
  return { apiVersion, kind, name, namespace, ...(uid && { uid }) };
}

/** Where a review's Events go, what they call the object, and what the per-object bound counts. */
function target(request: AdmissionRequest, denied: boolean) {
  const namespace = request.namespace!;
  const { group, version, kind } = request.kind;
  const apiVersion = group === '' ? version : `${group}/${version}`;
  const metadata = metadataOf(request.object ?? request.oldObject);
  const name =
    request.name ?? text(metadata['name']) ?? text(metadata['generateName']) ?? '(unnamed)';
  const uid = text(metadata['uid']) ?? text(metadataOf(request.oldObject)['uid']);
  const self = `${kind} ${namespace}/${name}`;
  if (!denied || request.operation !== 'CREATE') {
    const regarding = { apiVersion, kind, name, namespace, ...(uid && { uid }) };
    return { regarding, object: self, what: `${kind} ${name}` };
  }
  const owner = controllerOf(request.object, namespace);
  if (owner) {
    // Without the object's own (often generated) name: a controller's retries are one series.
    return {
      regarding: owner,
      object: `${owner.kind} ${namespace}/${owner.name}`,
      what: `${kind} of ${owner.kind} ${owner.name}`,
    };
  }
  // The API server wants a namespaced Event's `regarding` in that namespace.
  const regarding = { apiVersion: 'v1', kind: 'Namespace', name: namespace, namespace };
  return { regarding, object: self, what: `${kind} ${name}` };
}

const shortDigest = (digest: string | undefined): string =>
  digest ? ` (${digest.slice(0, 'sha256:'.length + 12)}…)` : '';

/** The Events of one /validate review (none for a dry run or a cluster-scoped object). */
export function reviewEvents(
  request: AdmissionRequest,
  verdicts: readonly ImageVerdict[],
  problems: readonly string[],
): EventInput[] {
  if (request.dryRun === true || request.namespace === undefined) return [];
  const judged = verdicts.flatMap((top) => {
    // Issue 17: an exception's admission is one Event naming it; else each layer's own.
    if (top.exception) {
      const code = 'code' in top ? top.code : '';
      return [{ v: top, outcome: 'Excepted' as const, code }];
    }
    return layerVerdicts(top).flatMap((v) => {
      const o = outcomeOf(v);
      return o ? [{ v, ...o }] : [];
    });
  });
  if (judged.length === 0 && problems.length === 0) return [];
  const denied = problems.length > 0 || judged.some((j) => j.outcome === 'Denied');
  const { regarding, object, what } = target(request, denied);
  const event = (outcome: Outcome, note: string, related?: ObjectRef): EventInput => ({
    regarding,
    ...(related && { related }),
    object,
    type: 'Warning',
    reason: `Image${outcome}`,
    action: ACTIONS[outcome],
    note,
  });
  return [
    ...problems.map((p) =>
      event(
        'Denied',
        `${what} denied: ${p}: no image reference can be read here [IMAGE_UNREADABLE]`,
      ),
    ),
    ...judged.map(({ v, outcome, code }) => {
      const policy = `${v.layer === 'namespace' ? 'namespace policy' : 'policy'} "${v.admission.policy}"`;
      const digest = 'digest' in v ? v.digest : undefined;
      const reason = 'reason' in v ? v.reason : '';
      const e = v.exception;
      if (e) {
        const until = new Date(e.expiresAt).toISOString();
        const note = `${what} admitted by TrustPolicyException ${e.namespace}/${e.name} (until ${until}; ${e.reason}): ${v.image.fieldPath} "${v.image.image}"${shortDigest(digest)}: ${reason} [${code}] (${policy})`;
        const related = {
          apiVersion: API_VERSION,
          kind: 'TrustPolicyException',
          namespace: e.namespace,
          name: e.name,
          ...(e.uid && { uid: e.uid }),
        };
        return event(outcome, note, related);
      }
      const note = `${what} ${outcome.toLowerCase()}: ${v.image.fieldPath} "${v.image.image}"${shortDigest(digest)}: ${reason} [${code}] (${policy})`;
      return event(outcome, note, policyRef(v));
    }),
  ];
}
