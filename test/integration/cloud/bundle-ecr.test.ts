// The image's program (the esbuild bundle, docs/adr/0009) with `--cloud-credentials ecr`: the AWS
// SDK, bundled into chunks loaded on first use, takes the pod's web identity to STS and ECR (a
// local AWS) and the registry admits the signed image with the password it returns. The other
// cloud tests run src/ in process; this one proves the shipped artifact carries the SDK whole.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../harness/http.js';
import { makeWorkdir } from '../../harness/workdir.js';
import { imageApp } from '../../support/bundle.js';
import { startFakeAws, type FakeAws } from '../../support/clouds/aws.js';
import { writeToken } from '../../support/clouds/identity-token.js';
import { podReview } from '../../support/reviews.js';
import { eventually } from '../kube/cluster.js';
import { startCloudWorld, type CloudWorld } from './world.js';

const ROLE = 'arn:aws:iam::123456789012:role/ecr-reader';
const SUBJECT = 'system:serviceaccount:notary-system:notary-admission';

let world: CloudWorld;
let aws: FakeAws;
let child: ChildProcess | undefined;

beforeAll(async () => {
  const password = randomBytes(24).toString('base64url');
  [world, aws] = await Promise.all([
    startCloudWorld({ auth: 'basic', username: 'AWS', password }),
    startFakeAws({ roleArn: ROLE, subject: SUBJECT, ecrPassword: password }),
  ]);
});
afterAll(async () => {
  child?.kill('SIGKILL');
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
    let output = '';
    child = spawn(
      process.execPath,
      [cli, 'serve', '--port', '0', '--metrics-port', 'off', '--log-level', 'warn']
        .concat(['--tls-dir', path.join(dir, 'tls'), '--drain-delay', '0s'])
        .concat(['--trust-policy', path.join(dir, 'trustpolicy.json')])
        .concat(['--trust-store', path.join(dir, 'truststore'), '--allow-private-network', 'all'])
        .concat(['--insecure-registry', world.registry.host, '--cloud-credentials', 'ecr'])
        .concat(['--cloud-registry-host', `ecr=${world.registry.host}`]),
      {
        env: {
          PATH: process.env['PATH'] ?? '',
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL_ECR: aws.url,
          AWS_ENDPOINT_URL_STS: aws.url,
          AWS_ROLE_ARN: ROLE,
          AWS_WEB_IDENTITY_TOKEN_FILE: token,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    const url = await eventually(
      'the Webhook line',
      () => /^Webhook: (https:\/\/\S+) /m.exec(output)?.[1],
      30_000,
    );
    const before = { ...aws.calls };
    const res = await httpRequest(`${url}/validate?timeout=10s`, {
      ca: readFileSync(path.join(dir, 'tls', 'ca.crt')),
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(podReview({ images: [world.image.reference] })),
    });
    const response = (
      JSON.parse(res.body.toString('utf8')) as {
        response: { allowed: boolean; status?: { message?: string } };
      }
    ).response;
    expect(response.allowed, `${response.status?.message ?? ''}\n${output}`).toBe(true);
    expect(aws.calls.sts - before.sts).toBe(1);
    expect(aws.calls.ecr - before.ecr).toBe(1);
    expect(output).not.toMatch(/Cannot find (module|package)|ERR_MODULE_NOT_FOUND/);
  });
});
