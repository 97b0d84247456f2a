// Rollback protection within a process: the highest version trusted per GUN and role (TUF 5.3.5,
// 5.4.3, 5.5.4, 5.6.4). Plain data in and out; the caller keeps it in a TufStateMemory.

export interface TufState {
  readonly root: number;
  readonly timestamp: number;
  readonly snapshot: number;
  /** `targets` and each delegated role seen. */
  readonly targets: Readonly<Record<string, number>>;
}

export const EMPTY_STATE: TufState = Object.freeze({
  root: 0,
  timestamp: 0,
  snapshot: 0,
  targets: Object.freeze({}),
});

/** Roles remembered per GUN: bounded so a repository cannot grow the map (decision 10). */
const MAX_ROLES = 64;

/** Never lowers a version; keeps at most MAX_ROLES roles, the newest first. */
export function mergeState(a: TufState, b: TufState): TufState {
  const targets: Record<string, number> = {};
  for (const [role, v] of [...Object.entries(b.targets), ...Object.entries(a.targets)]) {
    if (Object.keys(targets).length >= MAX_ROLES && !(role in targets)) continue;
    targets[role] = Math.max(targets[role] ?? 0, v);
  }
  return Object.freeze({
    root: Math.max(a.root, b.root),
    timestamp: Math.max(a.timestamp, b.timestamp),
    snapshot: Math.max(a.snapshot, b.snapshot),
    targets: Object.freeze(targets),
  });
}

/**
 * A bounded map GUN → state, least recently used dropped first. Forgetting a GUN only weakens
 * rollback detection for it back to what the pins alone give; it never makes anything trusted.
 */
export class TufStateMemory {
  readonly #max: number;
  readonly #map = new Map<string, TufState>();

  constructor(maxGuns = 10_000) {
    this.#max = maxGuns;
  }

  get(gun: string): TufState {
    const s = this.#map.get(gun);
    if (s === undefined) return EMPTY_STATE;
    this.#map.delete(gun);
    this.#map.set(gun, s);
    return s;
  }

  /** Merges (never lowers) what a verification returned. */
  record(gun: string, state: TufState): void {
    const merged = mergeState(this.#map.get(gun) ?? EMPTY_STATE, state);
    this.#map.delete(gun);
    this.#map.set(gun, merged);
    while (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value!);
  }

  get size(): number {
    return this.#map.size;
  }
}
