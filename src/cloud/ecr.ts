// Amazon ECR: the pod's web identity (IRSA: a projected token exchanged at STS's
// AssumeRoleWithWebIdentity) or EKS Pod Identity (the agent's credentials endpoint) signs ECR's
// GetAuthorizationToken, whose token is `AWS:<password>` for 12 hours. The AWS SDK for
// JavaScript v3 does every AWS call (SigV4, STS, the endpoints); it is loaded on first use only.
import type { AuthorizationData, ECRClient, ECRClientConfig } from '@aws-sdk/client-ecr';
import type { FromHttpOptions } from '@aws-sdk/credential-provider-http';
import type { FromTokenFileInit } from '@aws-sdk/credential-provider-web-identity';
import type { EcrSettings } from '../config/index.js';
import type { ProvidedCredentials, RegistryCredentialProvider } from '../registry/index.js';
import { CredentialCache } from './cache.js';
import { ecrRegistry, isAwsRegion } from './hosts.js';
import type { ProviderOptions } from './options.js';

/** ECR clients kept (regions in use: a cluster pulls from a few). */
const MAX_CLIENTS = 16;

/** Each SDK call's own limits, inside the cache's 30 s for a whole fetch. */
const REQUEST_HANDLER = { connectionTimeout: 5_000, requestTimeout: 10_000 };

type AwsCredentials = NonNullable<ECRClientConfig['credentials']>;

/** Where the token is asked: the registry's region, FIPS where its host is. */
interface Target {
  region: string;
  fips: boolean;
}

function identityProvider(settings: EcrSettings, region: string): Promise<AwsCredentials> {
  const id = settings.identity;
  if (id.kind === 'pod-identity') {
    const init: FromHttpOptions = {
      awsContainerCredentialsFullUri: id.credentialsUri,
      awsContainerAuthorizationTokenFile: id.tokenFile,
      // The SDK's defaults: 1 s per attempt, and as long between them (a review waits for it).
      timeout: 1_000,
      maxRetries: 1,
    };
    return import('@aws-sdk/credential-provider-http').then(({ fromHttp }) => fromHttp(init));
  }
  // STS in the region given (AWS_REGION), else the registry's; its endpoint as configured.
  const init: FromTokenFileInit = {
    webIdentityTokenFile: id.tokenFile,
    roleArn: id.roleArn,
    roleSessionName: id.sessionName ?? 'notary-admission',
    clientConfig: {
      region: settings.region ?? region,
      maxAttempts: 2,
      requestHandler: REQUEST_HANDLER,
      ...(settings.stsEndpoint !== undefined && { endpoint: settings.stsEndpoint }),
    },
  };
  return import('@aws-sdk/credential-provider-web-identity').then(({ fromTokenFile }) =>
    fromTokenFile(init),
  );
}

/** `AWS:<password>` (base64) from the first authorizationData. */
function decode(data: AuthorizationData | undefined): ProvidedCredentials {
  const text = Buffer.from(data?.authorizationToken ?? '', 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0 || !(data?.expiresAt instanceof Date))
    throw new Error('GetAuthorizationToken answered without a token or its expiry');
  return {
    username: text.slice(0, colon),
    password: text.slice(colon + 1),
    expiresAt: data.expiresAt.getTime(),
  };
}

export function createEcrProvider(
  settings: EcrSettings,
  options: ProviderOptions,
): RegistryCredentialProvider {
  const extra = new Set(settings.hosts);
  const cache = new CredentialCache({
    code: 'ECR_CREDENTIALS_UNAVAILABLE',
    label: 'ECR',
    now: options.now,
    onRefreshError: (key, err) => options.onRefreshError?.('ecr', key, err),
  });
  // One identity (the SDK memoizes what it yields per client) and one client per region.
  let identity: Promise<AwsCredentials> | undefined;
  const clients = new Map<string, Promise<ECRClient>>();

  const target = (registry: string): Target | undefined => {
    if (extra.has(registry)) return { region: settings.region!, fips: false };
    const ecr = ecrRegistry(registry);
    return ecr && isAwsRegion(ecr.region) ? { region: ecr.region, fips: ecr.fips } : undefined;
  };

  const client = (t: Target): Promise<ECRClient> => {
    const key = `${t.region}/${t.fips}`;
    let made = clients.get(key);
    if (made) {
      clients.delete(key);
      clients.set(key, made);
    } else {
      identity ??= identityProvider(settings, t.region);
      made = Promise.all([import('@aws-sdk/client-ecr'), identity]).then(
        ([{ ECRClient: Client }, credentials]) => {
          const config: ECRClientConfig = {
            region: t.region,
            credentials,
            useFipsEndpoint: t.fips,
            maxAttempts: 2,
            requestHandler: REQUEST_HANDLER,
            ...(settings.ecrEndpoint !== undefined && { endpoint: settings.ecrEndpoint }),
          };
          return new Client(config);
        },
      );
      // A region name is a pattern, not a closed set (a Pod spec may name any): an LRU, the
      // clients it forgets destroyed (their sockets closed).
      clients.set(key, made);
      made.catch(() => clients.delete(key));
      for (const [old, evicted] of clients) {
        if (clients.size <= MAX_CLIENTS) break;
        clients.delete(old);
        evicted.then(
          (c) => c.destroy(),
          () => undefined,
        );
      }
    }
    return made;
  };

  const fetchToken = async (t: Target, signal: AbortSignal): Promise<ProvidedCredentials> => {
    const { GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
    const ecr = await client(t);
    const out = await ecr.send(new GetAuthorizationTokenCommand({}), { abortSignal: signal });
    return decode(out.authorizationData?.[0]);
  };

  return {
    name: 'ecr',
    matches: (registry) => target(registry) !== undefined,
    credentials: (registry, { signal }) => {
      const t = target(registry);
      if (!t) throw new TypeError(`${registry} is not an ECR registry`);
      // The token serves every registry of the region that the role may pull from.
      return cache.get(`${t.region}/${t.fips}`, signal, (s) => fetchToken(t, s));
    },
  };
}
