import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort, startProcess } from './process.js';
import { requireTool } from './tools.js';
import { makeWorkdir } from './workdir.js';

/** A real HTTP proxy (Debian's tinyproxy) on 127.0.0.1, for the egress tests. */
export interface HttpProxy {
  /** `http://127.0.0.1:PORT`, what `--https-proxy` takes. */
  url: string;
  port: number;
  /**
   * The CONNECT requests the proxy's own log shows, in order (`127.0.0.1:5000`): what went
   * through it, read from tinyproxy's "Request (file descriptor N): CONNECT …" lines.
   */
  connects(): string[];
  /** CONNECTs the proxy refused (a port not in `connectPorts`). */
  refused(): string[];
  /** Any request line that was not a CONNECT (a forwarded `GET http://…`): must stay empty. */
  forwarded(): string[];
  stop(): Promise<void>;
}

export interface ProxyOptions {
  /**
   * The only ports CONNECT may reach (tinyproxy's `ConnectPort`); default: any. A test gives the
   * ports of what it expects to reach, so a tunnel to anything else is refused and logged.
   */
  connectPorts?: number[];
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/**
 * Starts tinyproxy in the foreground (`-d`), its log at level Info, which shows every CONNECT,
 * listening on a free 127.0.0.1 port and accepting clients from 127.0.0.1 only.
 */
export async function startProxy(options: ProxyOptions = {}): Promise<HttpProxy> {
  const dir = makeWorkdir('tinyproxy');
  const port = await freePort();
  const lines = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 30',
    'LogLevel Info',
    'MaxClients 256',
    'Allow 127.0.0.1',
    'DisableViaHeader Yes',
    ...(options.connectPorts ?? []).map((p) => `ConnectPort ${p}`),
  ];
  const config = path.join(dir, 'tinyproxy.conf');
  writeFileSync(config, `${lines.join('\n')}\n`);
  const proc = await startProcess('tinyproxy', requireTool('tinyproxy'), {
    args: ['-d', '-c', config],
    dir,
    ready: () => accepts(port),
  });
  const log = (): string => readFileSync(proc.logFile, 'utf8');
  const requests = (): string[] =>
    [...log().matchAll(/Request \(file descriptor \d+\): (\S+) (\S+) HTTP\/1\.[01]/g)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects: () =>
      requests()
        .filter((r) => r.startsWith('CONNECT '))
        .map((r) => r.slice('CONNECT '.length)),
    refused: () => [...log().matchAll(/Refused CONNECT method on port (\d+)/g)].map((m) => m[1]!),
    forwarded: () => requests().filter((r) => !r.startsWith('CONNECT ')),
    stop: () => proc.stop(),
  };
}
