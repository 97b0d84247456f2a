// A loopback round-robin TCP proxy in front of webhook replicas, as a Service's virtual IP
// spreads connections over its endpoints. A connection that cannot reach its endpoint (refused:
// the replica is gone) is moved to the next one before any byte is sent, as an endpoint removed
// from the Service no longer receives connections; connections already open break with it.
import net, { type AddressInfo, type Socket } from 'node:net';

export interface Upstream {
  host: string;
  port: number;
}

export interface Balancer {
  /** `https://127.0.0.1:PORT` (TLS passes through). */
  url: string;
  /** Connections handed to each upstream so far, and open now. */
  stats(): { handed: number; open: number }[];
  /** Why connections to upstreams failed or broke (error codes), for the report. */
  errors(): string[];
  close(): Promise<void>;
}

export async function startBalancer(upstreams: Upstream[]): Promise<Balancer> {
  const handed = upstreams.map(() => 0);
  const open = upstreams.map(() => 0);
  const sockets = new Set<Socket>();
  const errors: string[] = [];
  const note = (where: string) => (err: NodeJS.ErrnoException) =>
    void errors.push(`${where} ${err.code ?? err.message} at ${Math.round(performance.now())}`);
  let next = 0;

  /** Connects to upstream `i`, or the ones after it that accept; null when none does. */
  const connect = (i: number, tries: number): Promise<{ socket: Socket; index: number } | null> =>
    new Promise((resolve) => {
      if (tries >= upstreams.length) return resolve(null);
      const index = i % upstreams.length;
      const up = net.connect(upstreams[index]!);
      up.once('connect', () => resolve({ socket: up, index }));
      up.once('error', (err: NodeJS.ErrnoException) => {
        note(`connect ${index}`)(err);
        up.destroy();
        void connect(index + 1, tries + 1).then(resolve);
      });
    });

  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.pause();
    void connect(next++, 0).then((picked) => {
      if (!picked || client.destroyed) {
        picked?.socket.destroy();
        client.destroy();
        return;
      }
      const { socket: up, index } = picked;
      handed[index]!++;
      open[index]!++;
      sockets.add(up);
      up.on('close', () => {
        sockets.delete(up);
        open[index]!--;
        client.destroy();
      });
      client.on('close', () => up.destroy());
      up.on('error', (err: NodeJS.ErrnoException) => {
        note(`upstream ${index}`)(err);
        client.destroy();
      });
      client.on('error', (err: NodeJS.ErrnoException) => {
        note('client')(err);
        up.destroy();
      });
      client.pipe(up);
      up.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    stats: () => upstreams.map((_, i) => ({ handed: handed[i]!, open: open[i]! })),
    errors: () => [...errors],
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
