// Which statuses a compile calls for: each object whose verdict differs from what its status says
// (the compiler's policyStatus / storeStatus decide; undefined means it is already right).
import {
  policyStatus,
  storeStatus,
  TRUST_POLICY_PLURAL,
  TRUST_STORE_PLURAL,
  type ClusterState,
  type CompiledCluster,
} from '../config/index.js';
import type { StatusWrite } from './status-writer.js';

/** The status writes for `state` as compiled into `compiled`, at `now`. */
export function statusWrites(
  state: ClusterState,
  compiled: CompiledCluster,
  now: Date,
): StatusWrite[] {
  const writes: StatusWrite[] = [];
  for (const object of state.policies) {
    const verdict = compiled.policies.get(object.metadata.name);
    const status = verdict && policyStatus(object, verdict, now);
    if (status)
      writes.push({
        plural: TRUST_POLICY_PLURAL,
        name: object.metadata.name,
        resourceVersion: object.metadata.resourceVersion,
        current: object.status,
        status,
      });
  }
  for (const object of state.stores) {
    const verdict = compiled.stores.get(object.metadata.name);
    const status = verdict && storeStatus(object, verdict, now);
    if (status)
      writes.push({
        plural: TRUST_STORE_PLURAL,
        name: object.metadata.name,
        resourceVersion: object.metadata.resourceVersion,
        current: object.status,
        status,
      });
  }
  return writes;
}
