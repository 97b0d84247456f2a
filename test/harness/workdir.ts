import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const made: string[] = [];

/** A fresh private directory under the system temp dir; removed at process exit. */
export function makeWorkdir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `notary-admission-${prefix}-`));
  made.push(dir);
  return dir;
}

process.once('exit', () => {
  if (process.env['NOTARY_ADMISSION_KEEP_TMP']) return;
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
