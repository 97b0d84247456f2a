import { parseChallenges, type Challenge } from './challenge.js';
import { registryExchange, type RegistryCredentialProvider } from './credential-provider.js';
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
  /**
   * Cloud identities (src/cloud): the first that matches a registry supplies its credentials,
   * after the call's own and instead of the configured ones (credential-provider.ts).
   */
  providers?: readonly RegistryCredentialProvider[];
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
    const fixed = this.#fixed(ctx);
    if (fixed?.registryToken !== undefined) return `Bearer ${fixed.registryToken}`;
    const challenge = this.#states.find(ctx.origin)?.challenge;
    if (!challenge) return undefined;
    // A provider is asked only once the registry is known to want credentials.
    const creds = fixed ?? (await this.#provided(ctx));
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
    const creds = this.#fixed(ctx) ?? (await this.#provided(ctx));
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
    // By the token sent, whoever it was fetched for (a provider's credentials are not at hand).
    const prefix = `${ctx.registry}\n${ctx.scope}\n`;
    for (const [k, entry] of this.#tokens)
      if (k.startsWith(prefix) && entry.token !== undefined && sent === `Bearer ${entry.token}`)
        this.#tokens.delete(k);
  }

  /**
   * The call's credentials for the registry, else (no provider serving it) the configured ones;
   * undefined: a provider's, or anonymous.
   */
  #fixed(ctx: AuthContext): Credentials | undefined {
    const own = ctx.credentials?.(ctx.registry);
    if (own !== undefined) return own;
    return this.#provider(ctx.registry) ? undefined : this.#o.credentials(ctx.registry);
  }

  #provider(registry: string): RegistryCredentialProvider | undefined {
    return this.#o.providers?.find((p) => p.matches(registry));
  }

  /** The matching provider's credentials (its failure is a coded availability error). */
  async #provided(ctx: AuthContext): Promise<Credentials | undefined> {
    const provider = this.#provider(ctx.registry);
    if (!provider) return undefined;
    const exchange = registryExchange(this.#o.transport, ctx.origin, this.#o.now);
    const { username, password } = await provider.credentials(ctx.registry, {
      signal: ctx.signal,
      exchange,
    });
    return { username, password };
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
