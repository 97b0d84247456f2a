import { describe, expect, it } from 'vitest';
import { statCpuMs } from './proc.js';

// pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
const stat = (comm: string, utime: number, stime: number): string =>
  `4242 (${comm}) S 1 4242 4242 0 -1 4194560 100 0 0 0 ${utime} ${stime} 0 0 20 0 7 0 1 2 3\n`;

describe('statCpuMs', () => {
  describe('when given a /proc/<pid>/stat line', () => {
    it('returns utime + stime in ms (100 ticks per second)', () => {
      expect(statCpuMs(stat('node', 150, 25))).toBe(1750);
    });
  });
  describe('when the command name holds spaces and parentheses', () => {
    it('returns the same fields, counted after the last parenthesis', () => {
      expect(statCpuMs(stat('a) S 9 (b', 3, 4))).toBe(70);
    });
  });
});
