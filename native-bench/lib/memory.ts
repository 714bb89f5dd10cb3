import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
// A gc handle without needing `node --expose-gc` on the command line (tsx runs us).
const gcNow = runInNewContext('gc') as () => void;

export interface MemorySnapshot {
  rssBytes: number;
  heapUsedBytes: number;
  /** Typed arrays and Buffers live here, outside the JS heap. */
  arrayBuffersBytes: number;
  externalBytes: number;
}

export function memorySnapshot(): MemorySnapshot {
  gcNow();
  gcNow();
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, arrayBuffersBytes: m.arrayBuffers, externalBytes: m.external };
}

export interface MemoryDelta {
  rssMiB: number;
  heapMiB: number;
  arrayBuffersMiB: number;
}

export function memoryDelta(before: MemorySnapshot, after: MemorySnapshot): MemoryDelta {
  const mib = (b: number) => Math.round((b / 1_048_576) * 10) / 10;
  return {
    rssMiB: mib(after.rssBytes - before.rssBytes),
    heapMiB: mib(after.heapUsedBytes - before.heapUsedBytes),
    arrayBuffersMiB: mib(after.arrayBuffersBytes - before.arrayBuffersBytes),
  };
}
