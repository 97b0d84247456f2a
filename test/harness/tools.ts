import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '../..');
const INSTALLER = 'test/tools/install.sh';

/** Where install.sh caches built tools (outside the repo), with links in `bin/`. */
export const TOOLS_DIR =
  process.env['NOTARY_ADMISSION_TOOLS'] ?? path.join(homedir(), '.cache/notary-admission');

/** The pinned versions from test/tools/versions.sh. */
export const VERSIONS: Readonly<Record<string, string>> = Object.fromEntries(
  readFileSync(path.join(REPO_ROOT, 'test/tools/versions.sh'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z_]+)_VERSION=(\S+)/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!.toLowerCase().replaceAll('_', '-'), m[2]!]),
);

export type Tool =
  | 'notation'
  | 'olareg'
  | 'oras'
  | 'helm'
  | 'kube-apiserver'
  | 'notary-server'
  | 'notary'
  | 'actionlint'
  | 'docker-registry'
  | 'etcd'
  | 'openssl'
  | 'skopeo'
  | 'htpasswd'
  | 'shellcheck'
  | 'tinyproxy'
  | 'kubectl'
  // a bench peer, built only by `install.sh --peers` (bench/peers), never needed by npm test
  | 'ratify';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The path of a tool: the installer's cache first, then PATH; undefined when absent. */
export function findTool(tool: Tool): string | undefined {
  const cached = path.join(TOOLS_DIR, 'bin', tool);
  if (executable(cached)) return cached;
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, tool);
    if (dir && executable(candidate)) return candidate;
  }
  return undefined;
}

/** Error thrown by a test that needs a tool this machine lacks: it fails, never skips. */
export class MissingToolError extends Error {
  constructor(tool: Tool) {
    super(
      `${tool} is not installed. Run \`bash ${INSTALLER}\` (as root for its Debian packages; ` +
        `Go >= 1.25 and the Go module proxy for notation, olareg, oras, helm, kube-apiserver, notary-server, notary and actionlint). ` +
        `Looked in ${path.join(TOOLS_DIR, 'bin')} and PATH.`,
    );
    this.name = 'MissingToolError';
  }
}

export function requireTool(tool: Tool): string {
  const found = findTool(tool);
  if (!found) throw new MissingToolError(tool);
  return found;
}
