import { setImmediate as nextTurn } from 'node:timers/promises';
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

// One Ctrl-C can arrive more than once: the terminal signals the whole process group and
// npm (or another wrapper) relays the same signal to its child. Repeats this close together
// are that echo, not a user insisting.
const SIGNAL_ECHO_MS = 1000;

/**
 * Calls `onSignal` once on the first SIGINT or SIGTERM; a second signal more than a second
 * later exits at once. Returns the function that removes both handlers (installed and
 * removed in pairs).
 */
export function onShutdownSignals(onSignal: (signal: NodeJS.Signals) => void): () => void {
  let firstAtMs: number | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (firstAtMs !== undefined) {
      if (Date.now() - firstAtMs > SIGNAL_ECHO_MS) process.exit(130);
      return;
    }
    firstAtMs = Date.now();
    onSignal(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** How long a process that has shut everything down may take to exit by itself. */
export const EXIT_LINGER_MS = 3000;

/**
 * Called once shutdown is complete, when the process should exit by itself. If a handle a
 * library left open (a socket, a retry timer) keeps it alive past `lingerMs`, it says which
 * kinds are left and exits with the code already set: a finished shutdown never hangs. The
 * timer is unref'd, so a clean exit is not delayed by it.
 */
export function exitIfStillAlive(log: Logger, lingerMs = EXIT_LINGER_MS): void {
  const timer = setTimeout(() => {
    log.warn({ resources: process.getActiveResourcesInfo(), lingerMs }, 'still running after shutdown: a handle was left open; exiting');
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  }, lingerMs);
  timer.unref();
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

/**
 * The most a synchronous run keeps the event loop before giving it a turn: a learner's fetch
 * (event applies, candidate searches and lists: thousands of ~0.65 ms searches when it is
 * behind) or an API's clickstream tail catching up on its lookback. Heartbeats, the other
 * tails, /metrics and HTTP requests share the thread.
 */
export const TURN_BUDGET_MS = 10;

/**
 * Returns a function to call between units of work: it resolves at once while the run is
 * within `budgetMs` of its last turn, else after the event loop's next turn. A turn lets other
 * partitions' batches and requests run, as the awaits on Redis and Kafka already do; one
 * partition's batches, and so one user's events, still run in order.
 */
export function createTurns(budgetMs: number = TURN_BUDGET_MS): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    const now = performance.now();
    if (now - since < budgetMs) return undefined;
    return nextTurn().then(() => {
      since = performance.now();
    });
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * `attempt()` again every `stepMs` while it fails with an error `retryable` accepts, for at most
 * `waitMs`; then (or on any other error) its last error is thrown.
 */
export async function retryWithin<T>(attempt: () => Promise<T>, o: { waitMs: number; stepMs: number; retryable: (err: unknown) => boolean }): Promise<T> {
  const deadline = Date.now() + o.waitMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!o.retryable(err) || Date.now() + o.stepMs > deadline) throw err;
      await sleep(o.stepMs);
    }
  }
}

/**
 * Runs a worker until SIGTERM/SIGINT or until it reports a fatal error, then closes it.
 * Signal handlers go in before the worker starts (a Ctrl-C during start-up is not lost)
 * and come out in every path. `hardStopMs` backs the worker's own bounded close: past it
 * the process exits 1. Resolves with the exit code: 0 after a signal, 1 after a fatal
 * error or a failed close.
 */
export async function runUntilSignal<W extends { close(): Promise<void> }>(
  name: string,
  start: (onFatal: (err: Error) => void) => Promise<W>,
  options: { log: Logger; hardStopMs: number; onStopped?: (worker: W) => void },
): Promise<number> {
  const { log } = options;
  let fatal: (err: Error) => void = () => undefined;
  const died = new Promise<number>((resolve) => {
    fatal = (err) => {
      log.fatal({ err: err.message }, `${name} stopped for good`);
      resolve(1);
    };
  });
  let removeHandlers: () => void = () => undefined;
  const signalled = new Promise<number>((resolve) => {
    removeHandlers = onShutdownSignals((signal) => {
      log.info({ signal }, `shutting down the ${name}`);
      resolve(0);
    });
  });
  const worker = await start((err) => fatal(err)).catch((err: unknown) => {
    removeHandlers();
    throw err;
  });
  const code = await Promise.race([signalled, died]);
  const hardStop = setTimeout(() => {
    log.error({ hardStopMs: options.hardStopMs }, `${name} shutdown exceeded its grace time; exiting`);
    process.exit(1);
  }, options.hardStopMs);
  hardStop.unref();
  try {
    await worker.close();
  } catch (err) {
    log.error({ err: (err as Error).message }, `${name} shutdown step failed`);
    return 1;
  } finally {
    removeHandlers();
    clearTimeout(hardStop);
    exitIfStillAlive(log);
  }
  options.onStopped?.(worker);
  return code;
}
