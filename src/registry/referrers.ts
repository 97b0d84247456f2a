import { verifyContent } from './digest.js';
import { RegistryError } from './errors.js';
import { indexManifests, parseJson, type OciDescriptor } from './manifest.js';
import { OCI_INDEX, baseMediaType } from './media-types.js';
import { errorBodyCode, statusError } from './status.js';
import type { HttpResponse } from './transport.js';

/** One authorised GET against the registry of the reference being looked at. */
export type RegistryGet = (request: {
  url: URL;
  accept: string;
  what: string;
}) => Promise<HttpResponse>;

export interface ReferrersRequest {
  get: RegistryGet;
  /** `https://host/v2/<name>/`. */
  base: URL;
  subject: string;
  /**
   * The `artifactType` filter to ask for. Registries may ignore it (it is optional in the
   * distribution spec, and the tag schema cannot filter), so callers filter again; absent, the
   * whole listing is asked for (one listing serving signatures and required artifact types).
   */
  artifactType?: string;
  maxPages: number;
}

/** The `rel="next"` target of a Link header (RFC 8288), resolved against the page's URL. */
export function nextLink(header: string | undefined, page: URL): URL | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /;\s*rel\s*=\s*"?(?:[^";]*\s)?next(?:\s[^";]*)?"?/i.test(m[2]!)) {
      try {
        return new URL(m[1]!, page);
      } catch {
        throw new RegistryError('PROTOCOL', `${page.host} sent an invalid pagination link`);
      }
    }
  }
  return undefined;
}

/** Whether a first referrers answer says "no referrers API here" (fall back to the tag schema). */
function unsupported(res: HttpResponse): boolean {
  if (res.status === 404) {
    if (errorBodyCode(res) === 'NAME_UNKNOWN') throw statusError(res, 'repository', 'NAME_UNKNOWN');
    return true;
  }
  return res.status === 200 && baseMediaType(res.headers['content-type']) !== OCI_INDEX;
}

/**
 * The referrers API with pagination: same origin only, no loops, at most `maxPages` pages.
 * Returns undefined when the registry has no referrers API.
 */
export async function referrersByApi(req: ReferrersRequest): Promise<OciDescriptor[] | undefined> {
  let url = new URL(`referrers/${req.subject}`, req.base);
  if (req.artifactType !== undefined) url.searchParams.set('artifactType', req.artifactType);
  const seen = new Set<string>();
  const out: OciDescriptor[] = [];
  for (let page = 0; page < req.maxPages; page++) {
    seen.add(url.href);
    const res = await req.get({ url, accept: OCI_INDEX, what: `referrers of ${req.subject}` });
    if (page === 0 && unsupported(res)) return undefined;
    if (res.status !== 200)
      throw statusError(res, `referrers of ${req.subject}`, 'MANIFEST_UNKNOWN');
    if (baseMediaType(res.headers['content-type']) !== OCI_INDEX)
      throw new RegistryError('PROTOCOL', `${url.host} sent a referrers page that is not an index`);
    out.push(...indexManifests(parseJson(res.body, 'the referrers index')));
    const next = nextLink(res.headers['link'], res.url);
    if (next === undefined) return out;
    if (next.origin !== req.base.origin)
      throw new RegistryError(
        'PROTOCOL',
        `${url.host} paginates referrers to another origin (${next.host}); refused`,
      );
    if (seen.has(next.href))
      throw new RegistryError('PROTOCOL', `${url.host} paginates referrers in a loop`);
    url = next;
  }
  throw new RegistryError(
    'TOO_LARGE',
    `${req.base.host} lists referrers over more than ${req.maxPages} pages`,
  );
}

/** The referrers tag schema: the index tagged `sha256-<hex>`; missing or not an index means none. */
export async function referrersByTag(req: ReferrersRequest): Promise<OciDescriptor[]> {
  const [alg = '', hex = ''] = req.subject.split(':');
  const tag = `${alg}-${hex}`.slice(0, 128);
  const res = await req.get({
    url: new URL(`manifests/${tag}`, req.base),
    accept: OCI_INDEX,
    what: `referrers tag ${tag}`,
  });
  if (res.status === 404) return [];
  if (res.status !== 200) throw statusError(res, `referrers tag ${tag}`, 'MANIFEST_UNKNOWN');
  const claimed = res.headers['docker-content-digest'];
  if (claimed !== undefined) verifyContent({ digest: claimed }, res.body, `referrers tag ${tag}`);
  let index;
  try {
    index = parseJson(res.body, `referrers tag ${tag}`);
    if (
      baseMediaType(res.headers['content-type']) !== OCI_INDEX &&
      index['mediaType'] !== OCI_INDEX
    )
      return [];
    return indexManifests(index);
  } catch {
    return [];
  }
}

/**
 * The referrers API and the tag schema asked at once, for a registry found without the API whose
 * verdict expired: the tag schema no longer waits for the API's 404, a round trip saved on
 * registries still without it. `tagReq` goes to the same origin with the same authorisation and caps; its answer
 * counts only when the API says it is absent (an API error is the listing's error, as when asked
 * one after the other). `api` says which one the listing came from.
 */
export async function referrersAtOnce(
  req: ReferrersRequest,
  tagReq: ReferrersRequest,
): Promise<{ listed: OciDescriptor[]; api: boolean }> {
  const byTag = referrersByTag(tagReq);
  byTag.catch(() => undefined); // not needed when the API answers: never an unhandled rejection
  const listed = await referrersByApi(req);
  return listed !== undefined ? { listed, api: true } : { listed: await byTag, api: false };
}
