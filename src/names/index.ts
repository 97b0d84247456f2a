// The one normal form of registry hosts and repositories (standing decision 9).
export {
  DOCKER_HUB,
  normaliseHost,
  normalisePlainHttpHost,
  normalisePlainHttpHosts,
  type Normalised,
} from './host.js';
export {
  MAX_NAME_LENGTH,
  normalisePath,
  normaliseRepositoryName,
  type RepositoryName,
} from './repository.js';
