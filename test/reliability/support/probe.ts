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
  /** Non-socket descriptors open across the probe's two listings (targets, sorted). */
  files: string[];
  /** process.getActiveResourcesInfo() counted by kind (Timeout, TCPSocketWrap, …). */
  resources: Record<string, number>;
}

/** Open descriptors now: fd number → what it points at (`socket:[…]`, `pipe:[…]`, a path). */
function listing(): Map<string, string> {
  const open = new Map<string, string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      open.set(fd, readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // Closed between the listing and the readlink (a registry connection ending, or the
      // listing's own directory handle): not open.
    }
  }
  return open;
}

/**
 * Sockets from one listing; other descriptors only when open in two listings `settleMs` apart.
 * `serve` re-reads its TLS pair every second and its policy files every two, each read holding a
 * descriptor for a moment on the thread pool: a probe that lands on one must not count it, while
 * a leaked descriptor stays open and is counted.
 */
async function descriptors(settleMs: number) {
  const first = listing();
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const second = listing();
  let sockets = 0;
  for (const target of second.values()) if (target.startsWith('socket:')) sockets++;
  const files: string[] = [];
  for (const [fd, target] of second)
    if (!target.startsWith('socket:') && first.get(fd) === target) files.push(target);
  return { fds: second.size, sockets, files: files.sort() };
}

async function answer(req: ProbeRequest): Promise<ProbeAnswer> {
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
    ...(await descriptors(50)),
    resources,
  };
}

if (process.send) {
  process.on('message', (m: ProbeRequest) => {
    if (typeof m?.probe === 'number') void answer(m).then((a) => process.send?.(a));
  });
  process.channel?.unref();
}
