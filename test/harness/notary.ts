// The real Notary v1 server and client (Docker Content Trust), built by test/tools/install.sh.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { httpRequest } from './http.js';
import { freePort, startProcess } from './process.js';
import { run } from './run.js';
import { requireTool } from './tools.js';
import { makeWorkdir } from './workdir.js';

export interface NotaryServer {
  /** `http://127.0.0.1:PORT`: the notary client accepts plain HTTP, so no TLS is needed. */
  url: string;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

/**
 * notary-server with memory storage and its own (local) signing service: it holds the
 * timestamp key of every GUN and signs timestamps (14 days) itself, as Docker Hub's does.
 */
export async function startNotaryServer(): Promise<NotaryServer> {
  const bin = requireTool('notary-server');
  const dir = makeWorkdir('notary-server');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = {
    server: { http_addr: `127.0.0.1:${port}` },
    trust_service: { type: 'local', key_algorithm: 'ecdsa' },
    storage: { backend: 'memory' },
    logging: { level: 'warning' },
  };
  writeFileSync(path.join(dir, 'server.json'), JSON.stringify(config));
  const proc = await startProcess('notary-server', bin, {
    args: ['-config', path.join(dir, 'server.json')],
    dir,
    ready: async () =>
      (
        await httpRequest(`${url}/_notary_server/health`, { timeoutMs: 1_000 }).catch(
          () => undefined,
        )
      )?.status === 200,
  });
  return { url, logTail: (n) => proc.logTail(n), stop: () => proc.stop() };
}

/** The passphrases of every key the client makes or imports (read from NOTARY_*_PASSPHRASE). */
const PASSPHRASES = {
  NOTARY_ROOT_PASSPHRASE: 'root-passphrase',
  NOTARY_TARGETS_PASSPHRASE: 'targets-passphrase',
  NOTARY_SNAPSHOT_PASSPHRASE: 'snapshot-passphrase',
  NOTARY_DELEGATION_PASSPHRASE: 'delegation-passphrase',
};

export interface NotaryCli {
  /** The client's own trust directory (its keys and cached metadata). */
  trustDir: string;
  /** Runs `notary -s <server> -d <trustDir> …args`; throws with its output on failure. */
  run(args: string[], input?: string): Promise<string>;
  /** `init <gun> -p`: a new root key (and certificate), targets and snapshot keys; published. */
  init(gun: string): Promise<void>;
  /** `addhash <gun> <tag> <size> --sha256 <hex> [--roles r] -p`: sign a tag for a digest. */
  addHash(
    gun: string,
    tag: string,
    image: { digest: string; size: number },
    role?: string,
  ): Promise<void>;
  /**
   * `add <gun> <tag> <file> -p`: sign a tag for a file's bytes (its SHA-256 and length), as
   * `docker trust sign` signs an image's manifest.
   */
  add(gun: string, tag: string, file: string): Promise<void>;
  /** A delegation with a fresh P-256 key and certificate, its key imported: `delegation add` + `key import`. */
  addDelegation(gun: string, role: string, paths?: string[]): Promise<void>;
  /** `key rotate <gun> root` (confirmed) and publish: the new root is signed by the old key too. */
  rotateRoot(gun: string): Promise<void>;
  /** `delete <gun> --remote`: the server forgets the GUN. */
  deleteRemote(gun: string): Promise<void>;
}

/** The root certificate (PEM) a publisher hands to operators, from its client's trust directory. */
export function notaryRootCertificate(cli: NotaryCli, gun: string): string {
  const file = path.join(cli.trustDir, 'tuf', gun, 'metadata', 'root.json');
  const root = JSON.parse(readFileSync(file, 'utf8')) as {
    signed: {
      keys: Record<string, { keyval: { public: string } }>;
      roles: { root: { keyids: string[] } };
    };
  };
  const id = root.signed.roles.root.keyids[0]!;
  return Buffer.from(root.signed.keys[id]!.keyval.public, 'base64').toString();
}

export function notaryClient(server: { url: string }): NotaryCli {
  const bin = requireTool('notary');
  const openssl = requireTool('openssl');
  const trustDir = makeWorkdir('notary-client');
  const cli = async (args: string[], input?: string): Promise<string> => {
    const r = await run(bin, ['-s', server.url, '-d', trustDir, ...args], {
      env: PASSPHRASES,
      ...(input !== undefined && { input }),
    });
    // notary exits 0 on some failures and prints "* fatal:" instead.
    if (r.code !== 0 || /\* fatal:/.test(r.stdout + r.stderr))
      throw new Error(`notary ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  return {
    trustDir,
    run: cli,
    async init(gun) {
      await cli(['init', gun, '-p']);
    },
    async addHash(gun, tag, image, role) {
      const hex = image.digest.replace(/^sha256:/, '');
      await cli([
        'addhash',
        gun,
        tag,
        String(image.size),
        '--sha256',
        hex,
        ...(role ? ['--roles', role] : []),
        '-p',
      ]);
    },
    async add(gun, tag, file) {
      await cli(['add', gun, tag, file, '-p']);
    },
    async addDelegation(gun, role, paths) {
      const base = path.join(trustDir, role.replaceAll('/', '_'));
      const ossl = async (args: string[]): Promise<void> => {
        const r = await run(openssl, args);
        if (r.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
      };
      await ossl([
        'genpkey',
        '-algorithm',
        'EC',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-out',
        `${base}.key`,
      ]);
      await ossl([
        'req',
        '-x509',
        '-new',
        '-key',
        `${base}.key`,
        '-subj',
        `/CN=${role.replaceAll('/', '-')}`,
        '-days',
        '365',
        '-out',
        `${base}.crt`,
      ]);
      const scope = paths ? paths.flatMap((p) => ['--paths', p]) : ['--all-paths'];
      await cli(['delegation', 'add', gun, role, `${base}.crt`, ...scope, '-p']);
      await cli(['key', 'import', `${base}.key`, '--role', role]);
    },
    async rotateRoot(gun) {
      await cli(['key', 'rotate', gun, 'root'], 'yes\n');
      await cli(['publish', gun]);
    },
    async deleteRemote(gun) {
      await cli(['delete', gun, '--remote']);
    },
  };
}
