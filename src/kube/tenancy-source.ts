// Issue 17's part of the live source: the namespaced kinds compiled next to the cluster ones
// (src/config's compileTenancy), joined into the snapshot (`withTenancy`, same revision), with a
// key that changes whenever what a review reads of them does (the source adopts a new snapshot
// then, though the cluster revision stayed), and the instant of the next exception expiry.
import { createHash } from 'node:crypto';
import {
  canonicalJson,
  compileTenancy,
  withTenancy,
  type ClusterState,
  type CompiledTenancy,
  type Snapshot,
  type TenancyState,
} from '../config/index.js';
import { assembleTenancy } from './tenancy-state.js';

export interface TenancyCompile {
  state: TenancyState;
  compiled: CompiledTenancy;
  snapshot: Snapshot;
  /** Changes when any namespace layer or exception in force does. */
  key: string;
}

/** What the review reads of the tenancy: each layer's revision, each exception in force. */
function keyOf(compiled: CompiledTenancy): string {
  const layers = [...compiled.layers].map(([ns, s]) => [ns, s.revision]);
  const exceptions = [...compiled.exceptions].map(([ns, list]) => [
    ns,
    list.map((e) => [e.name, e.uid, e.images, e.reason, e.expiresAt]),
  ]);
  return createHash('sha256').update(canonicalJson({ layers, exceptions })).digest('hex');
}

/** Compiles the three informers' objects and joins them to the cluster snapshot. */
export function compileTenancyOf(
  lists: {
    policies: readonly unknown[];
    stores: readonly unknown[];
    exceptions: readonly unknown[];
  },
  cluster: { state: ClusterState; snapshot: Snapshot },
  options: { now: Date; maxExceptionMs: number; trustNamespace: string },
): TenancyCompile {
  const state = assembleTenancy(lists);
  const compiled = compileTenancy(state, cluster.state, options);
  return {
    state,
    compiled,
    snapshot: withTenancy(cluster.snapshot, compiled),
    key: keyOf(compiled),
  };
}
