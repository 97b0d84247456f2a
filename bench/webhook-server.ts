// The webhook under load, alone in its process: `taskset -c 0 node --import tsx
// bench/webhook-server.ts <serve flags…>`, started by `startServerProcess` with an IPC channel.
// It runs exactly what `notary-admission serve` wires (startService of src/main.ts), tells its
// parent `{ type: 'ready', url, caPath }`, answers `{ type: 'usage' }` with its CPU time and
// memory, and closes on `{ type: 'close' }`, SIGTERM or when the parent goes away.
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseServeArgs } from '../src/config/index.js';
import { startService, type Service } from '../src/main.js';

/** What the parent may ask. */
export type ServerCommand = { type: 'usage' } | { type: 'close' };

export interface Usage {
  /** CPU time (user + system) since the process started, in ms. */
  cpuMs: number;
  rss: number;
  heapUsed: number;
}

/** What the server tells its parent. */
export type ServerMessage =
  | { type: 'ready'; url: string; caPath?: string }
  | ({ type: 'usage' } & Usage)
  | { type: 'error'; message: string };

function serve(): void {
  const send = (message: ServerMessage): void => void process.send?.(message);
  let service: Service | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await service?.close();
      process.disconnect?.();
    })());
  process.on('message', (command: ServerCommand) => {
    if (command.type === 'close') void close();
    if (command.type !== 'usage') return;
    const cpu = process.cpuUsage();
    const { rss, heapUsed } = process.memoryUsage();
    send({ type: 'usage', cpuMs: (cpu.user + cpu.system) / 1000, rss, heapUsed });
  });
  process.once('disconnect', () => void close());
  process.once('SIGTERM', () => void close());
  startService(parseServeArgs(process.argv.slice(2), {})).then(
    (started) => {
      service = started;
      const ca = started.caPath;
      send({ type: 'ready', url: started.url, ...(ca !== undefined && { caPath: ca }) });
    },
    (err: unknown) => {
      send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      process.exitCode = 1;
      process.disconnect?.();
    },
  );
}

export interface ServerProcess {
  url: string;
  /** PEM of the CA of the generated serving certificate. */
  ca: string;
  usage(): Promise<Usage>;
  close(): Promise<void>;
}

/**
 * Starts the webhook in a child process pinned to `cpu` (`taskset -c`), with `flags` as `serve`
 * takes them; its log (stdout) goes to `logFile`.
 */
export async function startServerProcess(options: {
  flags: string[];
  cpu: number;
  logFile: string;
  /** Extra node flags, e.g. `--cpu-prof` to see where the time goes. */
  nodeFlags?: string[];
}): Promise<ServerProcess> {
  const log = openSync(options.logFile, 'a');
  const script = fileURLToPath(import.meta.url);
  const child = spawn(
    'taskset',
    [
      ...['-c', String(options.cpu), process.execPath, ...(options.nodeFlags ?? [])],
      ...['--import', 'tsx', script, ...options.flags],
    ],
    { stdio: ['ignore', log, 'inherit', 'ipc'] },
  );
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = <T extends ServerMessage['type']>(type: T) =>
    new Promise<Extract<ServerMessage, { type: T | 'error' }>>((resolve, reject) => {
      const onExit = (code: number | null): void => {
        child.off('message', onMessage);
        reject(new Error(`webhook server exited (${code})`));
      };
      const onMessage = (m: ServerMessage): void => {
        if (m.type !== type && m.type !== 'error') return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as Extract<ServerMessage, { type: T | 'error' }>);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ready = await next('ready');
  if (ready.type === 'error') throw new Error(`webhook server failed: ${ready.message}`);
  return {
    url: ready.url,
    ca: ready.caPath === undefined ? '' : readFileSync(ready.caPath, 'utf8'),
    usage: async () => {
      const answer = next('usage');
      child.send({ type: 'usage' } satisfies ServerCommand);
      const u = await answer;
      if (u.type === 'error') throw new Error(u.message);
      return { cpuMs: u.cpuMs, rss: u.rss, heapUsed: u.heapUsed };
    },
    close: async () => {
      if (child.connected) child.send({ type: 'close' } satisfies ServerCommand);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) serve();
