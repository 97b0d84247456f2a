import { RegistryError, type RegistryErrorCode } from './errors.js';
import { isObject } from './manifest.js';
import type { HttpResponse } from './transport.js';

const SPEC_CODES = new Set<RegistryErrorCode>([
  'UNAUTHORIZED',
  'DENIED',
  'NAME_UNKNOWN',
  'MANIFEST_UNKNOWN',
  'BLOB_UNKNOWN',
]);

/** The first distribution-spec error code of an error body (`{"errors":[{"code":…}]}`). */
export function errorBodyCode(res: HttpResponse): RegistryErrorCode | undefined {
  try {
    const body: unknown = JSON.parse(Buffer.from(res.body).toString('utf8'));
    const first: unknown =
      isObject(body) && Array.isArray(body['errors']) ? body['errors'][0] : undefined;
    const code = isObject(first) ? first['code'] : undefined;
    return SPEC_CODES.has(code as RegistryErrorCode) ? (code as RegistryErrorCode) : undefined;
  } catch {
    return undefined;
  }
}

/** The coded error for an unexpected status; `notFound` is the code a bare 404 means here. */
export function statusError(
  res: HttpResponse,
  what: string,
  notFound: RegistryErrorCode,
): RegistryError {
  const host = res.url.host;
  const status = res.status;
  const options = { status };
  if (status === 401)
    return new RegistryError('UNAUTHORIZED', `${host} refused access to ${what} (401)`, options);
  if (status === 403)
    return new RegistryError('DENIED', `${host} denied access to ${what} (403)`, options);
  if (status === 404) {
    const code = errorBodyCode(res);
    const named = code === 'NAME_UNKNOWN' || code === 'BLOB_UNKNOWN' || code === 'MANIFEST_UNKNOWN';
    return new RegistryError(named ? code : notFound, `${host} has no ${what} (404)`, options);
  }
  if (status === 429)
    return new RegistryError('RATE_LIMITED', `${host} is rate limiting ${what}`, options);
  if (status >= 500) {
    const message = `registry unavailable: ${host} answered ${status} for ${what}`;
    return new RegistryError('NETWORK', message, options);
  }
  return new RegistryError('PROTOCOL', `${host} answered ${status} for ${what}`, options);
}
