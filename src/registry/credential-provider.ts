// The hook through which a cloud identity supplies registry credentials (issue 19 item 2): the
// providers live in src/cloud (with the cloud SDKs), this room only asks them. Precedence, per
// registry: the call's own credentials (a pod's imagePullSecrets), then the first provider that
// matches the host, then the configured credentials file.
import { MAX_TOKEN_RESPONSE_BYTES } from './token.js';
import type { Transport } from './transport.js';

/** Username and password for one registry, valid until `expiresAt` (ms, the provider's clock). */
export interface ProvidedCredentials {
  username: string;
  password: string;
  expiresAt: number;
}

/** What a provider may ask of the registry itself (ACR's `/oauth2/exchange`): its own origin only. */
export interface RegistryExchange {
  /** POSTs a form to `path` on the registry's origin, under the transport's guards and caps. */
  post(
    path: string,
    form: Record<string, string>,
    signal: AbortSignal,
  ): Promise<{ status: number; body: Uint8Array }>;
}

/**
 * Credentials for the registries of one cloud, from the workload's identity. A failure is a
 * RegistryError whose code names the provider, of kind availability (decision 3).
 */
export interface RegistryCredentialProvider {
  /** `ecr`, `acr`, `gcp`: for messages. */
  readonly name: string;
  /** Whether this provider serves the registry (normal form, src/names). */
  matches(registry: string): boolean;
  credentials(
    registry: string,
    context: { signal: AbortSignal; exchange: RegistryExchange },
  ): Promise<ProvidedCredentials>;
}

/** Time an exchange may take beyond the caller's signal (it decides Retry-After waits only). */
const EXCHANGE_DEADLINE_MS = 30_000;

/** The exchange of one registry origin through the client's transport. */
export function registryExchange(
  transport: Transport,
  origin: string,
  now: () => number,
): RegistryExchange {
  return {
    post: async (path, form, signal) => {
      const res = await transport.request({
        url: new URL(path, origin),
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
        signal,
        deadline: now() + EXCHANGE_DEADLINE_MS,
        maxBytes: MAX_TOKEN_RESPONSE_BYTES,
        followRedirects: false,
        what: `token exchange ${path}`,
      });
      return { status: res.status, body: res.body };
    },
  };
}
