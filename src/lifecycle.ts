import type { Logger } from './log.ts';

export type WorkerState = 'starting' | 'running' | 'draining' | 'stopped';

type Cleanup = () => Promise<void> | void;

/**
 * Collects cleanup steps and runs them in reverse order of registration. close() is
 * idempotent (later calls get the first call's promise) and runs every step even when
 * one fails; failures are logged, then the first is rethrown.
 */
export interface Closer {
  add(name: string, cleanup: Cleanup): void;
  close(): Promise<void>;
  readonly closed: boolean;
}

export function createCloser(log?: Logger): Closer {
  const steps: Array<{ name: string; cleanup: Cleanup }> = [];
  let closing: Promise<void> | undefined;
  return {
    add(name, cleanup) {
      if (closing) throw new Error(`cannot add cleanup "${name}" after close()`);
      steps.push({ name, cleanup });
    },
    get closed() {
      return closing !== undefined;
    },
    close() {
      closing ??= (async () => {
        let first: unknown;
        for (const { name, cleanup } of steps.reverse()) {
          try {
            await cleanup();
          } catch (err) {
            log?.warn({ err, step: name }, 'cleanup step failed');
            first ??= err;
          }
        }
        if (first !== undefined) throw first;
      })();
      return closing;
    },
  };
}

/**
 * Calls `onSignal` once on the first SIGINT or SIGTERM; a second signal exits at once.
 * Returns the function that removes both handlers (installed and removed in pairs).
 */
export function onShutdownSignals(onSignal: (signal: NodeJS.Signals) => void): () => void {
  let received = false;
  const handler = (signal: NodeJS.Signals) => {
    if (received) process.exit(130);
    received = true;
    onSignal(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** Races a promise against a deadline so no wait in the engine is unbounded. */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
