/**
 * The test harness: real components on free 127.0.0.1 ports, each stopped by PID.
 * Start what a test needs in beforeAll and stop it in afterAll; anything left running is
 * killed when the test process exits.
 */
export { startControlPlane, type ControlPlane } from './controlplane.js';
export {
  attachSignature,
  pushImage,
  pushOciLayout,
  writeReferrersTag,
  type PushedImage,
  type PushedLayout,
  type Descriptor,
} from './images.js';
export {
  notationSign,
  notationVerify,
  simpleTrustPolicy,
  type SignOptions,
  type VerifyOptions,
} from './notation.js';
export {
  notaryClient,
  notaryRootCertificate,
  startNotaryServer,
  type NotaryCli,
  type NotaryServer,
} from './notary.js';
export {
  orasAttach,
  orasCopy,
  type AttachArtifactOptions,
  type CopyEndpoint,
  type CopyOptions,
} from './oras.js';
export { OciClient, MANIFEST_ACCEPT, sha256, type Credentials } from './oci.js';
export {
  makePki,
  makeServingCert,
  type Certificate,
  type CertProfile,
  type KeySpec,
  type Pki,
} from './pki.js';
export {
  REGISTRY_SETUPS,
  startRegistry,
  type Registry,
  type RegistryAuth,
  type RegistryKind,
} from './registry.js';
export { startProxy, type HttpProxy, type ProxyOptions } from './proxy.js';
export { serveCrl, startOcspResponder, type CrlServer, type OcspResponder } from './revocation.js';
export { startTsa, type Tsa } from './tsa.js';
export { findTool, requireTool, MissingToolError, VERSIONS, TOOLS_DIR } from './tools.js';
