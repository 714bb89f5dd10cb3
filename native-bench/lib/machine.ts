import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { damonLine, kdamonds } from './damon.ts';
import type { MachineFacts } from './types.ts';

const run = promisify(execFile);

/** What every result states about where and with what it was measured. */

export async function machineFacts(stateDir: string, redisServerBin = 'redis-server'): Promise<MachineFacts> {
  const cpuList = cpus();
  return {
    cores: cpuList.length,
    cpuModel: cpuModel() ?? cpuList[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: release(),
    node: process.version,
    kafka: kafkaVersion(stateDir) ?? 'not installed (run `streamrec stack up`)',
    redis: await redisVersion(redisServerBin),
    date: new Date().toISOString(),
    damon: damonLine(kdamonds()),
  };
}

function cpuModel(): string | undefined {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line?.split(':')[1]?.trim();
  } catch {
    return undefined;
  }
}

/** The broker's version, read from the kafka-clients jar the stack downloaded. */
export function kafkaVersion(stateDir: string): string | undefined {
  const libs = kafkaLibsDir(stateDir);
  if (!libs) return undefined;
  const jar = readdirSync(libs).find((f) => /^kafka-clients-[\d.]+\.jar$/.test(f));
  return jar?.replace(/^kafka-clients-/, '').replace(/\.jar$/, '');
}

/** `<stateDir>/kafka-<version>/libs`, the jars `streamrec stack up` fetched. */
export function kafkaLibsDir(stateDir: string): string | undefined {
  if (!existsSync(stateDir)) return undefined;
  const dirs = readdirSync(stateDir)
    .filter((d) => /^kafka-\d/.test(d))
    .sort()
    .reverse();
  for (const d of dirs) {
    const libs = join(stateDir, d, 'libs');
    if (existsSync(libs) && readdirSync(libs).some((f) => f.startsWith('kafka-tools-'))) return libs;
  }
  return undefined;
}

async function redisVersion(bin: string): Promise<string> {
  try {
    const { stdout } = await run(bin, ['--version'], { timeout: 5000 });
    return /v=(\S+)/.exec(stdout)?.[1] ?? stdout.trim();
  } catch {
    return 'not installed';
  }
}

export function machineLine(m: MachineFacts): string {
  return (
    `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB RAM, Linux ${m.kernel}; ` +
    `Node ${m.node}, Kafka ${m.kafka}, Redis ${m.redis}; ${m.damon ? `${m.damon}; ` : ''}${m.date}`
  );
}

/**
 * CPU time (user + system, all threads) a process has used so far, in ms, from
 * /proc/<pid>/stat; undefined where there is no /proc or the process is gone. Ticks are
 * USER_HZ, which Linux fixes at 100 for user space on every architecture we run.
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
    const ticks = Number(fields?.[11]) + Number(fields?.[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}
