// Issue 20, first request after start. undici parses HTTP/1.1 with llhttp compiled to
// WebAssembly. V8 compiles it with its baseline compiler (Liftoff) and, once the parser runs,
// compiles its one large state-machine function again with the optimising compiler on a
// background thread: about 70 ms of CPU that, on a pod with one core, runs beside the first
// reviews and holds about 8 MiB more RSS afterwards (measured: bench/README.md). What we parse
// with it are registry answers of a few kilobytes, where baseline code is fast enough: 2,000
// requests for a 4 KB answer cost 264–270 µs of CPU each with it, 314–331 µs without (client and
// server in one process, the recompile included).
import v8 from 'node:v8';

/** The V8 flag; a Node whose V8 lacks it refuses it on its command line (tested). */
export const BASELINE_WASM_FLAG = '--liftoff-only';

/**
 * Keeps WebAssembly on the baseline compiler for the rest of this process. Must run before
 * undici compiles llhttp (its first connection); the program entry calls it first. V8 reads the
 * flag when it compiles a module, so setting it at run time is enough.
 */
export function keepWasmOnBaselineCompiler(): void {
  v8.setFlagsFromString(BASELINE_WASM_FLAG);
}
