// deploy/ (the plain manifests) is a fresh render of the chart: regenerate it with
//   npx tsx test/integration/chart/render.ts
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEPLOY_DIR, DEPLOY_RELEASE, parseManifests, staleDeployFiles } from './render.js';

const read = (file: string): string => readFileSync(path.join(DEPLOY_DIR, file), 'utf8');

describe('deploy/', () => {
  describe('when compared with a fresh render of the chart', () => {
    it('returns no stale file (run `npx tsx test/integration/chart/render.ts` if this fails)', async () => {
      expect(await staleDeployFiles()).toEqual([]);
    });
  });

  describe('when read', () => {
    it('holds no key material (TLS is self-managed: the service fills the Secret and caBundle)', () => {
      for (const file of ['notary-admission.yaml', 'webhooks.yaml'])
        expect(read(file)).not.toMatch(/PRIVATE KEY|tls\.key:|caBundle:/);
      const secrets = parseManifests(read('notary-admission.yaml')).filter(
        (o) => o.kind === 'Secret',
      );
      expect(secrets.map((o) => [o.metadata.name, o['data']])).toEqual([
        [`${DEPLOY_RELEASE}-serving-tls`, undefined],
      ]);
    });

    it('creates the namespace first and keeps the webhook configurations in webhooks.yaml', () => {
      const main = parseManifests(read('notary-admission.yaml'));
      expect(main[0]).toMatchObject({ kind: 'Namespace', metadata: { name: DEPLOY_RELEASE } });
      expect(main.map((o) => o.kind)).not.toContain('ValidatingWebhookConfiguration');
      expect(parseManifests(read('webhooks.yaml')).map((o) => o.kind)).toEqual([
        'MutatingWebhookConfiguration',
        'ValidatingWebhookConfiguration',
      ]);
    });

    it('T-51 exempts kube-system and the notary-admission namespace', () => {
      for (const config of parseManifests(read('webhooks.yaml'))) {
        const [webhook] = config['webhooks'] as { namespaceSelector: unknown }[];
        expect(webhook!.namespaceSelector).toEqual({
          matchExpressions: [
            {
              key: 'kubernetes.io/metadata.name',
              operator: 'NotIn',
              values: ['kube-system', DEPLOY_RELEASE],
            },
          ],
        });
      }
    });
  });
});
