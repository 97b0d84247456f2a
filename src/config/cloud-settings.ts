// Registry credentials from the cloud's workload identity (issue 19 item 2), for `serve` only:
// `--cloud-credentials ecr,acr,gcp` turns a provider on; what it needs comes from the variables
// the clouds' own admission webhooks inject into the pod (IRSA, EKS Pod Identity, Azure Workload
// Identity) and the endpoint overrides their SDKs document, read here and nowhere else.
import path from 'node:path';
import { ConfigError } from './errors.js';
import type { Env } from './notation-dir.js';
import { each, str, type FlagSpec, type Layers } from './sources.js';
import { BadValue, parseChoice, parseKeyValue, parseRegistryHost } from './values.js';

export type CloudProviderName = 'ecr' | 'acr' | 'gcp';
export const CLOUD_PROVIDERS: readonly CloudProviderName[] = ['ecr', 'acr', 'gcp'];

/** IRSA (a projected token exchanged at STS) or EKS Pod Identity (the agent's endpoint). */
export type AwsIdentity =
  | { kind: 'web-identity'; roleArn: string; tokenFile: string; sessionName?: string }
  | { kind: 'pod-identity'; credentialsUri: string; tokenFile: string };

export interface EcrSettings {
  /** Registry hosts served besides ECR's own names (normal form): tests, private DNS names. */
  hosts: string[];
  /** `AWS_REGION` (else `AWS_DEFAULT_REGION`): STS's region, and the region of `hosts`. */
  region?: string;
  identity: AwsIdentity;
  /** `AWS_ENDPOINT_URL_ECR` (else `AWS_ENDPOINT_URL`): the ECR API instead of the region's. */
  ecrEndpoint?: string;
  /** `AWS_ENDPOINT_URL_STS` (else `AWS_ENDPOINT_URL`). */
  stsEndpoint?: string;
}

export interface AcrSettings {
  hosts: string[];
  /** `AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE` (the webhook sets them). */
  clientId: string;
  tenantId: string;
  tokenFile: string;
  /** `AZURE_AUTHORITY_HOST`: Entra ID's host of a sovereign cloud (https). */
  authorityHost?: string;
  /** `--acr-token-scope`: else the scope of the registry's cloud (src/cloud/hosts.ts). */
  scope?: string;
}

export interface GcpSettings {
  hosts: string[];
  /** `GCE_METADATA_HOST` (host[:port]), else 169.254.169.254. */
  metadataHost: string;
}

export interface CloudCredentialSettings {
  ecr?: EcrSettings;
  acr?: AcrSettings;
  gcp?: GcpSettings;
}

export const CLOUD_FLAGS: FlagSpec[] = [
  {
    flag: 'cloud-credentials',
    kind: 'list',
    key: 'cloudCredentials',
    placeholder: 'ecr|acr|gcp',
    help: "registry credentials from the pod's cloud workload identity (repeatable)",
    default: 'none',
  },
  {
    flag: 'cloud-registry-host',
    kind: 'list',
    key: 'cloudRegistryHosts',
    placeholder: 'PROVIDER=HOST',
    help: "a registry a provider serves besides its cloud's own host names (tests, private DNS names)",
    default: 'none',
  },
  {
    flag: 'acr-token-scope',
    kind: 'string',
    key: 'acrTokenScope',
    placeholder: 'SCOPE',
    help: 'Entra ID scope of the token exchanged at ACR',
    default: 'https://containerregistry.azure.net/.default (.cn, .us for those clouds)',
  },
];

const DEFAULT_METADATA_HOST = '169.254.169.254';

/** The first of `names` set (non-empty) in the environment. */
function envOf(env: Env, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

function needs(provider: CloudProviderName, what: string): never {
  throw new ConfigError(
    'CONFIG_INVALID',
    `--cloud-credentials ${provider} needs ${what} in the environment`,
    { path: '--cloud-credentials' },
  );
}

/** An endpoint override: an http(s) URL with nothing after the authority but a path. */
function endpointUrl(
  name: string,
  value: string | undefined,
  httpsOnly = false,
): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('CONFIG_INVALID', `${name} is not a URL`, { path: name });
  }
  const schemes = httpsOnly ? ['https:'] : ['https:', 'http:'];
  if (!schemes.includes(url.protocol) || url.username || url.password || url.search)
    throw new ConfigError(
      'CONFIG_INVALID',
      `${name} must be an ${httpsOnly ? 'https' : 'http(s)'} URL without credentials or query`,
      { path: name },
    );
  return url.href.replace(/\/$/, '');
}

function awsIdentity(env: Env): AwsIdentity {
  const roleArn = envOf(env, 'AWS_ROLE_ARN');
  const tokenFile = envOf(env, 'AWS_WEB_IDENTITY_TOKEN_FILE');
  if (roleArn && tokenFile) {
    const sessionName = envOf(env, 'AWS_ROLE_SESSION_NAME');
    return {
      kind: 'web-identity',
      roleArn,
      tokenFile: path.resolve(tokenFile),
      ...(sessionName !== undefined && { sessionName }),
    };
  }
  const uri = endpointUrl(
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    envOf(env, 'AWS_CONTAINER_CREDENTIALS_FULL_URI'),
  );
  const authFile = envOf(env, 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE');
  if (uri && authFile)
    return { kind: 'pod-identity', credentialsUri: uri, tokenFile: path.resolve(authFile) };
  return needs(
    'ecr',
    'IRSA (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE) or EKS Pod Identity ' +
      '(AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)',
  );
}

function ecrSettings(env: Env, hosts: string[]): EcrSettings {
  const region = envOf(env, 'AWS_REGION', 'AWS_DEFAULT_REGION');
  if (hosts.length > 0 && region === undefined)
    needs('ecr', 'AWS_REGION for the hosts of --cloud-registry-host ecr=');
  const ecrEndpoint = endpointUrl(
    'AWS_ENDPOINT_URL_ECR',
    envOf(env, 'AWS_ENDPOINT_URL_ECR', 'AWS_ENDPOINT_URL'),
  );
  const stsEndpoint = endpointUrl(
    'AWS_ENDPOINT_URL_STS',
    envOf(env, 'AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL'),
  );
  return {
    hosts,
    ...(region !== undefined && { region }),
    identity: awsIdentity(env),
    ...(ecrEndpoint !== undefined && { ecrEndpoint }),
    ...(stsEndpoint !== undefined && { stsEndpoint }),
  };
}

function acrSettings(env: Env, hosts: string[], scope: string | undefined): AcrSettings {
  const clientId = envOf(env, 'AZURE_CLIENT_ID');
  const tenantId = envOf(env, 'AZURE_TENANT_ID');
  const tokenFile = envOf(env, 'AZURE_FEDERATED_TOKEN_FILE');
  if (!clientId || !tenantId || !tokenFile)
    needs(
      'acr',
      'Azure Workload Identity (AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE: ' +
        'label the pod azure.workload.identity/use=true)',
    );
  const authorityHost = endpointUrl(
    'AZURE_AUTHORITY_HOST',
    envOf(env, 'AZURE_AUTHORITY_HOST'),
    true,
  );
  return {
    hosts,
    clientId,
    tenantId,
    tokenFile: path.resolve(tokenFile),
    ...(authorityHost !== undefined && { authorityHost }),
    ...(scope !== undefined && { scope }),
  };
}

function gcpSettings(env: Env, hosts: string[]): GcpSettings {
  const host = envOf(env, 'GCE_METADATA_HOST') ?? DEFAULT_METADATA_HOST;
  if (!/^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:]+\](:\d{1,5})?$/i.test(host))
    throw new ConfigError('CONFIG_INVALID', 'GCE_METADATA_HOST must be host[:port]', {
      path: 'GCE_METADATA_HOST',
    });
  return { hosts, metadataHost: host };
}

const hostEntry = str((text) => text);

/** The providers `--cloud-credentials` turns on, each with what it needs; undefined: none. */
export function cloudCredentialSettings(
  layers: Layers,
  env: Env,
): CloudCredentialSettings | undefined {
  const enabled = new Set(
    layers.get(
      'cloud-credentials',
      each((t) => parseChoice(t.trim(), CLOUD_PROVIDERS)),
      [],
    ),
  );
  const extra = layers.get(
    'cloud-registry-host',
    each((text) => {
      const [provider, host] = parseKeyValue(text, 'PROVIDER=HOST');
      const name = parseChoice(provider.trim(), CLOUD_PROVIDERS);
      if (!enabled.has(name)) throw new BadValue(`${name} is not in --cloud-credentials`);
      return [name, parseRegistryHost(host.trim())] as const;
    }),
    [],
  );
  const scope = layers.get('acr-token-scope', hostEntry, undefined);
  if (enabled.size === 0) return undefined;
  const hosts = (p: CloudProviderName): string[] =>
    extra.filter(([n]) => n === p).map(([, h]) => h);
  return {
    ...(enabled.has('ecr') && { ecr: ecrSettings(env, hosts('ecr')) }),
    ...(enabled.has('acr') && { acr: acrSettings(env, hosts('acr'), scope) }),
    ...(enabled.has('gcp') && { gcp: gcpSettings(env, hosts('gcp')) }),
  };
}
