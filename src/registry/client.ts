import type { Descriptor } from '../verify/types.js';
import { Authenticator, type AuthContext } from './auth.js';
import {
  DEFAULT_REALMS,
  credentialLookup,
  insecureRegistries,
  limitsOf,
  transportOptions,
  type Limits,
  type RegistryClientOptions,
} from './options.js';
import { withDeadline, type CallOptions, type Deadline } from './deadline.js';
import { digestOf, isDigest, verifyContent } from './digest.js';
import { RegistryError } from './errors.js';
import { tooLarge } from './body.js';
import { indexManifests, parseJson, readDescriptor, type OciDescriptor } from './manifest.js';
import {
  MANIFEST_ACCEPT,
  MANIFEST_TYPES,
  NOTARY_SIGNATURE,
  baseMediaType,
  isIndexType,
} from './media-types.js';
import { OriginStates, referrersVerdicts } from './origin-state.js';
import { apiHost, type ImageReference } from './reference.js';
import { referrersAtOnce, referrersByApi, referrersByTag, type RegistryGet } from './referrers.js';
import {
  checkReferrerManifest,
  partitionReferrers,
  type FetchedReferrer,
  type ReferrerDescriptor,
  type ReferrerListing,
} from './referrer-artifacts.js';
import {
  annotatedThumbprints,
  envelopeLayer,
  signatureReferrers,
  type SignatureDescriptor,
} from './signatures.js';
import { statusError } from './status.js';
import { Transport, type HttpResponse } from './transport.js';

/**
 * A signature as src/verify's SignatureCandidate wants it: fetched only when evaluated. `load()`
 * rejects with a RegistryError whose `kind` tells src/verify whether the registry was unavailable
 * (inconclusive) or answered with something that is not a valid signature artifact (failed).
 */
export interface SignatureCandidate {
  digest: string;
  descriptor: SignatureDescriptor;
  /** The annotation's unsigned chain thumbprints: src/verify tries trusted ones first. */
  thumbprints?: string[];
  load(): Promise<FetchedEnvelope>;
}

/** An envelope and the `subject` its signature manifest names (its digest already checked). */
export interface FetchedEnvelope {
  mediaType: string;
  bytes: Uint8Array;
  /**
   * The signed artifact as the signature manifest describes it. For a digest reference this
   * saves resolving it: size and media type are as trustworthy here as in a HEAD's headers.
   */
  subject: Descriptor;
}

/**
 * The OCI distribution client of the verifier: resolve, referrers (API or tag schema), Notation
 * signature manifests and envelopes. Everything returned is checked against its digest and size.
 */
export class RegistryClient {
  readonly #transport: Transport;
  readonly #auth: Authenticator;
  readonly #insecure: readonly string[];
  readonly #limits: Limits;
  readonly #now: () => number;
  /**
   * Registries that answered 404 to the referrers API: straight to the tag schema until the
   * verdict expires (REFERRERS_VERDICT_TTL_MS) and the API is probed again, the tag schema
   * asked beside it (`#referrers`).
   */
  readonly #referrersApi: ReturnType<typeof referrersVerdicts>;

  constructor(options: RegistryClientOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#insecure = insecureRegistries(options);
    this.#limits = limitsOf(options);
    // One bounded per-origin state for pools, holds, challenges and referrers support.
    const states = options.originStates ?? new OriginStates({ now: this.#now });
    this.#transport = new Transport({ ...transportOptions(options, this.#now), states });
    this.#auth = new Authenticator({
      transport: this.#transport,
      credentials: credentialLookup(options.credentials),
      realms: { ...DEFAULT_REALMS, ...options.tokenRealms },
      ...(options.credentialProviders && { providers: options.credentialProviders }),
      now: this.#now,
      states,
    });
    this.#referrersApi = referrersVerdicts(states, (registry) => this.#origin(registry));
  }

  /**
   * The descriptor a reference names. A digest is fetched and checked (1 GET); a tag is resolved
   * with HEAD and the full Accept list, falling back to GET. Verification does not need it for a
   * digest reference: `fetchEnvelope` returns the manifest's `subject` (see README).
   */
  resolve(ref: ImageReference, options: CallOptions = {}): Promise<Descriptor> {
    return this.#call(options, async (d) => {
      if (ref.digest !== undefined) {
        const { descriptor } = await this.#manifest(ref, { digest: ref.digest }, d);
        return descriptor;
      }
      return this.#resolveTag(ref, ref.tag ?? 'latest', d);
    });
  }

  /**
   * The artifact and, for an index, its platform manifests (empty for a single manifest). An
   * index, or a digest whose type is not known yet, is fetched once (checked against the digest);
   * a descriptor of a single manifest costs nothing.
   */
  platforms(
    ref: ImageReference,
    artifact: Descriptor | string,
    options: CallOptions = {},
  ): Promise<{ artifact: Descriptor; manifests: OciDescriptor[] }> {
    if (typeof artifact !== 'string' && !isIndexType(artifact.mediaType))
      return Promise.resolve({ artifact, manifests: [] });
    const target = typeof artifact === 'string' ? { digest: artifact } : artifact;
    return this.#call(options, async (d) => {
      const { descriptor, json } = await this.#manifest(ref, target, d);
      const manifests = isIndexType(descriptor.mediaType) ? indexManifests(json) : [];
      return { artifact: descriptor, manifests };
    });
  }

  /**
   * Notation signature manifests of the artifact, by the referrers API or the tag schema, in the
   * registry's order. A listing the registry answers with junk (over the page cap, a loop) is a
   * RegistryError of kind `content`.
   */
  listSignatures(
    ref: ImageReference,
    artifact: Descriptor | string,
    options: CallOptions = {},
  ): Promise<SignatureDescriptor[]> {
    const subject = typeof artifact === 'string' ? artifact : artifact.digest;
    return this.#call(options, async (d) =>
      signatureReferrers(await this.#referrers(ref, subject, NOTARY_SIGNATURE, d), subject),
    );
  }

  /**
   * Every referrer of the artifact in one listing (no artifactType filter), partitioned into its
   * signatures and its other artifacts by type: what a policy requiring signed referrers lists,
   * once per subject. Same limits and errors as `listSignatures`.
   */
  listReferrers(
    ref: ImageReference,
    artifact: Descriptor | string,
    options: CallOptions = {},
  ): Promise<ReferrerListing> {
    const subject = typeof artifact === 'string' ? artifact : artifact.digest;
    return this.#call(options, async (d) =>
      partitionReferrers(await this.#referrers(ref, subject, undefined, d), subject),
    );
  }

  /**
   * A listed referrer's manifest, fetched by digest and checked (referrer-artifacts.ts): the
   * digest and size of the descriptor, a size cap as for envelopes (checked before the request),
   * its artifact type, and a subject naming the artifact it was listed for.
   */
  fetchReferrer(
    ref: ImageReference,
    referrer: ReferrerDescriptor,
    options: CallOptions = {},
  ): Promise<FetchedReferrer> {
    return this.#call(options, async (d) => {
      if (referrer.size > this.#limits.envelope)
        throw tooLarge(
          `referrer ${referrer.digest} (${referrer.size} bytes)`,
          this.#limits.envelope,
        );
      const { descriptor, json } = await this.#manifest(ref, referrer, d);
      return checkReferrerManifest(json, descriptor, referrer);
    });
  }

  async #referrers(
    ref: ImageReference,
    subject: string,
    artifactType: string | undefined,
    d: Deadline,
  ): Promise<OciDescriptor[]> {
    const req = {
      get: this.#getter(ref, d),
      base: new URL(`/v2/${ref.repository}/`, this.#origin(ref.registry)),
      subject,
      ...(artifactType !== undefined && { artifactType }),
      maxPages: this.#limits.pages,
    };
    const verdicts = this.#referrersApi;
    const known = verdicts.of(ref.registry);
    if (known === 'none') return referrersByTag(req);
    if (known === 'expired' && verdicts.claim(ref.registry)) {
      // Found without the API before: probed again with the tag schema asked beside it, not
      // after its 404 (referrersAtOnce). Left to finish when the API answers (an abort would
      // retire the origin's pool), never past the call's deadline. A client that knows nothing
      // of the registry asks the API alone: a registry that is down or limiting gets no more
      // calls from us than one request per listing.
      try {
        const left = Math.max(0, d.deadline - this.#now());
        const signal = AbortSignal.any([d.signal, AbortSignal.timeout(left)]);
        const tagReq = { ...req, get: this.#getter(ref, { ...d, signal }) };
        const { listed, api } = await referrersAtOnce(req, tagReq);
        if (api) verdicts.sawApi(ref.registry);
        else verdicts.add(ref.registry);
        return listed;
      } finally {
        verdicts.release(ref.registry);
      }
    }
    const listed = await referrersByApi(req);
    if (listed !== undefined) {
      verdicts.sawApi(ref.registry);
      return listed;
    }
    verdicts.add(ref.registry);
    return referrersByTag(req);
  }

  /** The signature manifest's one envelope layer, checked against its digest and size. */
  fetchEnvelope(
    ref: ImageReference,
    sig: SignatureDescriptor,
    options: CallOptions = {},
  ): Promise<FetchedEnvelope> {
    return this.#call(options, async (d) => {
      const { json } = await this.#manifest(ref, sig, d);
      const layer = envelopeLayer(json, sig, this.#limits.envelope);
      const bytes = await this.#blob(ref, layer, d);
      const { mediaType, digest, size } = readDescriptor(json['subject'], `${sig.digest} subject`);
      return { mediaType: layer.mediaType, bytes, subject: { mediaType, digest, size } };
    });
  }

  /** listSignatures shaped for src/verify: each candidate loads its envelope on demand. */
  async signatureCandidates(
    ref: ImageReference,
    artifact: Descriptor | string,
    options: CallOptions = {},
  ): Promise<SignatureCandidate[]> {
    return this.candidates(ref, await this.listSignatures(ref, artifact, options), options);
  }

  /** Listed signatures (e.g. a `listReferrers` partition) as src/verify's candidates. */
  candidates(
    ref: ImageReference,
    signatures: readonly SignatureDescriptor[],
    options: CallOptions = {},
  ): SignatureCandidate[] {
    return signatures.map((sig) => ({
      digest: sig.digest,
      descriptor: sig,
      thumbprints: annotatedThumbprints(sig),
      load: () => this.fetchEnvelope(ref, sig, options),
    }));
  }

  /** Closes every connection (in-flight requests fail). */
  close(): Promise<void> {
    return this.#transport.close();
  }

  #call<T>(options: CallOptions, fn: (d: Deadline) => Promise<T>): Promise<T> {
    return withDeadline(options, { timeoutMs: this.#limits.timeoutMs, now: this.#now }, fn);
  }

  #origin(registry: string): string {
    const scheme = this.#insecure.includes(registry) ? 'http' : 'https';
    return `${scheme}://${apiHost(registry)}`;
  }

  async #resolveTag(ref: ImageReference, tag: string, d: Deadline): Promise<Descriptor> {
    const url = new URL(`/v2/${ref.repository}/manifests/${tag}`, this.#origin(ref.registry));
    const what = `manifest ${ref.repository}:${tag}`;
    const head = await this.#send(
      ref,
      { url, method: 'HEAD', accept: MANIFEST_ACCEPT, what, maxBytes: 0 },
      d,
    );
    if (head.status !== 200 && head.status !== 405 && head.status !== 501)
      throw statusError(head, what, 'MANIFEST_UNKNOWN');
    const digest = head.headers['docker-content-digest'];
    const size = Number(head.headers['content-length']);
    const mediaType = baseMediaType(head.headers['content-type']);
    // A HEAD without digest or length (or a registry without HEAD) falls back to a GET.
    const complete = digest !== undefined && mediaType !== '' && Number.isSafeInteger(size);
    return head.status === 200 && complete && size >= 0
      ? checked({ mediaType, digest, size }, what)
      : (await this.#manifest(ref, { tag }, d)).descriptor;
  }

  /**
   * GET a manifest by digest (checked against it) or by tag (hashed here, and checked against
   * Docker-Content-Digest when sent). A descriptor's size is capped before any request.
   */
  async #manifest(
    ref: ImageReference,
    target: { digest: string; size?: number; mediaType?: string } | { tag: string },
    d: Deadline,
  ): Promise<{ descriptor: Descriptor; json: Record<string, unknown> }> {
    const expected: Partial<Descriptor> = 'tag' in target ? {} : target;
    const id = 'tag' in target ? target.tag : target.digest;
    const what = `manifest ${ref.repository}@${id}`;
    if ((expected.size ?? 0) > this.#limits.manifest)
      throw tooLarge(`${what} (${expected.size} bytes)`, this.#limits.manifest);
    const url = new URL(`/v2/${ref.repository}/manifests/${id}`, this.#origin(ref.registry));
    const accept = expected.mediaType || MANIFEST_ACCEPT;
    const res = await this.#send(ref, { url, accept, what, maxBytes: this.#limits.manifest }, d);
    if (res.status !== 200) throw statusError(res, what, 'MANIFEST_UNKNOWN');
    const digest = expected.digest ?? res.headers['docker-content-digest'] ?? digestOf(res.body);
    verifyContent({ ...expected, digest }, res.body, what);
    const json = parseJson(res.body, what);
    const declared = typeof json['mediaType'] === 'string' ? json['mediaType'] : '';
    const mediaType = baseMediaType(res.headers['content-type']) || declared;
    return { descriptor: checked({ mediaType, digest, size: res.body.length }, what), json };
  }

  async #blob(ref: ImageReference, layer: Descriptor, d: Deadline): Promise<Uint8Array> {
    const what = `blob ${layer.digest}`;
    const url = new URL(`/v2/${ref.repository}/blobs/${layer.digest}`, this.#origin(ref.registry));
    const res = await this.#send(
      ref,
      { url, accept: '*/*', what, maxBytes: this.#limits.envelope, follow: true },
      d,
    );
    if (res.status !== 200) throw statusError(res, what, 'BLOB_UNKNOWN');
    verifyContent(layer, res.body, what);
    return res.body;
  }

  #getter(ref: ImageReference, d: Deadline): RegistryGet {
    return ({ url, accept, what }) =>
      this.#send(ref, { url, accept, what, maxBytes: this.#limits.manifest }, d);
  }

  /** One registry request with auth: a known header up front, at most one answer to a 401. */
  async #send(
    ref: ImageReference,
    r: {
      url: URL;
      accept: string;
      what: string;
      maxBytes: number;
      method?: 'GET' | 'HEAD';
      follow?: boolean;
    },
    d: Deadline,
  ): Promise<HttpResponse> {
    const origin = this.#origin(ref.registry);
    const ctx: AuthContext = {
      registry: ref.registry,
      origin,
      scope: `repository:${ref.repository}:pull`,
      ...d,
    };
    const send = (authorization: string | undefined): Promise<HttpResponse> =>
      this.#transport.request({
        url: r.url,
        method: r.method ?? 'GET',
        headers: { accept: r.accept, ...(authorization !== undefined && { authorization }) },
        signal: d.signal,
        deadline: d.deadline,
        maxBytes: r.maxBytes,
        followRedirects: r.follow ?? true,
        what: r.what,
      });
    const sent = await this.#auth.authorization(ctx);
    const first = await send(sent);
    if (first.status !== 401) return first;
    if (first.url.origin !== origin) {
      const message = `${first.url.host} (a redirect target) asks for credentials; refused`;
      throw new RegistryError('UNAUTHORIZED', message, { status: 401 });
    }
    this.#auth.forget(ctx, sent);
    const retry = await this.#auth.answer(ctx, first.headers['www-authenticate']);
    const second = await send(retry);
    if (second.status === 401) {
      this.#auth.forget(ctx, retry);
      const message = `${ref.registry} refused the credentials for ${ref.repository}`;
      throw new RegistryError('UNAUTHORIZED', message, { status: 401 });
    }
    return second;
  }
}

function checked(descriptor: Descriptor, what: string): Descriptor {
  if (!(MANIFEST_TYPES as readonly string[]).includes(descriptor.mediaType))
    throw new RegistryError(
      'PROTOCOL',
      `${what} has unsupported media type "${descriptor.mediaType.slice(0, 100)}"`,
    );
  if (!isDigest(descriptor.digest))
    throw new RegistryError('PROTOCOL', `${what}: the registry sent an unsupported digest`);
  return descriptor;
}
