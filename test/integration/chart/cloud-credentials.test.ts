// Issue 19 item 2 on the rendered chart: each cloud's registry credentials behind one value, with
// the ServiceAccount annotations and pod label the clouds' workload identity webhooks read, and
// the NetworkPolicy egress their identity endpoints need; nothing of it by default.
import { describe, expect, it } from 'vitest';
import { helmTemplate, parseManifests, type K8sObject } from './render.js';

const render = async (values: Record<string, string> = {}): Promise<K8sObject[]> =>
  parseManifests(await helmTemplate({ release: 'na', namespace: 'na-system', values }));

const one = (objects: K8sObject[], kind: string): K8sObject & Record<string, unknown> => {
  const found = objects.find((o) => o.kind === kind);
  if (!found) throw new Error(`no ${kind} rendered`);
  return found;
};

interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: { args: string[]; env: { name: string; value?: string }[] }[] };
}
const podOf = (objects: K8sObject[]): PodTemplate =>
  (one(objects, 'Deployment')['spec'] as { template: PodTemplate }).template;

const egressCidrs = (objects: K8sObject[]): string[] =>
  (
    one(objects, 'NetworkPolicy')['spec'] as { egress: { to?: { ipBlock?: { cidr: string } }[] }[] }
  ).egress.flatMap((rule) => (rule.to ?? []).map((to) => to.ipBlock?.cidr ?? ''));

const ALL = {
  'cloudCredentials.ecr.enabled': 'true',
  'cloudCredentials.ecr.roleArn': 'arn:aws:iam::123456789012:role/ecr-reader',
  'cloudCredentials.ecr.region': 'eu-west-1',
  'cloudCredentials.acr.enabled': 'true',
  'cloudCredentials.acr.clientId': '00000000-1111-2222-3333-444444444444',
  'cloudCredentials.gcp.enabled': 'true',
  'cloudCredentials.gcp.serviceAccount': 'notary-admission@acme.iam.gserviceaccount.com',
};

describe('chart cloud credentials', () => {
  describe('when rendered with the default values', () => {
    it('returns no provider flag, annotation, label or link-local egress', async () => {
      const objects = await render();
      const pod = podOf(objects);
      expect(pod.spec.containers[0]!.args.filter((a) => a.startsWith('--cloud'))).toEqual([]);
      expect(pod.metadata.labels['azure.workload.identity/use']).toBeUndefined();
      expect(one(objects, 'ServiceAccount').metadata.annotations).toBeUndefined();
      expect(egressCidrs(objects).filter((c) => c.startsWith('169.254.'))).toEqual([]);
    });
  });

  describe('when every provider is enabled', () => {
    it('returns the flags, the annotations the workload identity webhooks read, and the label', async () => {
      const objects = await render(ALL);
      const pod = podOf(objects);
      const container = pod.spec.containers[0]!;
      expect(container.args.filter((a) => a.startsWith('--cloud'))).toEqual([
        '--cloud-credentials=acr',
        '--cloud-credentials=ecr',
        '--cloud-credentials=gcp',
      ]);
      expect(container.env).toContainEqual({ name: 'AWS_REGION', value: 'eu-west-1' });
      expect(pod.metadata.labels['azure.workload.identity/use']).toBe('true');
      expect(one(objects, 'ServiceAccount').metadata.annotations).toEqual({
        'eks.amazonaws.com/role-arn': ALL['cloudCredentials.ecr.roleArn'],
        'azure.workload.identity/client-id': ALL['cloudCredentials.acr.clientId'],
        'iam.gke.io/gcp-service-account': ALL['cloudCredentials.gcp.serviceAccount'],
      });
    });

    it('returns egress to the Pod Identity agent and the metadata server, and no other link-local', async () => {
      const cidrs = egressCidrs(await render(ALL)).filter(
        (c) => c.startsWith('169.254.') || c.startsWith('fd00:'),
      );
      expect(cidrs.sort()).toEqual([
        '169.254.169.252/32',
        '169.254.169.254/32',
        '169.254.170.23/32',
        'fd00:ec2::23/128',
      ]);
    });
  });

  describe('when a value is not what its cloud accepts', () => {
    it('throws on the values schema', async () => {
      await expect(render({ 'cloudCredentials.ecr.roleArn': 'ecr-reader' })).rejects.toThrow(
        /roleArn/,
      );
    });
  });
});
