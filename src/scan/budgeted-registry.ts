// The scan's view of the shared registry client: every call is charged to the registry host's
// budget (budget.ts) as it is made, never delayed. What a call costs is what it sends at most in
// the usual case: resolving a tag one HEAD; listing signatures the referrers request and the
// tag-schema fallback; an envelope its manifest and its blob; anything else one. (A token fetch
// or a second page of referrers is not charged: the budget is about the registry's API load.)
import type { RegistryBudget } from './budget.js';

const COST: Readonly<Record<string, number>> = { resolve: 1, signatureCandidates: 2 };
const LOAD_COST = 2;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The host of a call's first argument (an ImageReference), if it names one. */
function hostOf(args: readonly unknown[]): string | undefined {
  const ref = args[0];
  return isRecord(ref) && typeof ref['registry'] === 'string' ? ref['registry'] : undefined;
}

/** Candidates with a `load()` (signature envelopes): each load is charged when it runs. */
function chargeLoads(result: unknown, charge: () => void): unknown {
  if (!Array.isArray(result)) return result;
  return result.map((item: unknown) => {
    if (!isRecord(item) || typeof item['load'] !== 'function') return item;
    const load = item['load'] as () => Promise<unknown>;
    return {
      ...item,
      load: () => {
        charge();
        return load.call(item);
      },
    };
  });
}

/** `registry` with each method call charged to `budget` (same methods, same results). */
export function budgeted<R extends object>(registry: R, budget: RegistryBudget): R {
  return new Proxy(registry, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]): unknown => {
        const host = hostOf(args);
        if (host !== undefined) budget.charge(host, COST[prop] ?? 1);
        const result: unknown = Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
        if (host === undefined || !(result instanceof Promise)) return result;
        return result.then((r) => chargeLoads(r, () => budget.charge(host, LOAD_COST)));
      };
    },
  });
}
