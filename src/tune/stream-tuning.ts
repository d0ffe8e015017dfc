/**
 * `aisle serve --tune-every`: the session model re-tuned now and then on the stream's own recent
 * sessions, in a worker thread, and the result swapped in only when it beats the parameters in
 * force on the validation split it carved (the search starts from them, so ties keep them). The
 * engine keeps the parameters in its snapshots; `GET /v1/models/sessions` shows when and on what
 * they were chosen.
 */
import { Worker } from 'node:worker_threads';
import type { Engine } from '../../engine/index.js';
import type { SessionKnnParams } from '../../engine/models/session-knn.js';
import type { TunedNote } from './params-file.js';
import { changedFrom } from './search.js';
import type { SessionTuneReport } from './sessions.js';

export interface StreamTuningOptions {
  /** Time between the end of one tuning and the start of the next (ms). */
  everyMs: number;
  /** Seconds each tuning may take. */
  budgetS: number;
  /** Sessions the history must hold before a tuning is worth running. Default 2,000. */
  minSessions?: number;
  /** The newest sessions a tuning learns from, at most. Default 200,000. */
  maxSessions?: number;
  log?: (line: string) => void;
}

export interface StreamTuning {
  /** The last tuning that changed the parameters, if any. */
  readonly tuned: TunedNote | undefined;
  /** Tunings run so far (whether or not they changed anything). */
  readonly runs: number;
  stop(): Promise<void>;
}

export function scheduleSessionTuning(engine: Engine, o: StreamTuningOptions): StreamTuning {
  const log = o.log ?? (() => undefined);
  let tuned: TunedNote | undefined;
  let runs = 0;
  let stopped = false;
  let worker: Worker | undefined;
  let timer: NodeJS.Timeout | undefined;

  const next = (): void => {
    if (stopped) return;
    timer = setTimeout(run, o.everyMs);
    timer.unref();
  };

  const run = (): void => {
    const train = engine.sessionHistory(o.maxSessions ?? 200_000);
    if (train.length < (o.minSessions ?? 2_000)) {
      log(`tuning: ${train.length} sessions so far, waiting for ${o.minSessions ?? 2_000}`);
      next();
      return;
    }
    const start = engine.sessionParams;
    worker = startWorker({ train, budgetS: o.budgetS, start });
    worker.once('message', (report: SessionTuneReport) => {
      runs++;
      const gain = report.validation.gain.objective;
      if (gain > 0 && !stopped) {
        engine.setSessionParams(report.params);
        tuned = {
          chosenAt: report.chosenAt,
          on: `the stream's ${train.length} newest sessions`,
          validation: report.validation,
        };
        log(
          `tuning: new session parameters, validation objective +${gain} (${changes(start, report.params)})`,
        );
      } else {
        log(`tuning: the parameters in force stay (no gain on ${train.length} sessions)`);
      }
    });
    worker.once('error', (err) => log(`tuning failed: ${err.message}`));
    worker.once('exit', () => {
      worker = undefined;
      next();
    });
  };

  next();
  return {
    get tuned() {
      return tuned;
    },
    get runs() {
      return runs;
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await worker?.terminate();
    },
  };
}

function changes(from: SessionKnnParams, to: SessionKnnParams): string {
  return Object.entries(changedFrom(to, from))
    .map(([k, v]) => `${k} ${String(from[k as keyof SessionKnnParams])} → ${String(v)}`)
    .join(', ');
}

/**
 * Compiled, the worker is tune-worker.js beside this file; from source (under the test runner)
 * a bootstrap registers tsx inside the worker first, as the factor model's trainer does.
 */
function startWorker(workerData: unknown): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./tune-worker.js', here), { workerData });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const file = JSON.stringify(new URL('./tune-worker.ts', here).href);
  const boot = `import(${tsx}).then((tsx) => { tsx.register(); return import(${file}); });`;
  return new Worker(boot, { eval: true, workerData });
}
