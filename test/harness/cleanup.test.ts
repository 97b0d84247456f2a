// What test/support/file-cleanup.ts relies on: a file run in a worker thread never sees `exit`,
// so these two calls are all that stops a leftover server and removes a leftover directory.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { killEveryChild, trackChild } from './process.js';
import { makeWorkdir, removeWorkdirs } from './workdir.js';

describe('per-file cleanup', () => {
  it('killEveryChild kills a tracked child that was never stopped', async () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    trackChild(child);
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    killEveryChild();
    expect(await exited).toBe('SIGKILL');
  });

  it('removeWorkdirs removes every directory made so far, once', () => {
    const dirs = [makeWorkdir('cleanup-a'), makeWorkdir('cleanup-b')];
    removeWorkdirs();
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
    expect(() => removeWorkdirs()).not.toThrow();
  });

  it('keeps the directories when NOTARY_ADMISSION_KEEP_TMP is set', () => {
    const dir = makeWorkdir('cleanup-kept');
    process.env['NOTARY_ADMISSION_KEEP_TMP'] = '1';
    try {
      removeWorkdirs();
      expect(existsSync(dir)).toBe(true);
    } finally {
      delete process.env['NOTARY_ADMISSION_KEEP_TMP'];
    }
    removeWorkdirs();
    expect(existsSync(dir)).toBe(false);
  });
});
