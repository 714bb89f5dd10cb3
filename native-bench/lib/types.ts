import type { Config } from '../../src/config.ts';

// The benchmarks' shared types, apart from the modules that produce or render them, so that a
// bench, the harness, the report and the charts all point here and never at each other.

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  kafka: string;
  redis: string;
  date: string;
  /** What the kernel's DAMON reclaim was doing (absent in results from before it was read). */
  damon?: string;
}

export type Cell = string | number | null;

export interface ResultTable {
  title: string;
  columns: string[];
  rows: Cell[][];
  notes?: string[];
}

/** A figure worth a line of its own; ratios measured side by side in one run come first. */
export interface Headline {
  label: string;
  value: number | string;
  unit?: string;
}

export interface Skipped {
  what: string;
  reason: string;
}

/** What a benchmark returns; the harness adds where, when and how long. */
export interface BenchOutcome {
  headline: Headline[];
  tables: ResultTable[];
  /** How it was measured: the method, data, sizes. */
  notes: string[];
  skipped: Skipped[];
  versions?: Record<string, string>;
  data?: Record<string, unknown>;
}

export interface BenchResult extends BenchOutcome {
  name: string;
  title: string;
  quick: boolean;
  command: string;
  machine: MachineFacts;
  durationS: number;
  /** 1-minute load average before and after: other work on the machine skews every figure. */
  loadAverage?: { before: number; after: number };
}

export interface BenchOptions {
  /** Also run ANN at 1M items (long on 2 cores). */
  ann1m: boolean;
  /** MovieLens 100K u.data for the quality and eval-speed benchmarks. */
  ml100k: string | undefined;
  /** api: also measure the 1,000/s rows with the kernel's DAMON reclaim paused (root; restored after). */
  pauseDamon: boolean;
  /** soak: seconds of load (default 600; quick mode 20). */
  soakSeconds: number | undefined;
}

export interface BenchContext {
  quick: boolean;
  config: Config;
  options: BenchOptions;
  machine: MachineFacts;
  progress(message: string): void;
}

export interface Bench {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<BenchOutcome>;
}
