// Preloaded into a `serve` child (`--import`): answers the parent's probes over the IPC channel
// with this process's heap (after a full GC when asked; needs --expose-gc), file descriptors,
// sockets and active resources. The channel is unref'd so it never holds the process open.
import { readdirSync, readlinkSync } from 'node:fs';
import v8 from 'node:v8';

export interface ProbeRequest {
  probe: number;
  gc: boolean;
}

export interface ProbeAnswer {
  probe: number;
  heapUsed: number;
  heapLimit: number;
  rss: number;
  fds: number;
  sockets: number;
  /** process.getActiveResourcesInfo() counted by kind (Timeout, TCPSocketWrap, …). */
  resources: Record<string, number>;
}

function descriptors(): { fds: number; sockets: number } {
  let open = 0;
  let sockets = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      open++;
      if (target.startsWith('socket:')) sockets++;
    } catch {
      // Closed between the listing and the readlink (a registry connection ending, or the
      // listing's own directory handle): not open, so counted neither as a socket nor as a file.
    }
  }
  return { fds: open, sockets };
}

function answer(req: ProbeRequest): ProbeAnswer {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (req.gc && gc) {
    gc();
    gc();
  }
  const heap = v8.getHeapStatistics();
  const resources: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] ?? 0) + 1;
  return {
    probe: req.probe,
    heapUsed: heap.used_heap_size,
    heapLimit: heap.heap_size_limit,
    rss: process.memoryUsage().rss,
    ...descriptors(),
    resources,
  };
}

if (process.send) {
  process.on('message', (m: ProbeRequest) => {
    if (typeof m?.probe === 'number') process.send?.(answer(m));
  });
  process.channel?.unref();
}
