// The chart's TLS modes, on the rendered output: self-managed (the default: an empty Secret the
// service fills, no caBundle, the service's flags); a generated CA and serving certificate that
// the API server can verify for <svc>.<ns>.svc; cert-manager objects and caBundle injection; a
// user's own Secret; and the out-of-cluster URL clientConfig.
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../../src/config/index.js';
import { helmTemplate, parseManifests, type K8sObject } from './render.js';

const NS = 'na-system';
const NAME = 'na-notary-admission';
const PEM = `-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n`;

interface ClientConfig {
  caBundle?: string;
  url?: string;
  service?: unknown;
}

const render = async (values: Record<string, string> = {}): Promise<K8sObject[]> =>
  parseManifests(await helmTemplate({ release: 'na', namespace: NS, values }));

const live = (objects: K8sObject[]): K8sObject[] =>
  objects.filter((o) => o.metadata.annotations?.['helm.sh/hook'] === undefined);

function clientConfigs(objects: K8sObject[]): ClientConfig[] {
  return live(objects)
    .filter((o) => o.kind.endsWith('WebhookConfiguration'))
    .flatMap((o) => (o['webhooks'] as { clientConfig: ClientConfig }[]).map((w) => w.clientConfig));
}

function secretData(objects: K8sObject[], name: string): Record<string, string> {
  const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === name);
  expect(secret, `Secret ${name}`).toBeDefined();
  const data = secret!['data'] as Record<string, string>;
  return Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
}

const tlsVolumeSecret = (objects: K8sObject[]): unknown =>
  (
    objects.find((o) => o.kind === 'Deployment')?.['spec'] as {
      template: { spec: { volumes: { name: string; secret?: { secretName: string } }[] } };
    }
  ).template.spec.volumes.find((v) => v.name === 'tls')?.secret?.secretName;

const GENERATED = { 'tls.mode': 'generated' };

const containerArgs = (objects: K8sObject[]): string[] =>
  (
    objects.find((o) => o.kind === 'Deployment')?.['spec'] as {
      template: { spec: { containers: { args: string[] }[] } };
    }
  ).template.spec.containers[0]!.args;

describe('chart TLS', () => {
  describe('when the service manages its certificates (default)', () => {
    it('returns an empty Opaque Secret for it to fill, and no key, certificate or caBundle', async () => {
      const objects = await render();
      const secrets = objects.filter((o) => o.kind === 'Secret');
      expect(secrets).toHaveLength(1);
      expect(secrets[0]).toMatchObject({
        metadata: { name: `${NAME}-serving-tls`, namespace: NS },
        type: 'Opaque',
      });
      expect(secrets[0]).not.toHaveProperty('data');
      expect(clientConfigs(objects).map((c) => c.caBundle)).toEqual([undefined, undefined]);
      expect(tlsVolumeSecret(objects)).toBeUndefined();
    });

    it('returns serve flags for that Secret, its Lease, both configurations and the Service names', async () => {
      const args = containerArgs(await render());
      const settings = parseServeArgs(args.slice(1), { KUBERNETES_SERVICE_HOST: '10.0.0.1' });
      expect(settings).toMatchObject({
        selfManagedTls: {
          secretName: `${NAME}-serving-tls`,
          leaseName: `${NAME}-tls`,
          validatingWebhook: NAME,
          mutatingWebhook: NAME,
          caValidityMs: 8760 * 3_600_000,
          certValidityMs: 2160 * 3_600_000,
          overlapMs: 600_000,
        },
      });
      expect(settings.tlsDnsNames).toEqual(
        expect.arrayContaining([
          NAME,
          `${NAME}.${NS}`,
          `${NAME}.${NS}.svc`,
          `${NAME}.${NS}.svc.cluster.local`,
        ]),
      );
      expect(settings).not.toHaveProperty('tlsCert');
    });

    it('returns no mutating configuration flag when the mutating webhook is off', async () => {
      const args = containerArgs(await render({ 'webhook.mutating.enabled': 'false' }));
      expect(args.filter((a) => a.includes('-webhook='))).toEqual([
        `--tls-validating-webhook=${NAME}`,
      ]);
    });

    it('throws for a validity that is not one number and unit (what serve reads)', async () => {
      await expect(render({ 'tls.selfManaged.overlap': '1h30m' })).rejects.toThrow(
        "at '/tls/selfManaged/overlap'",
      );
    });
  });

  describe('when the chart generates the certificates (tls.mode generated)', () => {
    it('returns a serving certificate for the Service names, signed by the caBundle CA', async () => {
      const objects = await render(GENERATED);
      const tls = secretData(objects, `${NAME}-tls`);
      const ca = secretData(objects, `${NAME}-ca`);
      const leaf = new X509Certificate(tls['tls.crt']!);
      const root = new X509Certificate(ca['tls.crt']!);
      expect(leaf.subjectAltName).toBe(
        [NAME, `${NAME}.${NS}`, `${NAME}.${NS}.svc`, `${NAME}.${NS}.svc.cluster.local`]
          .map((n) => `DNS:${n}`)
          .join(', '),
      );
      expect(leaf.checkHost(`${NAME}.${NS}.svc`)).toBe(`${NAME}.${NS}.svc`);
      expect(leaf.verify(root.publicKey)).toBe(true);
      expect(root.ca).toBe(true);
      expect(leaf.ca).toBe(false);
      expect(tls['ca.crt']).toBe(ca['tls.crt']);
      expect(tlsVolumeSecret(objects)).toBe(`${NAME}-tls`);
      const bundles = clientConfigs(objects).map((c) => c.caBundle);
      expect(bundles).toEqual(
        [ca['tls.crt'], ca['tls.crt']].map((p) => Buffer.from(p!).toString('base64')),
      );
    });

    it('returns the validity the values ask for (730 days leaf, 3650 days CA)', async () => {
      const objects = await render(GENERATED);
      const days = (pem: string): number => {
        const cert = new X509Certificate(pem);
        return Math.round((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000);
      };
      expect(days(secretData(objects, `${NAME}-tls`)['tls.crt']!)).toBe(730);
      expect(days(secretData(objects, `${NAME}-ca`)['tls.crt']!)).toBe(3650);
    });
  });

  describe('when cert-manager issues the certificates', () => {
    it('returns a CA chain, a serving Certificate and inject-ca-from on both configurations', async () => {
      const objects = await render({ 'tls.mode': 'cert-manager' });
      expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
      const certs = objects.filter((o) => o.kind === 'Certificate');
      expect(certs.map((c) => c.metadata.name)).toEqual([`${NAME}-ca`, `${NAME}-tls`]);
      expect(certs[1]!['spec']).toMatchObject({
        secretName: `${NAME}-tls`,
        dnsNames: [NAME, `${NAME}.${NS}`, `${NAME}.${NS}.svc`, `${NAME}.${NS}.svc.cluster.local`],
        issuerRef: { name: `${NAME}-ca`, kind: 'Issuer', group: 'cert-manager.io' },
      });
      expect(objects.filter((o) => o.kind === 'Issuer').map((o) => o.metadata.name)).toEqual([
        `${NAME}-selfsigned`,
        `${NAME}-ca`,
      ]);
      const configs = live(objects).filter((o) => o.kind.endsWith('WebhookConfiguration'));
      expect(configs.map((c) => c.metadata.annotations)).toEqual([
        { 'cert-manager.io/inject-ca-from': `${NS}/${NAME}-tls` },
        { 'cert-manager.io/inject-ca-from': `${NS}/${NAME}-tls` },
      ]);
      expect(clientConfigs(objects).map((c) => c.caBundle)).toEqual([undefined, undefined]);
      expect(tlsVolumeSecret(objects)).toBe(`${NAME}-tls`);
    });

    it('returns only the serving Certificate when an issuer is given', async () => {
      const objects = await render({
        'tls.mode': 'cert-manager',
        'tls.certManager.issuerRef.name': 'corp-ca',
        'tls.certManager.issuerRef.kind': 'ClusterIssuer',
      });
      expect(objects.filter((o) => o.kind === 'Issuer')).toEqual([]);
      const certs = objects.filter((o) => o.kind === 'Certificate');
      expect(certs.map((c) => (c['spec'] as { issuerRef: unknown }).issuerRef)).toEqual([
        { name: 'corp-ca', kind: 'ClusterIssuer' },
      ]);
    });
  });

  describe('when the user provides the Secret (manual)', () => {
    it('returns their Secret in the pod and their CA in both caBundles', async () => {
      const objects = await render({
        'tls.mode': 'manual',
        'tls.existingSecret': 'my-tls',
        'tls.caBundle': PEM,
      });
      expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
      expect(tlsVolumeSecret(objects)).toBe('my-tls');
      const b64 = Buffer.from(PEM).toString('base64');
      expect(clientConfigs(objects).map((c) => c.caBundle)).toEqual([b64, b64]);
    });

    it('throws without the CA', async () => {
      await expect(render({ 'tls.mode': 'manual', 'tls.existingSecret': 'x' })).rejects.toThrow(
        'tls.mode manual needs tls.caBundle',
      );
    });
  });

  describe('when the webhook runs out of the cluster (webhook.url)', () => {
    it('returns URL clientConfigs with the given CA, and no workload or TLS objects', async () => {
      const objects = await render({
        'webhook.url': 'https://127.0.0.1:9443',
        'tls.caBundle': PEM,
      });
      const b64 = Buffer.from(PEM).toString('base64');
      expect(clientConfigs(objects)).toEqual([
        { url: 'https://127.0.0.1:9443/mutate', caBundle: b64 },
        { url: 'https://127.0.0.1:9443/validate', caBundle: b64 },
      ]);
      const kinds = objects.map((o) => o.kind);
      for (const kind of [
        'Deployment',
        'Service',
        'Secret',
        'PodDisruptionBudget',
        'NetworkPolicy',
      ])
        expect(kinds).not.toContain(kind);
      expect(kinds).toContain('ClusterRole');
    });

    it('returns URL clientConfigs without caBundle and the Secret, with self-managed TLS', async () => {
      const objects = await render({ 'webhook.url': 'https://127.0.0.1:9443' });
      expect(clientConfigs(objects)).toEqual([
        { url: 'https://127.0.0.1:9443/mutate' },
        { url: 'https://127.0.0.1:9443/validate' },
      ]);
      const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`);
      expect(kinds).toContain(`Secret/${NAME}-serving-tls`);
      expect(kinds.filter((k) => k.startsWith('Deployment/'))).toEqual([]);
    });

    it.each([
      [{ 'webhook.url': 'https://127.0.0.1:9443', ...GENERATED }, 'webhook.url needs tls.caBundle'],
      [{ 'webhook.url': 'http://127.0.0.1:9443', 'tls.caBundle': PEM }, "at '/webhook/url'"],
    ])('throws for %j', async (values, message) => {
      await expect(render(values)).rejects.toThrow(message);
    });
  });
});
