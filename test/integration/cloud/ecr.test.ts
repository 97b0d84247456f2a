// Issue 19 item 2, Amazon ECR: the pod's web identity (IRSA) or EKS Pod Identity → STS or the
// agent → ECR GetAuthorizationToken (AWS SDK v3, pointed at a local AWS by AWS_ENDPOINT_URL_*)
// → `AWS:<password>`, the only credentials the harness registry accepts. Through the real HTTPS
// service: a signed image is admitted; without the identity token, or with an expired one, the
// review is inconclusive with ECR_CREDENTIALS_UNAVAILABLE.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeWorkdir } from '../../harness/workdir.js';
import { startFakeAws, type FakeAws } from '../../support/clouds/aws.js';
import { writeToken } from '../../support/clouds/identity-token.js';
import { startTestService, type TestService } from '../../support/service.js';
import { reviewAt, startCloudWorld, type CloudWorld } from './world.js';

const ROLE = 'arn:aws:iam::123456789012:role/ecr-reader';
const SUBJECT = 'system:serviceaccount:notary-system:notary-admission';

let world: CloudWorld;
let aws: FakeAws;
let dir: string;
const services: TestService[] = [];

beforeAll(async () => {
  const password = randomBytes(24).toString('base64url');
  [world, aws] = await Promise.all([
    startCloudWorld({ auth: 'basic', username: 'AWS', password }),
    startFakeAws({ roleArn: ROLE, subject: SUBJECT, ecrPassword: password }),
  ]);
  dir = makeWorkdir('cloud-ecr');
});
afterAll(async () => {
  await Promise.allSettled(services.map((s) => s.close()));
  await aws?.stop();
  await world?.stop();
});

/** `serve --cloud-credentials ecr` with the variables the EKS webhooks inject. */
async function serve(
  env: Record<string, string>,
  o: { now?: () => number; flags?: string[] } = {},
): Promise<TestService> {
  const svc = await startTestService({
    ...(o.now && { overrides: { now: o.now } }),
    trustPolicy: world.trustPolicy,
    trustStores: world.trustStores,
    flags: [
      '--insecure-registry',
      world.registry.host,
      '--cloud-credentials',
      'ecr',
      // The harness registry stands for <account>.dkr.ecr.us-east-1.amazonaws.com.
      '--cloud-registry-host',
      `ecr=${world.registry.host}`,
      ...(o.flags ?? []),
    ],
    env: {
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_ECR: aws.url,
      AWS_ENDPOINT_URL_STS: aws.url,
      ...env,
    },
  });
  services.push(svc);
  return svc;
}

const irsa = (tokenFile: string) => ({
  AWS_ROLE_ARN: ROLE,
  AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
});

describe('ECR credentials from IRSA (web identity)', () => {
  describe('when the projected token is valid', () => {
    it('admits the signed image with the token GetAuthorizationToken gave', async () => {
      const file = path.join(dir, 'irsa-token');
      await writeToken(file, SUBJECT, 3600);
      const before = { ...aws.calls };
      const svc = await serve(irsa(file));
      const r = await reviewAt(svc, world.registry.host, world.image);
      expect(r.kind).toBe('admitted');
      expect(r.audit).toMatch(/: verified sha256:/);
      expect(aws.calls.sts - before.sts).toBe(1);
      expect(aws.calls.ecr - before.ecr).toBe(1);
    });
  });

  describe('when 80% of the ECR token’s 12 hours have passed (clock moved)', () => {
    it('refreshes it ahead of expiry, admitting with the token in hand meanwhile', async () => {
      const file = path.join(dir, 'irsa-token-refresh');
      await writeToken(file, SUBJECT, 3600);
      const clock = { offset: 0 };
      const now = () => Date.now() + clock.offset;
      const svc = await serve(irsa(file), { now, flags: ['--no-cache'] });
      const before = aws.calls.ecr;
      expect((await reviewAt(svc, world.registry.host, world.image)).kind).toBe('admitted');
      clock.offset = 9 * 3600_000;
      expect((await reviewAt(svc, world.registry.host, world.image)).kind).toBe('admitted');
      expect(aws.calls.ecr - before).toBe(1);
      clock.offset = 10 * 3600_000;
      expect((await reviewAt(svc, world.registry.host, world.image)).kind).toBe('admitted');
      await vi.waitFor(() => expect(aws.calls.ecr - before).toBe(2));
    });
  });

  describe('when the projected token file is missing', () => {
    it('denies as inconclusive with ECR_CREDENTIALS_UNAVAILABLE, naming the file', async () => {
      const file = path.join(dir, 'no-such-token');
      const svc = await serve(irsa(file));
      const r = await reviewAt(svc, world.registry.host, world.image);
      expect(r.kind).toBe('denied');
      expect(r.audit).toMatch(/: inconclusive, denied \[ECR_CREDENTIALS_UNAVAILABLE\]$/);
      expect(r.message).toContain(
        `could not verify under policy "cloud" — ECR registry credentials unavailable: ENOENT: no such file or directory, open '${file}' [ECR_CREDENTIALS_UNAVAILABLE]`,
      );
    });
  });

  describe('when the projected token has expired', () => {
    it('denies as inconclusive with ECR_CREDENTIALS_UNAVAILABLE, saying STS refused it', async () => {
      const file = path.join(dir, 'expired-token');
      await writeToken(file, SUBJECT, -60);
      const svc = await serve(irsa(file));
      const r = await reviewAt(svc, world.registry.host, world.image);
      expect(r.kind).toBe('denied');
      expect(r.audit).toMatch(/: inconclusive, denied \[ECR_CREDENTIALS_UNAVAILABLE\]$/);
      expect(r.message).toContain(
        'ECR registry credentials unavailable: ExpiredTokenException: Token expired [ECR_CREDENTIALS_UNAVAILABLE]',
      );
    });
  });
});

describe('ECR credentials from EKS Pod Identity', () => {
  const podIdentity = (tokenFile: string) => ({
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${aws.url}/v1/credentials`,
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
  });

  describe('when the projected token is valid', () => {
    it('admits the signed image', async () => {
      const file = path.join(dir, 'pod-identity-token');
      await writeToken(file, SUBJECT, 3600);
      const before = aws.calls.podIdentity;
      const svc = await serve(podIdentity(file));
      const r = await reviewAt(svc, world.registry.host, world.image);
      expect(r.kind).toBe('admitted');
      expect(aws.calls.podIdentity - before).toBe(1);
    });
  });

  describe('when the projected token has expired', () => {
    it('denies as inconclusive with ECR_CREDENTIALS_UNAVAILABLE', async () => {
      const file = path.join(dir, 'pod-identity-expired');
      await writeToken(file, SUBJECT, -60);
      const svc = await serve(podIdentity(file));
      const r = await reviewAt(svc, world.registry.host, world.image);
      expect(r.kind).toBe('denied');
      expect(r.audit).toMatch(/: inconclusive, denied \[ECR_CREDENTIALS_UNAVAILABLE\]$/);
      expect(r.message).toContain(
        'ECR registry credentials unavailable: CredentialsProviderError: Server responded with status: 401 [ECR_CREDENTIALS_UNAVAILABLE]',
      );
    });
  });
});
