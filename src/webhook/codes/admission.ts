// The codes the admission layer gives itself (src/pipeline and src/webhook): policies not ready
// or not loaded, namespaces not known, tags not pinned, overload, malformed reviews, bugs.
import type { AdmissionCode, Catalogue, DenialEntry } from './types.js';

export const ADMISSION_CODES: Catalogue<AdmissionCode, DenialEntry> = {
  POLICY_NOT_READY: {
    decidedBy: 'always',
    meaning:
      'a TrustPolicy that would govern the image is not Ready (its status says why: InvalidSpec, TrustStoreNotFound, …)',
    remedy:
      '`kubectl get trustpolicy <name> -o yaml`: fix what status.conditions names; the image is denied until then',
  },
  POLICY_NOT_LOADED: {
    decidedBy: 'always',
    meaning:
      'the webhook answered before its trust policies were loaded (readiness normally keeps traffic away)',
    remedy:
      'wait for `kubectl -n <namespace> rollout status deployment/<name>`; check the pod logs if it never gets ready',
  },
  NAMESPACE_UNKNOWN: {
    decidedBy: 'always',
    meaning:
      "the namespace's labels were not known yet and could not be read in time, so which TrustPolicies apply is unknown",
    remedy:
      'retry; if it persists, check that the webhook may list and get namespaces (RBAC) and reach the API server',
  },
  DIGEST_REQUIRED: {
    decidedBy: 'action',
    meaning:
      'the policy has mutateDigest, and the tag reached /validate unpinned: the mutating webhook did not pin it',
    remedy:
      'retry, or name the image by digest; with no mutating webhook, set webhook.mutating.enabled=false (--no-mutating-webhook)',
  },
  IMAGE_UNREADABLE: {
    decidedBy: 'always',
    meaning: 'a field where an image belongs holds something that is not an image reference',
    remedy: 'fix the object: every image field must be a string',
  },
  OVERLOADED: {
    decidedBy: 'always',
    meaning:
      'the replica had --max-inflight (config.maxInflight, 512) reviews in flight and shed this one',
    remedy: 'retry; add replicas (replicaCount) or raise config.maxInflight if it recurs',
  },
  ADMISSION_REVIEW_INVALID: {
    decidedBy: 'failurePolicy',
    meaning:
      'the request body is not an admission.k8s.io/v1 AdmissionReview (HTTP 400): the API server applies failurePolicy',
    remedy:
      'only the API server should call the webhook; check the webhook configuration sends AdmissionReview v1',
  },
  REFERRER_NOT_FOUND: {
    decidedBy: 'action',
    meaning:
      'the policy requires a referrer of this artifactType (an SBOM, a scan result …) and the registry lists none for the image (or the platform)',
    remedy:
      'attach it to the image digest (`oras attach --artifact-type <type> <image>@<digest> <file>`) and sign it; check with `oras discover`',
  },
  REFERRER_INVALID: {
    decidedBy: 'action',
    meaning:
      'every listed referrer of the type is not a valid one of this image: its manifest names another subject or type, is oversized, or is gone',
    remedy:
      'attach the artifact to this very digest again; someone with push rights may have listed junk or another image’s artifact',
  },
  REFERRER_TOO_OLD: {
    decidedBy: 'action',
    meaning:
      'no referrer of the type was created within maxAge, by the org.opencontainers.image.created of its own (signed) manifest; or it has no valid created time',
    remedy:
      'attach and sign a fresh one (oras writes the created annotation), e.g. re-run the scan; or raise maxAge in the policy',
  },
  REFERRER_UNTRUSTED: {
    decidedBy: 'action',
    meaning:
      'no referrer of the type carries a signature the named signer group accepts (unsigned, or signed by someone else); the clause names the verifier’s code',
    remedy:
      '`notation sign <image-repo>@<referrer digest>` with a key of that group; check with `notation verify` under that group’s trust policy',
  },
  PLATFORM_NOT_FOUND: {
    decidedBy: 'action',
    meaning:
      'signedSubject is EachPlatform or Either and the index lists no platform manifest among the policy’s platforms',
    remedy:
      'check the image’s platforms (`oras manifest fetch <image>`), or the policy’s platforms list',
  },
  TOO_MANY_PLATFORMS: {
    decidedBy: 'action',
    meaning:
      'signedSubject is EachPlatform or Either and the index lists more than 16 platform manifests to verify (after the platforms filter)',
    remedy:
      'narrow the policy with platforms (the ones your nodes run), or sign the index and use Either',
  },
  INTERNAL_ERROR: {
    decidedBy: 'always',
    meaning: 'verification failed unexpectedly: a bug, never cached and never admitted by onError',
    remedy: 'retry; report it with the webhook log line "verification failed unexpectedly"',
  },
};
