/**
 * Registry credentials from the cloud's workload identity (issue 19 item 2): one provider per
 * enabled cloud, handed to the registry client (src/registry/credential-provider.ts). Each loads
 * its SDK on first use, so `serve` without them and `verify` never pay for it.
 */
import type { CloudCredentialSettings } from '../config/index.js';
import type { RegistryCredentialProvider } from '../registry/index.js';
import { createAcrProvider } from './acr.js';
import { createEcrProvider } from './ecr.js';
import { createGcpProvider } from './gcp.js';
import type { ProviderOptions } from './options.js';

export { CredentialCache, REFRESH_AT_SHARE, type CredentialCacheOptions } from './cache.js';
export { acrScope, ecrRegistry, isAcrHost, isGcpHost } from './hosts.js';
export type { ProviderOptions } from './options.js';
export { ACR_USERNAME, createAcrProvider } from './acr.js';
export { createEcrProvider } from './ecr.js';
export { createGcpProvider } from './gcp.js';

/** The providers the settings enable, in a fixed order (a host matches at most one of them). */
export function createCloudProviders(
  settings: CloudCredentialSettings | undefined,
  options: ProviderOptions,
): RegistryCredentialProvider[] {
  if (!settings) return [];
  return [
    ...(settings.ecr ? [createEcrProvider(settings.ecr, options)] : []),
    ...(settings.acr ? [createAcrProvider(settings.acr, options)] : []),
    ...(settings.gcp ? [createGcpProvider(settings.gcp, options)] : []),
  ];
}
