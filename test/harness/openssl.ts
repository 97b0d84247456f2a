import { requireTool } from './tools.js';
import { runOk, type RunOptions } from './run.js';

/** Runs the system openssl and returns its stdout; throws with stderr on failure. */
export function openssl(args: string[], options: RunOptions = {}): Promise<string> {
  return runOk(requireTool('openssl'), args, options);
}
