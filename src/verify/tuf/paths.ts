// Delegated role names and their target paths, as Notary checks them (tuf/data/roles.go).

/** `targets/<name>`: lower-case letters, digits, `-`, `_`, `/`; clean; under 256 bytes (IsDelegation). */
export function isDelegationName(name: string): boolean {
  return (
    name.startsWith('targets/') &&
    /^[-a-z0-9_/]+$/.test(name) &&
    name.length < 256 &&
    !name.endsWith('/') &&
    !name.includes('//')
  );
}

/** `targets/a/b` → `targets/a` (path.Dir). */
export function parentOf(name: string): string {
  return name.slice(0, name.lastIndexOf('/'));
}

/** Levels below `targets`: `targets` is 0, `targets/releases` 1. */
export function depthOf(name: string): number {
  return name.split('/').length - 1;
}

/**
 * The paths a child may sign for: those of its own that extend one of its parent's (Notary's
 * RestrictDelegationPathPrefixes). A child can never widen what its parent was given.
 */
export function restrictPaths(parent: readonly string[], child: readonly string[]): string[] {
  return child.filter((c) => parent.some((p) => c.startsWith(p)));
}

/** Whether a target name is within a role's paths (plain prefixes; `""` allows every name). */
export function pathAllowed(name: string, paths: readonly string[]): boolean {
  return paths.some((p) => name.startsWith(p));
}
