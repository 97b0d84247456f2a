// The registry client's codes (src/registry/errors.ts, RegistryErrorCode) as a denial shows them.
// Availability codes are inconclusive (the policy's onError decides); a registry that answered
// with something invalid, and an address our rules refuse, are definitive failures (its action).
import type { RegistryErrorCode } from '../../registry/index.js';
import type { Catalogue, DenialEntry } from './types.js';

const CREDENTIALS =
  "give the webhook credentials for the registry: registryCredentials.existingSecret, or config.pullSecrets to use the Pod's imagePullSecrets";

export const REGISTRY_CODES: Catalogue<RegistryErrorCode, DenialEntry> = {
  UNAUTHORIZED: {
    decidedBy: 'onError',
    meaning: 'the registry (or its token server) refused the request or the credentials (401)',
    remedy: CREDENTIALS,
  },
  DENIED: {
    decidedBy: 'onError',
    meaning: 'the registry denied access to the repository (403)',
    remedy:
      'grant the credentials the webhook uses pull access to the repository (signatures live there too)',
  },
  NAME_UNKNOWN: {
    decidedBy: 'action',
    meaning: 'the registry has no such repository (404)',
    remedy: 'check the image name; a private repository may also answer 404 without credentials',
  },
  MANIFEST_UNKNOWN: {
    decidedBy: 'action',
    meaning: 'the registry has no manifest for the tag or digest (404)',
    remedy: 'push the image, or fix the tag or digest in the Pod spec',
  },
  BLOB_UNKNOWN: {
    decidedBy: 'action',
    meaning: 'the registry has no blob the manifest names (404)',
    remedy: 'push the image again; the registry lost or never had part of it',
  },
  DIGEST_MISMATCH: {
    decidedBy: 'action',
    meaning: 'the registry sent content whose digest or size is not the one asked for',
    remedy: 'investigate the registry or a proxy in between: content was altered or corrupted',
  },
  TOO_LARGE: {
    decidedBy: 'action',
    meaning:
      'an answer was over its size limit (4 MiB for manifests, 1 MiB for signature envelopes)',
    remedy: 'check the image and its signatures; legitimate ones are far below these limits',
  },
  TIMEOUT: {
    decidedBy: 'onError',
    meaning: 'the registry did not answer before the deadline of the verification or of the review',
    remedy:
      "check the registry's latency from the cluster; webhook.timeoutSeconds (10) bounds every review",
  },
  RATE_LIMITED: {
    decidedBy: 'onError',
    meaning:
      'the registry answered 429 (or did so until the webhook stopped calling it for a while: circuit open)',
    remedy:
      'use credentials with a higher limit or a pull-through mirror; verdicts are cached, so retries pass later',
  },
  NETWORK: {
    decidedBy: 'onError',
    meaning:
      'the registry could not be reached (DNS, connection, TLS), answered 5xx, or kept failing (circuit open)',
    remedy:
      "check DNS and egress from the webhook's namespace (networkPolicy allows ports 443 and 6443 only) and the registry's health",
  },
  PROTOCOL: {
    decidedBy: 'action',
    meaning:
      'the registry answered something the distribution spec does not allow (status, JSON, media type, redirect)',
    remedy: 'read the message: it names the host and what was wrong; the registry needs fixing',
  },
  NOT_ALLOWED: {
    decidedBy: 'action',
    meaning:
      'the registry resolves to a private, loopback or metadata address the configuration does not allow',
    remedy:
      'name the registry in config.insecureRegistries or registryCredentials, or allow its range in config.allowPrivateNetworks',
  },
  ECR_CREDENTIALS_UNAVAILABLE: {
    decidedBy: 'onError',
    meaning:
      'cloudCredentials.ecr: no ECR token: the web identity or Pod Identity token is missing, expired or refused, or STS/ECR was unreachable',
    remedy:
      'check the ServiceAccount role (eks.amazonaws.com/role-arn or a Pod Identity association) and ecr:GetAuthorizationToken; the message names the step',
  },
  ACR_CREDENTIALS_UNAVAILABLE: {
    decidedBy: 'onError',
    meaning:
      'cloudCredentials.acr: no ACR token: the workload identity token is missing, expired or refused by Entra ID, or the /oauth2/exchange failed',
    remedy:
      'check azure.workload.identity/client-id on the ServiceAccount, the federated credential, and AcrPull on the registry',
  },
  GCP_CREDENTIALS_UNAVAILABLE: {
    decidedBy: 'onError',
    meaning:
      'cloudCredentials.gcp: no access token from the metadata server (unreachable, or no service account bound to the pod)',
    remedy:
      'check iam.gke.io/gcp-service-account on the ServiceAccount, its roles/artifactregistry.reader, and egress to 169.254.169.254',
  },
  INVALID_REFERENCE: {
    decidedBy: 'always',
    meaning: 'the image reference cannot be parsed (bad name, tag or digest)',
    remedy: 'fix the image reference in the Pod spec',
  },
};
