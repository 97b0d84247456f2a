// The caBundle of our own webhook configurations, and nothing else of them: the named
// ValidatingWebhookConfiguration and MutatingWebhookConfiguration of this release (RBAC: get and
// patch limited by resourceNames). A JSON patch sets each webhook's clientConfig.caBundle, after
// a `test` of that webhook's name, so a configuration edited meanwhile (webhooks reordered) makes
// the patch fail rather than write the bundle into someone else's webhook.
import {
  AdmissionregistrationV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1MutatingWebhookConfiguration,
  type V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import { abortable } from './abortable.js';
import { httpStatus } from './api-error.js';
import type { CaBundleTargets } from './ca-keeper.js';
import { MAX_BUNDLE_BYTES } from './ca-material.js';

const CALL_TIMEOUT_MS = 5_000;
const FIELD_MANAGER = 'notary-admission';

export interface WebhookNames {
  /** The ValidatingWebhookConfiguration's name, if any. */
  validating?: string;
  /** The MutatingWebhookConfiguration's name, if any. */
  mutating?: string;
}

type Configuration = V1ValidatingWebhookConfiguration | V1MutatingWebhookConfiguration;

interface Target {
  kind: string;
  name: string;
  read(): Promise<Configuration>;
  patch(body: object[]): Promise<unknown>;
}

/** The caBundle targets named in `names`, on the cluster of `kubeConfig`. */
export function webhookPatcher(kubeConfig: KubeConfig, names: WebhookNames): CaBundleTargets {
  const api = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  const bounded = () => abortable(AbortSignal.timeout(CALL_TIMEOUT_MS));
  const patchOptions = () => setHeaderOptions('Content-Type', PatchStrategy.JsonPatch, bounded());
  const targets: Target[] = [];
  const { validating, mutating } = names;
  if (validating !== undefined)
    targets.push({
      kind: 'ValidatingWebhookConfiguration',
      name: validating,
      read: () => api.readValidatingWebhookConfiguration({ name: validating }, bounded()),
      patch: (body) =>
        api.patchValidatingWebhookConfiguration(
          { name: validating, body, fieldManager: FIELD_MANAGER },
          patchOptions(),
        ),
    });
  if (mutating !== undefined)
    targets.push({
      kind: 'MutatingWebhookConfiguration',
      name: mutating,
      read: () => api.readMutatingWebhookConfiguration({ name: mutating }, bounded()),
      patch: (body) =>
        api.patchMutatingWebhookConfiguration(
          { name: mutating, body, fieldManager: FIELD_MANAGER },
          patchOptions(),
        ),
    });

  /** The configuration, or undefined when it does not exist (deleted to break glass). */
  const read = async (target: Target): Promise<Configuration | undefined> => {
    try {
      return await target.read();
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  };

  return {
    async read() {
      const found = await Promise.all(targets.map(read));
      return found.flatMap((c) => (c?.webhooks ?? []).map((w) => decode(w.clientConfig.caBundle)));
    },
    async publish(bundle) {
      const value = Buffer.from(bundle).toString('base64');
      for (const target of targets) {
        const config = await read(target);
        const webhooks = config?.webhooks ?? [];
        if (webhooks.length === 0) continue;
        const ops = webhooks.flatMap((w, i) => [
          { op: 'test', path: `/webhooks/${i}/name`, value: w.name },
          { op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value },
        ]);
        await target.patch(ops);
      }
    },
  };
}

/**
 * A caBundle as client-node hands it over: base64 text (or nothing). One larger than
 * MAX_BUNDLE_BYTES reads as empty: it is not ours, so it is overwritten, and never parsed.
 */
function decode(caBundle: string | undefined): string {
  if (caBundle === undefined || caBundle.length > Math.ceil(MAX_BUNDLE_BYTES / 3) * 4) return '';
  return Buffer.from(caBundle, 'base64').toString('utf8');
}
