// The image's program (the esbuild bundle, docs/adr/0009) with `--cloud-credentials ecr`: the AWS
// SDK, bundled into chunks loaded on first use, takes the pod's web identity to STS and ECR (a
// local AWS) and the registry admits the signed image with the password it returns. The other
// cloud tests run src/ in process; this one proves the shipped artifact carries the SDK whole.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkdir } from '../../harness/workdir.js';
import { imageApp, startBundleServe, type BundleServe } from '../../support/bundle.js';
import { startFakeAws, type FakeAws } from '../../support/clouds/aws.js';
import { writeToken } from '../../support/clouds/identity-token.js';
import { startCloudWorld, type CloudWorld } from './world.js';

const ROLE = 'arn:aws:iam::123456789012:role/ecr-reader';
const SUBJECT = 'system:serviceaccount:notary-system:notary-admission';

let world: CloudWorld;
let aws: FakeAws;
let serve: BundleServe | undefined;

beforeAll(async () => {
  const password = randomBytes(24).toString('base64url');
  [world, aws] = await Promise.all([
    startCloudWorld({ auth: 'basic', username: 'AWS', password }),
    startFakeAws({ roleArn: ROLE, subject: SUBJECT, ecrPassword: password }),
  ]);
});
afterAll(async () => {
  serve?.close();
  await aws?.stop();
  await world?.stop();
});

describe('the bundle with --cloud-credentials ecr', () => {
  it('admits the signed image with the password ECR gave for the pod’s web identity', async () => {
    const { cli } = await imageApp();
    const dir = makeWorkdir('bundle-ecr');
    const store = path.join(dir, 'truststore', 'x509', 'ca', 'trusted');
    mkdirSync(store, { recursive: true });
    (world.trustStores.ca?.['trusted'] ?? []).forEach((pem, i) =>
      writeFileSync(path.join(store, `${i}.crt`), pem),
    );
    writeFileSync(path.join(dir, 'trustpolicy.json'), JSON.stringify(world.trustPolicy));
    const token = path.join(dir, 'token');
    await writeToken(token, SUBJECT, 3600);
    serve = await startBundleServe(
      cli,
      dir,
      [
        ...['--trust-policy', path.join(dir, 'trustpolicy.json')],
        ...['--trust-store', path.join(dir, 'truststore'), '--allow-private-network', 'all'],
        ...['--insecure-registry', world.registry.host, '--cloud-credentials', 'ecr'],
        ...['--cloud-registry-host', `ecr=${world.registry.host}`],
      ],
      {
        PATH: process.env['PATH'] ?? '',
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL_ECR: aws.url,
        AWS_ENDPOINT_URL_STS: aws.url,
        AWS_ROLE_ARN: ROLE,
        AWS_WEB_IDENTITY_TOKEN_FILE: token,
      },
    );
    const before = { ...aws.calls };
    const answer = await serve.review(world.image.reference);
    expect(answer.allowed, `${answer.message}\n${serve.output()}`).toBe(true);
    expect(aws.calls.sts - before.sts).toBe(1);
    expect(aws.calls.ecr - before.ecr).toBe(1);
    expect(serve.output()).not.toMatch(/Cannot find (module|package)|ERR_MODULE_NOT_FOUND/);
  });
});
