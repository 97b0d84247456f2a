// The one front door to the process environment (architecture.md: `process.env` is read here).
import type { Env } from './notation-dir.js';

/** This process's environment, for the settings parsers. */
export function processEnvironment(): Env {
  return process.env;
}

/** The environment as the settings parsers read it. */
export type Environment = Env;
