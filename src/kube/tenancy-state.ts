// Issue 17: the informers' caches of the namespaced kinds as the tenancy compiler's input, each
// list in (namespace, name) order. Objects without a namespace or name (which the API server
// never sends for these kinds) are left out.
import type {
  NamespaceTrustPolicyObject,
  NamespaceTrustStoreObject,
  TenancyState,
  TrustPolicyExceptionObject,
} from '../config/index.js';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `[namespace, name]` of an object, or undefined when either is missing. */
function key(o: unknown): [string, string] | undefined {
  const metadata = isRecord(o) ? o['metadata'] : undefined;
  if (!isRecord(metadata)) return undefined;
  const { namespace, name } = metadata;
  return typeof namespace === 'string' && namespace !== '' && typeof name === 'string' && name
    ? [namespace, name]
    : undefined;
}

function sorted<T>(objects: readonly unknown[]): T[] {
  const keyed = objects.flatMap((o) => {
    const k = key(o);
    return k ? [{ k: `${k[0]}/${k[1]}`, o }] : [];
  });
  return keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0)).map(({ o }) => o as T);
}

/** The tenancy compiler's input from the three informers' current contents. */
export function assembleTenancy(objects: {
  policies: readonly unknown[];
  stores: readonly unknown[];
  exceptions: readonly unknown[];
}): TenancyState {
  return {
    policies: sorted<NamespaceTrustPolicyObject>(objects.policies),
    stores: sorted<NamespaceTrustStoreObject>(objects.stores),
    exceptions: sorted<TrustPolicyExceptionObject>(objects.exceptions),
  };
}
