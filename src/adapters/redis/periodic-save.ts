/** A snapshot saved every `everyMs` and once more at stop; `save` never throws (it logs). */
export interface PeriodicSave {
  /** Writes the snapshot now. */
  save(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs `save` every `everyMs` (the timer does not keep the process alive) and at stop. What a
 * learner keeps in memory and saves for its successor (trending, the blend choice) loses at
 * most `everyMs` of updates on a crash.
 */
export function startPeriodicSave(save: () => Promise<void>, everyMs: number): PeriodicSave {
  const timer = setInterval(() => void save(), everyMs);
  timer.unref();
  return {
    save,
    async stop() {
      clearInterval(timer);
      await save();
    },
  };
}
