// Issue 19 item 2, Azure Container Registry: the pod's workload identity token →
// Entra ID (@azure/identity's WorkloadIdentityCredential, at AZURE_AUTHORITY_HOST: a local Entra
// over HTTPS) → the registry's /oauth2/exchange → its refresh token as the password of
// 00000000-0000-0000-0000-000000000000 at the registry's /oauth2/token. The harness registry's
// token server accepts only that refresh token.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkdir } from '../../harness/workdir.js';
import {
  acrExchange,
  acrRefreshToken,
  startFakeEntra,
  type FakeEntra,
} from '../../support/clouds/azure.js';
import { writeToken } from '../../support/clouds/identity-token.js';
import { startRegistryFront, type RegistryFront } from '../../support/clouds/registry-front.js';
import { startTestService, type TestService } from '../../support/service.js';
import { expectRefreshAhead, reviewAt, startCloudWorld, type CloudWorld } from './world.js';

const TENANT = randomUUID();
const CLIENT = randomUUID();
const SUBJECT = 'system:serviceaccount:notary-system:notary-admission';

let world: CloudWorld;
let entra: FakeEntra;
let front: RegistryFront;
let dir: string;
const exchanges = { exchange: 0 };
const services: TestService[] = [];

beforeAll(async () => {
  const refresh = acrRefreshToken();
  [world, entra] = await Promise.all([
    startCloudWorld({
      auth: 'bearer',
      username: '00000000-0000-0000-0000-000000000000',
      password: refresh,
    }),
    startFakeEntra({ tenantId: TENANT, clientId: CLIENT, subject: SUBJECT }),
  ]);
  front = await startRegistryFront(world.registry, '/oauth2/token', {
    '/oauth2/exchange': acrExchange(entra, refresh, exchanges),
  });
  dir = makeWorkdir('cloud-acr');
});
afterAll(async () => {
  await Promise.allSettled(services.map((s) => s.close()));
  await front?.stop();
  await entra?.stop();
  await world?.stop();
});

/** `serve --cloud-credentials acr` with what the workload identity webhook injects. */
async function serve(
  tokenFile: string,
  o: { now?: () => number; flags?: string[] } = {},
): Promise<TestService> {
  const svc = await startTestService({
    trustPolicy: world.trustPolicy,
    trustStores: world.trustStores,
    flags: [
      '--insecure-registry',
      front.host,
      '--cloud-credentials',
      'acr',
      // The front stands for <name>.azurecr.io.
      '--cloud-registry-host',
      `acr=${front.host}`,
      ...(o.flags ?? []),
    ],
    env: {
      AZURE_CLIENT_ID: CLIENT,
      AZURE_TENANT_ID: TENANT,
      AZURE_FEDERATED_TOKEN_FILE: tokenFile,
      AZURE_AUTHORITY_HOST: entra.url,
    },
    overrides: { cloudCa: entra.ca, ...(o.now && { now: o.now }) },
  });
  services.push(svc);
  return svc;
}

describe('ACR credentials from workload identity', () => {
  describe('when the projected token is valid', () => {
    it('admits the signed image with the refresh token the exchange gave', async () => {
      const file = path.join(dir, 'azure-token');
      await writeToken(file, SUBJECT, 3600);
      const before = exchanges.exchange;
      const r = await reviewAt(await serve(file), front.host, world.image);
      expect(r.kind).toBe('admitted');
      expect(r.audit).toMatch(/: verified sha256:/);
      expect(exchanges.exchange - before).toBe(1);
    });
  });

  // The refresh token lives 3 h (its JWT `exp`, which src/cloud/acr.ts caps at 3 h from the
  // exchange): it is refreshed once 80% of that, 2.4 h, has passed.
  describe('when 80% of the ACR refresh token’s 3 hours have passed (clock moved)', () => {
    it('exchanges for a new one ahead of expiry, admitting with the token in hand meanwhile', async () => {
      const file = path.join(dir, 'azure-token-refresh');
      await writeToken(file, SUBJECT, 3600);
      const clock = { offset: 0 };
      const now = () => Date.now() + clock.offset;
      const svc = await serve(file, { now, flags: ['--no-cache'] });
      const before = exchanges.exchange;
      await expectRefreshAhead(
        () => reviewAt(svc, front.host, world.image),
        clock,
        () => exchanges.exchange - before,
        { fresh: 2 * 3600_000, stale: 2.5 * 3600_000 },
      );
    });
  });

  describe('when the projected token file is missing', () => {
    it('denies as inconclusive with ACR_CREDENTIALS_UNAVAILABLE', async () => {
      const file = path.join(dir, 'no-such-token');
      const r = await reviewAt(await serve(file), front.host, world.image);
      expect(r.kind).toBe('denied');
      expect(r.audit).toMatch(/: inconclusive, denied \[ACR_CREDENTIALS_UNAVAILABLE\]$/);
      expect(r.message).toContain(
        `ACR registry credentials unavailable: AuthenticationRequiredError: ENOENT: no such file or directory, open '${file}' [ACR_CREDENTIALS_UNAVAILABLE]`,
      );
    });
  });

  describe('when the projected token has expired', () => {
    it('denies as inconclusive with ACR_CREDENTIALS_UNAVAILABLE, saying Entra ID refused it', async () => {
      const file = path.join(dir, 'azure-expired');
      await writeToken(file, SUBJECT, -60);
      const r = await reviewAt(await serve(file), front.host, world.image);
      expect(r.kind).toBe('denied');
      expect(r.audit).toMatch(/: inconclusive, denied \[ACR_CREDENTIALS_UNAVAILABLE\]$/);
      expect(r.message).toContain('AADSTS700024');
    });
  });
});
