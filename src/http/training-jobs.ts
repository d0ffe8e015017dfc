/**
 * Factor-model trainings started over HTTP, as jobs: one at a time (a second request learns the
 * running job's id), each readable while it runs (iterations done) and after (its report or its
 * error). The last few finished jobs are kept; older ones are forgotten.
 */
import { randomUUID } from 'node:crypto';
import type { Engine, FactorReport } from '../../engine/index.js';

export type JobState = 'running' | 'done' | 'failed';

export interface TrainingJob {
  id: string;
  state: JobState;
  startedAt: string;
  finishedAt?: string;
  /** ALS iterations done, and planned. */
  iteration: number;
  iterations: number;
  report?: FactorReport;
  error?: string;
}

/** Finished jobs kept for reading back. */
const KEEP = 16;

export class TrainingJobs {
  private readonly jobs = new Map<string, TrainingJob>();
  private running: TrainingJob | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly iterations: () => number,
  ) {}

  /** The running job, if any. */
  get current(): TrainingJob | undefined {
    return this.running;
  }

  /** Starts a training, or returns undefined when one is running (see `current`). */
  start(): TrainingJob | undefined {
    if (this.running !== undefined) return undefined;
    const job: TrainingJob = {
      id: randomUUID(),
      state: 'running',
      startedAt: new Date().toISOString(),
      iteration: 0,
      iterations: this.iterations(),
    };
    this.running = job;
    this.jobs.set(job.id, job);
    this.forgetOld();
    this.engine
      .trainFactors({
        onIteration: (i) => {
          job.iteration = i;
        },
      })
      .then(
        (report) => {
          job.state = 'done';
          job.report = report;
          job.iteration = report.iterations;
        },
        (err: unknown) => {
          job.state = 'failed';
          job.error = err instanceof Error ? err.message : String(err);
        },
      )
      .finally(() => {
        job.finishedAt = new Date().toISOString();
        this.running = undefined;
      });
    return job;
  }

  get(id: string): TrainingJob | undefined {
    return this.jobs.get(id);
  }

  private forgetOld(): void {
    while (this.jobs.size > KEEP) {
      const oldest = this.jobs.keys().next().value!;
      if (this.jobs.get(oldest) === this.running) return;
      this.jobs.delete(oldest);
    }
  }
}
