// Test helper (issue 17's decision table and its property test): one image judged the way the
// service does it — the cluster layer, the namespace layer through withNamespaceLayer, the
// exceptions, then decide() — with each layer's verdict given instead of verified.
import type { PolicyException, Snapshot } from '../../src/config/snapshot.types.js';
import {
  applyExceptions,
  withNamespaceLayer,
  type ImageVerdict as PipelineVerdict,
} from '../../src/pipeline/index.js';
import { decide, type AdmissionDecision, type ImageVerdict } from '../../src/webhook/decision.js';
import type { ImageAtPath } from '../../src/webhook/images.js';

export const IMAGE: ImageAtPath = {
  fieldPath: 'spec.containers[0].image',
  image: 'registry.example.com/team/app:1.0',
};
export const DIGEST = `sha256:${'ab'.repeat(32)}`;
export const NOW = Date.parse('2026-11-22T10:00:00Z');

/** A verdict of one layer, for `IMAGE`. */
export type LayerVerdict = ImageVerdict extends infer V
  ? V extends unknown
    ? Omit<V, 'image'>
    : never
  : never;

export interface Judged {
  decision: AdmissionDecision;
  verdict: ImageVerdict;
  /** Whether the namespace layer was asked at all. */
  namespaceAsked: boolean;
}

/** Judges `IMAGE` in namespace `team-a` with these layer verdicts and exceptions. */
export async function judge(
  cluster: LayerVerdict,
  namespace?: LayerVerdict,
  exceptions: readonly PolicyException[] = [],
  labels: Record<string, string> = {},
): Promise<Judged> {
  const layer = { revision: 'layer' } as Snapshot;
  const snapshot = {
    revision: 'cluster',
    namespaceLayer: () => (namespace ? layer : undefined),
  } as unknown as Snapshot;
  let namespaceAsked = false;
  const stub = (<I extends { image: string }>(image: I, scope: { snapshot: Snapshot }) => {
    const asked = scope.snapshot === layer;
    namespaceAsked ||= asked;
    const v = (asked ? namespace! : cluster) as unknown as PipelineVerdict;
    return Promise.resolve({ ...v, image } as PipelineVerdict<I>);
  }) as Parameters<typeof withNamespaceLayer>[0];
  const verify = withNamespaceLayer(stub);
  const scope = {
    snapshot,
    namespace: 'team-a',
    signal: new AbortController().signal,
    deadline: NOW + 10_000,
  };
  const combined = await verify(IMAGE, scope);
  const [verdict] = applyExceptions([combined], exceptions, { labels, now: NOW });
  return { decision: decide([verdict!]), verdict: verdict!, namespaceAsked };
}

/** An exception of `team-a` for `IMAGE`'s tag, in force until `expiresAt`. */
export const exceptionFor = (
  expiresAt = NOW + 3_600_000,
  covers: (labels: Readonly<Record<string, string>>) => boolean = () => true,
): PolicyException => ({
  namespace: 'team-a',
  name: 'hotfix',
  uid: 'u-1',
  images: [{ repository: 'registry.example.com/team/app', tag: '1.0' }],
  covers,
  reason: 'INC-42: vendor hotfix, unsigned',
  expiresAt,
});
