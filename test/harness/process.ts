import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * Every child the harness started and has not stopped: killed after each test file
 * (test/support/file-cleanup.ts) and, as a last resort, when the test process exits. A file
 * run in a worker thread never sees `exit`, so the first is the one that counts there.
 */
const running = new Set<ChildProcess>();

/** Kills every child still running (SIGKILL: what a test left behind is not drained). */
export function killEveryChild(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
process.once('exit', killEveryChild);

/** Counts `child` among the harness's children until it exits. */
export function trackChild(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** A free TCP port on 127.0.0.1 (bound, then released, so a child can take it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** The last lines the process wrote, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  args: string[];
  /** Working directory; the log file is written here too. */
  dir: string;
  env?: Record<string, string>;
  /** Resolves true once the server is serving; polled until `timeoutMs`. */
  ready: () => Promise<boolean>;
  timeoutMs?: number;
}

/** Starts a server process and waits until `ready()` says it serves. */
export async function startProcess(
  name: string,
  command: string,
  options: StartOptions,
): Promise<ServerProcess> {
  const logFile = path.join(options.dir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(command, options.args, {
    cwd: options.dir,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  trackChild(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const logTail = (lines = 20): string =>
    readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');

  const handle: ServerProcess = {
    name,
    pid: child.pid ?? -1,
    logFile,
    logTail,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  while (Date.now() < deadline) {
    if (spawnError) throw new Error(`${name}: could not start ${command}: ${spawnError.message}`);
    if (child.exitCode !== null) {
      throw new Error(
        `${name} exited with code ${child.exitCode} before it was ready:\n${logTail()}`,
      );
    }
    if (await options.ready().catch(() => false)) return handle;
    await new Promise((r) => setTimeout(r, 50));
  }
  await handle.stop(1_000);
  throw new Error(`${name} was not ready within ${options.timeoutMs ?? 30_000} ms:\n${logTail()}`);
}
