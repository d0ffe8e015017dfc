/**
 * Keeps the factor model fresh in a running server: one training at start-up, then one every
 * `everyMs`. Training runs in the engine's worker thread, so serving goes on meanwhile; users with
 * newer events are folded in online between trainings.
 */
import type { Engine, FactorReport } from '../../engine/index.js';

export interface RetrainSchedule {
  stop(): void;
}

export function describeFactors(r: FactorReport): string {
  if (r.skipped !== undefined) return `factor model: not trained (${r.skipped})`;
  return (
    `factor model: ${r.users} users × ${r.items} items, ${r.interactions} interactions, ` +
    `${r.factors} factors, trained in ${r.trainSeconds.toFixed(1)} s, ` +
    `${r.index} index of ${r.indexedItems} items in ${r.indexSeconds.toFixed(1)} s`
  );
}

export function scheduleRetrain(
  engine: Engine,
  everyMs: number,
  log: (line: string) => void,
): RetrainSchedule {
  let stopped = false;
  const run = (): void => {
    if (stopped) return;
    engine.trainFactors().then(
      (r) => log(describeFactors(r)),
      (err: unknown) => {
        if (!stopped)
          log(`factor training failed: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  };
  run();
  const timer = everyMs > 0 ? setInterval(run, everyMs) : undefined;
  timer?.unref();
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
