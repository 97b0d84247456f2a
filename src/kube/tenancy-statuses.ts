// Issue 17: which statuses of the namespaced kinds a compile calls for (the compiler's
// policyStatus / storeStatus / exceptionStatus decide; undefined means it is already right).
import {
  exceptionStatus,
  NAMESPACE_TRUST_POLICY_PLURAL,
  NAMESPACE_TRUST_STORE_PLURAL,
  policyStatus,
  storeStatus,
  TRUST_POLICY_EXCEPTION_PLURAL,
  type CompiledTenancy,
  type TenancyState,
  type TrustPolicyObject,
  type TrustStoreObject,
} from '../config/index.js';
import type { StatusWrite } from './status-writer.js';

/** The status writes for `state` as compiled into `compiled`, at `now`. */
export function tenancyStatusWrites(
  state: TenancyState,
  compiled: CompiledTenancy,
  now: Date,
): StatusWrite[] {
  const writes: StatusWrite[] = [];
  const push = (
    plural: StatusWrite['plural'],
    meta: { namespace: string; name: string; resourceVersion?: string },
    current: unknown,
    status: object | undefined,
  ) => {
    if (status)
      writes.push({
        plural,
        namespace: meta.namespace,
        name: meta.name,
        resourceVersion: meta.resourceVersion,
        current,
        status,
      });
  };
  for (const o of state.policies) {
    const verdict = compiled.policies.get(`${o.metadata.namespace}/${o.metadata.name}`);
    const status = verdict && policyStatus(o as unknown as TrustPolicyObject, verdict, now);
    push(NAMESPACE_TRUST_POLICY_PLURAL, o.metadata, o.status, status);
  }
  for (const o of state.stores) {
    const verdict = compiled.stores.get(`${o.metadata.namespace}/${o.metadata.name}`);
    const status = verdict && storeStatus(o as unknown as TrustStoreObject, verdict, now);
    push(NAMESPACE_TRUST_STORE_PLURAL, o.metadata, o.status, status);
  }
  for (const o of state.exceptions) {
    const verdict = compiled.exceptionVerdicts.get(`${o.metadata.namespace}/${o.metadata.name}`);
    const status = verdict && exceptionStatus(o, verdict, now);
    push(TRUST_POLICY_EXCEPTION_PLURAL, o.metadata, o.status, status);
  }
  return writes;
}
