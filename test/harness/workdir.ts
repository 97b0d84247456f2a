import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const made: string[] = [];

/**
 * A fresh private directory under the system temp dir; removed after the test file
 * (test/support/file-cleanup.ts) or at process exit.
 */
export function makeWorkdir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `notary-admission-${prefix}-`));
  made.push(dir);
  return dir;
}

/** Removes every directory made so far (unless NOTARY_ADMISSION_KEEP_TMP is set). */
export function removeWorkdirs(): void {
  if (process.env['NOTARY_ADMISSION_KEEP_TMP']) return;
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
process.once('exit', removeWorkdirs);
