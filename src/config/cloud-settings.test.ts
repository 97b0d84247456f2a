import { describe, expect, it } from 'vitest';
import { parseServeArgs } from './args.js';

const serve = (flags: string[], env: Record<string, string> = {}) =>
  parseServeArgs(['--trust-policy', 'p.json', '--trust-store', 'ts', ...flags], env);

/** What `serve` throws for these flags and environment. */
const refusal = (flags: string[], env: Record<string, string> = {}): unknown => {
  try {
    serve(flags, env);
  } catch (err) {
    return err;
  }
  return undefined;
};

const IRSA = {
  AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/r',
  AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
};
const AZURE = {
  AZURE_CLIENT_ID: 'c',
  AZURE_TENANT_ID: 't',
  AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token',
  AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.com/',
};

describe('--cloud-credentials', () => {
  describe('when not given', () => {
    it('returns no cloud credentials, whatever the environment holds', () => {
      expect(serve([], { ...IRSA, ...AZURE }).cloudCredentials).toBeUndefined();
    });
  });

  describe('when ecr is given with IRSA', () => {
    it('returns the web identity and the endpoint overrides from the environment', () => {
      const s = serve(['--cloud-credentials', 'ecr'], {
        ...IRSA,
        AWS_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL_ECR: 'http://127.0.0.1:4566/',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4567',
      });
      expect(s.cloudCredentials).toEqual({
        ecr: {
          hosts: [],
          region: 'eu-west-1',
          identity: {
            kind: 'web-identity',
            roleArn: IRSA.AWS_ROLE_ARN,
            tokenFile: IRSA.AWS_WEB_IDENTITY_TOKEN_FILE,
          },
          ecrEndpoint: 'http://127.0.0.1:4566',
          stsEndpoint: 'http://127.0.0.1:4567',
        },
      });
    });
  });

  describe('when ecr is given with EKS Pod Identity', () => {
    it('returns the agent endpoint and its token file', () => {
      const s = serve(['--cloud-credentials=ecr'], {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE:
          '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token',
      });
      expect(s.cloudCredentials?.ecr?.identity).toEqual({
        kind: 'pod-identity',
        credentialsUri: 'http://169.254.170.23/v1/credentials',
        tokenFile: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token',
      });
    });
  });

  describe('when ecr is given without an identity in the environment', () => {
    it('throws CONFIG_INVALID naming the variables IRSA and Pod Identity set', () => {
      expect(refusal(['--cloud-credentials', 'ecr'])).toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE') as unknown,
      });
    });
  });

  describe('when acr and gcp are given', () => {
    it('returns the workload identity and the default metadata server', () => {
      const s = serve(['--cloud-credentials', 'acr', '--cloud-credentials', 'gcp'], AZURE);
      expect(s.cloudCredentials).toEqual({
        acr: {
          hosts: [],
          clientId: 'c',
          tenantId: 't',
          tokenFile: AZURE.AZURE_FEDERATED_TOKEN_FILE,
          authorityHost: 'https://login.microsoftonline.com',
        },
        gcp: { hosts: [], metadataHost: '169.254.169.254' },
      });
    });
  });

  describe('when AZURE_AUTHORITY_HOST is not https', () => {
    it('throws CONFIG_INVALID', () => {
      expect(
        refusal(['--cloud-credentials', 'acr'], {
          ...AZURE,
          AZURE_AUTHORITY_HOST: 'http://login.example',
        }),
      ).toMatchObject({ code: 'CONFIG_INVALID' });
    });
  });

  describe('when a provider is unknown', () => {
    it('throws FLAG_INVALID', () => {
      expect(refusal(['--cloud-credentials', 'oci'])).toMatchObject({ code: 'FLAG_INVALID' });
    });
  });

  describe('--cloud-registry-host', () => {
    it('returns the hosts in normal form for their provider', () => {
      const s = serve(
        ['--cloud-credentials', 'gcp', '--cloud-registry-host', 'gcp=Registry.Internal:443'],
        { GCE_METADATA_HOST: '127.0.0.1:8080' },
      );
      expect(s.cloudCredentials?.gcp).toEqual({
        hosts: ['registry.internal'],
        metadataHost: '127.0.0.1:8080',
      });
    });

    describe('when its provider is not enabled', () => {
      it('throws FLAG_INVALID', () => {
        expect(
          refusal(['--cloud-credentials', 'gcp', '--cloud-registry-host', 'ecr=registry.internal']),
        ).toMatchObject({
          code: 'FLAG_INVALID',
          message: expect.stringContaining('ecr is not in --cloud-credentials') as unknown,
        });
      });
    });

    describe('when ECR hosts are given without a region', () => {
      it('throws CONFIG_INVALID asking for AWS_REGION', () => {
        expect(
          refusal(
            ['--cloud-credentials', 'ecr', '--cloud-registry-host', 'ecr=registry.internal'],
            IRSA,
          ),
        ).toMatchObject({ message: expect.stringContaining('AWS_REGION') as unknown });
      });
    });
  });
});
