/** What every provider is given by the composition root besides its settings. */
export interface ProviderOptions {
  /** The service's clock (tests inject one): expiry and refresh times are on it. */
  now: () => number;
  /** A refresh ahead of expiry failed; the credentials in hand serve until they expire. */
  onRefreshError?: (provider: string, key: string, err: unknown) => void;
  /**
   * PEM CAs trusted for the cloud's HTTPS identity endpoints besides the system's (tests: a
   * local Entra ID; in a cluster, Node's NODE_EXTRA_CA_CERTS does this).
   */
  extraCa?: string;
}
