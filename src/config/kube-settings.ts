// The defaults of `serve --policy-source kubernetes`: which kubeconfig (in-cluster when running in
// a pod, else $KUBECONFIG or ~/.kube/config, like client-go's, but decided here and shown in the
// settings) and which trust namespace (the pod's own, from its service account mount).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Env } from './notation-dir.js';

/** The kubelet writes the pod's namespace here (with the service account token). */
export const SERVICE_ACCOUNT_NAMESPACE_FILE =
  '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The trust namespace when the service runs outside a pod and none is given. */
export const DEFAULT_TRUST_NAMESPACE = 'notary-admission';

/** A namespace name (RFC 1123 label). */
export function isNamespaceName(name: string): boolean {
  return name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name);
}

/** The pod's namespace from its service account mount, else `notary-admission`. */
export function podNamespace(file = SERVICE_ACCOUNT_NAMESPACE_FILE): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    return DEFAULT_TRUST_NAMESPACE;
  }
  return isNamespaceName(text) ? text : DEFAULT_TRUST_NAMESPACE;
}

/**
 * The kubeconfig file to use when none is given: undefined means in-cluster (the pod's service
 * account), chosen when `KUBERNETES_SERVICE_HOST` is set; else the first file of `$KUBECONFIG`,
 * else `$HOME/.kube/config`; null when there is none of these.
 */
export function defaultKubeconfig(env: Env): string | undefined | null {
  if (env['KUBERNETES_SERVICE_HOST']?.trim()) return undefined;
  const first = env['KUBECONFIG']?.split(path.delimiter).find((f) => f.trim() !== '');
  if (first !== undefined) return path.resolve(first);
  const home = env['HOME']?.trim();
  return home ? path.join(home, '.kube', 'config') : null;
}
