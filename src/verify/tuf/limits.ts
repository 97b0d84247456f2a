/**
 * Bounds on everything a Notary server (or anyone in front of it) can grow (standing decision
 * 10). Notary itself caps only the timestamp (1 MiB) and downloads (100 MiB); real trust data
 * is far smaller: a root with four keys and a certificate is about 3 KiB, a timestamp 0.5 KiB,
 * a target entry about 200 bytes. SPEC.md § Bounds gives the reasoning per figure.
 */
export interface TufLimits {
  /** Bytes of one root.json (current or any `<n>.root.json` of the rotation chain). */
  rootBytes: number;
  timestampBytes: number;
  snapshotBytes: number;
  /** Bytes of targets.json and of each delegation's metadata. */
  targetsBytes: number;
  /** Bytes of all metadata fetched for one verification together. */
  totalBytes: number;
  /** Keys in one `keys` map (root or delegations). */
  keys: number;
  /** Key IDs in one role, and signatures on one metadata file. */
  signatures: number;
  /** Delegated roles declared in one targets file. */
  delegations: number;
  /** Levels below `targets` (`targets/releases` is 1). */
  delegationDepth: number;
  /** Paths of one delegated role. */
  paths: number;
  /** Entries of one targets file, and of the snapshot's `meta`. */
  targets: number;
  /** Root versions walked from the pinned root to the current one. */
  rootVersions: number;
  /** Nesting of JSON arrays and objects (a target's `custom` is free JSON). */
  jsonDepth: number;
}

export const DEFAULT_TUF_LIMITS: Readonly<TufLimits> = Object.freeze({
  rootBytes: 512 * 1024,
  timestampBytes: 64 * 1024,
  snapshotBytes: 1024 * 1024,
  targetsBytes: 8 * 1024 * 1024,
  totalBytes: 24 * 1024 * 1024,
  keys: 64,
  signatures: 64,
  delegations: 64,
  delegationDepth: 4,
  paths: 256,
  targets: 50_000,
  rootVersions: 32,
  jsonDepth: 32,
});
