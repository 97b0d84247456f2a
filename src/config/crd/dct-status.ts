// The conditions a TrustPolicy with `spec.dct` shows (issue 18): DCTWindowClosing (True from 14
// days before `until`) and DCTWindowClosed (True from `until` on), so admins see the end of the
// Docker Content Trust window coming in `kubectl get`/`wait` before images start being denied.
// They change with time alone: the live source recompiles at the next transition
// (`nextDctTransition`, src/kube/policy-source.ts).
import { DCT_CLOSING_NOTICE_MS, dctWindow } from '../dct.js';
import type { Condition, TrustPolicyObject } from './types.js';

/** RFC 3339 in seconds, as metav1.Time serialises. */
const timestamp = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The spec's `dct.until` as ms, when it is there and reads as a time. */
function untilOf(object: TrustPolicyObject): number | undefined {
  const dct: unknown = (object.spec as { dct?: unknown } | undefined)?.dct;
  const until =
    typeof dct === 'object' && dct !== null ? (dct as { until?: unknown }).until : undefined;
  const ms = typeof until === 'string' ? Date.parse(until) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

function condition(
  current: readonly Condition[] | undefined,
  c: Omit<Condition, 'lastTransitionTime'>,
  now: Date,
): Condition {
  const list: readonly Condition[] = Array.isArray(current) ? current : [];
  const old = list.find((x) => x.type === c.type);
  const keep = old?.status === c.status && typeof old.lastTransitionTime === 'string';
  return { ...c, lastTransitionTime: keep ? old.lastTransitionTime : timestamp(now) };
}

/** The DCT window conditions of a policy (none without `spec.dct`). */
export function dctConditions(
  object: TrustPolicyObject,
  observedGeneration: number,
  now: Date,
): Condition[] {
  const until = untilOf(object);
  if (until === undefined) return [];
  const at = new Date(until).toISOString();
  const state = dctWindow({ until: at }, now.getTime());
  const current = object.status?.conditions;
  const closing: Omit<Condition, 'lastTransitionTime'> = {
    type: 'DCTWindowClosing',
    status: state === 'closing' ? 'True' : 'False',
    reason: state === 'closing' ? 'Closing' : state === 'open' ? 'Open' : 'Closed',
    message:
      state === 'closed'
        ? `Docker Content Trust signatures stopped counting at ${at}`
        : state === 'closing'
          ? `Docker Content Trust signatures count only until ${at}, less than 14 days away: re-sign these images with Notation before then`
          : `Docker Content Trust signatures count until ${at}`,
    observedGeneration,
  };
  const closed: Omit<Condition, 'lastTransitionTime'> = {
    type: 'DCTWindowClosed',
    status: state === 'closed' ? 'True' : 'False',
    reason: state === 'closed' ? 'Closed' : 'Open',
    message:
      state === 'closed'
        ? `since ${at} only Notation signatures count: images signed only with DCT are denied [DCT_WINDOW_CLOSED]`
        : `Docker Content Trust signatures count until ${at}`,
    observedGeneration,
  };
  return [condition(current, closing, now), condition(current, closed, now)];
}

/**
 * The next instant a policy's DCT conditions change by time alone (14 days before `until`, and
 * `until`), after `now`; undefined when none will.
 */
export function nextDctTransition(
  policies: readonly TrustPolicyObject[],
  now: Date,
): Date | undefined {
  let next = Infinity;
  for (const p of policies) {
    const until = untilOf(p);
    if (until === undefined) continue;
    for (const t of [until - DCT_CLOSING_NOTICE_MS, until])
      if (t > now.getTime() && t < next) next = t;
  }
  return Number.isFinite(next) ? new Date(next) : undefined;
}
