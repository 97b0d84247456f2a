import net, { type AddressInfo } from 'node:net';

/**
 * A byte-for-byte TCP relay on 127.0.0.1 in front of a server (TLS passes through untouched), that
 * counts the connections clients open to it: with a proxy in between, every connection the relay
 * accepts must show as one CONNECT in the proxy's log.
 */
export async function startTcpRelay(target: { host: string; port: number }): Promise<{
  port: number;
  /** `127.0.0.1:PORT`. */
  host: string;
  connections: () => number;
  stop: () => Promise<void>;
}> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    host: `127.0.0.1:${port}`,
    connections: () => connections,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
