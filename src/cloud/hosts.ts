// Which registry hosts each cloud serves, from the clouds' documented host names. Hosts arrive in
// src/names's normal form (lower case, no default port, no trailing dot), so the patterns are
// anchored and lower-case only; anything else (a port, a longer suffix) is not the cloud's.

/**
 * Amazon ECR private registries: `<account>.dkr.ecr.<region>.amazonaws.com`, the China partition
 * (`.amazonaws.com.cn`), FIPS (`dkr.ecr-fips`), dual-stack (`<account>.dkr-ecr.<region>.on.aws`)
 * and the isolated partitions, as amazon-ecr-credential-helper recognises them.
 */
const ECR =
  /^(\d{12})\.dkr[.-]ecr(-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d{1,2})\.(amazonaws\.com(?:\.cn)?|on\.aws|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$/;

export interface EcrRegistry {
  account: string;
  region: string;
  fips: boolean;
}

/** The account and region of an ECR registry host, or undefined for any other host. */
export function ecrRegistry(host: string): EcrRegistry | undefined {
  const m = ECR.exec(host);
  return m ? { account: m[1]!, region: m[3]!, fips: m[2] !== undefined } : undefined;
}

/** An AWS region name as the SDK builds endpoints from it (`us-east-1`, `us-gov-west-1`). */
export function isAwsRegion(region: string): boolean {
  return /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/.test(region);
}

/**
 * Azure Container Registry: `<name>.azurecr.io` (name: 5–50 letters and digits), and the
 * sovereign clouds' `azurecr.cn` (Azure China) and `azurecr.us` (Azure Government).
 */
const ACR = /^[a-z0-9]{5,50}\.azurecr\.(io|cn|us)$/;

export function isAcrHost(host: string): boolean {
  return ACR.test(host);
}

/** The Entra ID scope of ACR tokens in the host's cloud (AzureCloud, AzureChinaCloud, AzureUSGovernment). */
export function acrScope(host: string): string {
  const cloud = ACR.exec(host)?.[1];
  if (cloud === 'cn') return 'https://containerregistry.azure.cn/.default';
  if (cloud === 'us') return 'https://containerregistry.azure.us/.default';
  return 'https://containerregistry.azure.net/.default';
}

/**
 * Google Artifact Registry (`<location>-docker.pkg.dev`) and Container Registry (`gcr.io`,
 * `us.gcr.io`, `eu.gcr.io`, `asia.gcr.io`, `marketplace.gcr.io`, any `*.gcr.io`).
 */
const GCP =
  /^(?:[a-z0-9]+(?:-[a-z0-9]+)*-docker\.pkg\.dev|gcr\.io|[a-z0-9]+(?:-[a-z0-9]+)*\.gcr\.io)$/;

export function isGcpHost(host: string): boolean {
  return GCP.test(host);
}
