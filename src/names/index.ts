// The one normal form of registry hosts and repositories (standing decision 9).
export {
  DOCKER_HUB,
  normaliseHost,
  normalisePlainHttpHost,
  normalisePlainHttpHosts,
  type Normalised,
} from './host.js';
export { bypassesProxy, parseNoProxy, type NoProxyEntry } from './no-proxy.js';
export {
  isPrefixScope,
  normaliseRepositoryPrefix,
  PREFIX_WILDCARD,
  type RepositoryPrefix,
} from './prefix.js';
export {
  isRepositoryPath,
  MAX_NAME_LENGTH,
  normalisePath,
  normaliseRepositoryName,
  type RepositoryName,
} from './repository.js';
