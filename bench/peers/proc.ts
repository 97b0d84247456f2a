// What a server process costs, read from /proc the same way for both servers (a Node process and
// a Go one): CPU time from /proc/<pid>/stat, resident memory from /proc/<pid>/status.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`: 100 on Linux x86-64). */
const TICKS_PER_SECOND = 100;

/** User + system CPU time of `pid` so far, in ms (10 ms resolution). */
export const cpuMs = (pid: number): number => statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));

/** User + system CPU time in ms from the text of /proc/<pid>/stat. */
export function statCpuMs(stat: string): number {
  // Fields after the command name (which may hold spaces) start at ") "; utime and stime are the
  // 14th and 15th fields of the whole line, the 12th and 13th after it.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** Resident set size of `pid` (VmRSS), in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

interface CoreTime {
  busy: number;
  total: number;
}

/** Busy and total ticks of one core so far (/proc/stat). */
export function coreTime(cpu: number): CoreTime {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`cpu${cpu} `));
  const v = (line ?? '').split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** A window over one server process and its core: CPU it used, and what others used of the core. */
export function cpuWindow(pid: number, cpu: number): () => { cpuMs: number; othersShare: number } {
  const [c0, core0, t0] = [cpuMs(pid), coreTime(cpu), performance.now()];
  return () => {
    const [c1, core1, t1] = [cpuMs(pid), coreTime(cpu), performance.now()];
    const used = c1 - c0;
    const busy = (core1.busy - core0.busy) / Math.max(1, core1.total - core0.total);
    return { cpuMs: used, othersShare: Math.max(0, busy - used / (t1 - t0)) };
  };
}
