import { parseChallenges, type Challenge } from './challenge.js';
import {
  basicAuthorization,
  credentialsFingerprint,
  type CredentialLookup,
  type Credentials,
} from './credentials.js';
import { RegistryError } from './errors.js';
import { OriginStates } from './origin-state.js';
import { fetchToken } from './token.js';
import type { Transport } from './transport.js';

/** What one registry request needs authorised. */
export interface AuthContext {
  /** `docker.io`, `127.0.0.1:5000`: the key for credentials and configured realms. */
  registry: string;
  /** `https://registry-1.docker.io`: the only origin that may get credentials unasked. */
  origin: string;
  /** `repository:<name>:pull`. */
  scope: string;
  signal: AbortSignal;
  deadline: number;
  /** The call's own credentials, asked before the configured ones. */
  credentials?: CredentialLookup;
}

export interface AuthenticatorOptions {
  transport: Transport;
  credentials: CredentialLookup;
  /** Registry → realm origins that may receive its credentials (besides its own origin). */
  realms: Readonly<Record<string, readonly string[]>>;
  now: () => number;
  maxTokenEntries?: number;
  /** Per-origin state (where challenges are kept), shared with the transport. */
  states?: OriginStates;
}

interface CachedToken {
  value: Promise<string>;
  /** Set once fetched. */
  token?: string;
  expiresAt: number;
  owner: AbortSignal;
}

/**
 * Registry auth: Basic, and Bearer through the distribution token flow, with tokens cached per
 * registry, scope and identity (the fingerprint of the credentials used, or anonymous) until they
 * expire, and concurrent fetches of one token coalesced. A token fetched with one pod's pull
 * secret is never sent for a call that does not bring the same credentials. Challenges are
 * remembered per registry origin, in the bounded per-origin state: they describe the registry,
 * not who asks. Tokens are an LRU of `maxTokenEntries` (default 1000).
 */
export class Authenticator {
  readonly #o: AuthenticatorOptions;
  /** Where the last challenge each registry sent is kept: later requests authorise up front. */
  readonly #states: OriginStates;
  readonly #tokens = new Map<string, CachedToken>();

  constructor(options: AuthenticatorOptions) {
    this.#o = options;
    this.#states = options.states ?? new OriginStates({ now: options.now });
  }

  /** The Authorization header to send before any challenge, if one is known to be needed. */
  async authorization(ctx: AuthContext): Promise<string | undefined> {
    const creds = this.#credentials(ctx);
    if (creds?.registryToken !== undefined) return `Bearer ${creds.registryToken}`;
    const challenge = this.#states.find(ctx.origin)?.challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') return creds && basicAuthorization(creds);
    return `Bearer ${await this.#token(ctx, challenge, creds)}`;
  }

  /** After a 401: the header to retry with once, or UNAUTHORIZED. */
  async answer(ctx: AuthContext, wwwAuthenticate: string | undefined): Promise<string> {
    const challenge = parseChallenges(wwwAuthenticate)[0];
    if (!challenge) {
      throw new RegistryError(
        'UNAUTHORIZED',
        `${ctx.registry} requires authentication but sent no Basic or Bearer challenge`,
        { status: 401 },
      );
    }
    this.#states.get(ctx.origin).challenge = challenge;
    const creds = this.#credentials(ctx);
    if (challenge.scheme === 'bearer') return `Bearer ${await this.#token(ctx, challenge, creds)}`;
    const basic = creds && basicAuthorization(creds);
    if (basic === undefined) {
      throw new RegistryError(
        'UNAUTHORIZED',
        `${ctx.registry} requires credentials and none are configured for it`,
        { status: 401 },
      );
    }
    return basic;
  }

  /**
   * Forgets a token the registry refused (the header that was sent), so the next request fetches
   * a fresh one; a newer token another request is already fetching stays.
   */
  forget(ctx: AuthContext, sent: string | undefined): void {
    const k = key(ctx, this.#credentials(ctx));
    const entry = this.#tokens.get(k);
    if (entry?.token !== undefined && sent === `Bearer ${entry.token}`) this.#tokens.delete(k);
  }

  /** The call's credentials for the registry, else the configured ones, else anonymous. */
  #credentials(ctx: AuthContext): Credentials | undefined {
    return ctx.credentials?.(ctx.registry) ?? this.#o.credentials(ctx.registry);
  }

  async #token(
    ctx: AuthContext,
    challenge: Challenge,
    creds: Credentials | undefined,
  ): Promise<string> {
    const k = key(ctx, creds);
    const cached = this.#tokens.get(k);
    if (cached && cached.expiresAt > this.#o.now()) {
      try {
        return await cached.value;
      } catch (err) {
        // Another caller's deadline ended the shared fetch: fetch on our own deadline.
        if (cached.owner === ctx.signal || ctx.signal.aborted) throw err;
      }
    }
    const entry: CachedToken = {
      value: Promise.resolve(''),
      expiresAt: Infinity,
      owner: ctx.signal,
    };
    entry.value = fetchToken({
      transport: this.#o.transport,
      challenge,
      context: ctx,
      credentials: creds,
      trustedRealms: this.#o.realms[ctx.registry] ?? [],
    }).then(
      ({ token, lifetimeMs }) => {
        entry.expiresAt = this.#o.now() + lifetimeMs;
        entry.token = token;
        return token;
      },
      (err: unknown) => {
        if (this.#tokens.get(k) === entry) this.#tokens.delete(k);
        throw err;
      },
    );
    this.#store(k, entry);
    return entry.value;
  }

  #store(k: string, entry: CachedToken): void {
    this.#tokens.delete(k);
    this.#tokens.set(k, entry);
    const max = this.#o.maxTokenEntries ?? 1000;
    for (const old of this.#tokens.keys()) {
      if (this.#tokens.size <= max) break;
      this.#tokens.delete(old);
    }
  }
}

function key(ctx: AuthContext, creds: Credentials | undefined): string {
  return `${ctx.registry}\n${ctx.scope}\n${credentialsFingerprint(creds)}`;
}
