import { describe, expect, it } from 'vitest';
import { processCpuMs } from '../../native-bench/lib/machine.ts';

describe('processCpuMs', () => {
  it('reads a live process\'s CPU time, which grows while it works', () => {
    const before = processCpuMs(process.pid);
    expect(before).toBeGreaterThan(0);
    const start = process.cpuUsage();
    // Busy for at least 120 ms of CPU: several 10 ms ticks.
    let x = 0;
    while ((process.cpuUsage(start).user + process.cpuUsage(start).system) / 1000 < 120) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    expect(processCpuMs(process.pid)! - before!).toBeGreaterThanOrEqual(80);
  });

  it('is undefined for a process that does not exist', () => {
    expect(processCpuMs(2 ** 22 + 12345)).toBeUndefined();
  });
});
