/**
 * ALS training off the main thread. One worker thread, started on the first `train` and reused;
 * requests queue in it and run one at a time, each on its own kernel instance. The main thread
 * only clones (or transfers) the input and receives the factors by transfer, so a server keeps
 * answering while a model trains.
 */
import { Worker } from 'node:worker_threads';
import { AisleError } from '../../errors.js';
import type { Csr } from '../csr.js';
import type { AlsOptions } from './options.js';
import { fromWire, type TrainReply, type TrainRequest } from './protocol.js';
import type { AlsFactors, AlsProgress } from './train.js';

export interface AlsTrainOptions {
  /** true: SIMD kernels (an error where unsupported); false: scalar; undefined: the best available. */
  simd?: boolean;
  /** Per-iteration progress, relayed from the worker. */
  onIteration?: AlsProgress;
  /**
   * Transfer the matrix's buffers to the worker instead of copying them. The caller's arrays
   * (and every other view on their buffers) are detached afterwards.
   */
  transfer?: boolean;
}

interface Job {
  resolve(f: AlsFactors): void;
  reject(err: Error): void;
  onIteration: AlsProgress | undefined;
}

export class AlsTrainer {
  private worker: Worker | undefined;
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  private closed = false;

  /**
   * Trains `trainAls(userItems, options)` in the worker thread and resolves with the factors
   * (the same, bit for bit, as in-process training with the same build and seed). Rejects with
   * the worker's error (AISLE_INVALID_ARGUMENT for bad options or matrix), or AISLE_CLOSED once
   * `close` has been called or when the worker dies.
   */
  train(
    userItems: Csr,
    options: Partial<AlsOptions> = {},
    opts: AlsTrainOptions = {},
  ): Promise<AlsFactors> {
    if (this.closed) return Promise.reject(closedError('the ALS trainer is closed'));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const { rows, cols, indptr, indices, values } = userItems;
    const req: TrainRequest = {
      id,
      userItems: { rows, cols, indptr, indices, values },
      options,
      simd: opts.simd,
    };
    return new Promise<AlsFactors>((resolve, reject) => {
      this.jobs.set(id, { resolve, reject, onIteration: opts.onIteration });
      worker.ref();
      try {
        const transfer = opts.transfer
          ? [...new Set([indptr, indices, values].map((a) => a.buffer))]
          : [];
        worker.postMessage(req, transfer as ArrayBuffer[]);
      } catch (err) {
        this.settle(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Terminates the worker; pending trainings reject with AISLE_CLOSED. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.failAll(closedError('the ALS trainer was closed'));
    const w = this.worker;
    this.worker = undefined;
    if (w !== undefined) await w.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker !== undefined) return this.worker;
    const w = startWorker();
    w.on('message', (reply: TrainReply) => this.onReply(reply));
    w.on('error', (err) => {
      if (this.worker === w) this.worker = undefined;
      this.failAll(err);
    });
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = undefined;
      this.failAll(closedError(`the ALS training worker exited with code ${code}`));
    });
    w.unref();
    this.worker = w;
    return w;
  }

  private onReply(reply: TrainReply): void {
    const job = this.jobs.get(reply.id);
    if (job === undefined) return;
    if (reply.type === 'progress') {
      job.onIteration?.(reply.iteration, reply.seconds);
      return;
    }
    this.settle(reply.id);
    if (reply.type === 'done') job.resolve(reply.factors);
    else job.reject(fromWire(reply.error));
  }

  /** Forgets a job; an idle worker must not keep the process alive. */
  private settle(id: number): void {
    this.jobs.delete(id);
    if (this.jobs.size === 0) this.worker?.unref();
  }

  private failAll(err: Error): void {
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    this.worker?.unref();
    for (const job of jobs) job.reject(err);
  }
}

function closedError(message: string): AisleError {
  return new AisleError('AISLE_CLOSED', message);
}

/**
 * Compiled, the worker is worker.js beside this file. From source (this module's URL ends in
 * .ts, as under the test runner) Node 20 cannot run a .ts worker, and ignores `--import` in a
 * worker's execArgv, so a one-line bootstrap registers the tsx loader inside the worker first.
 * tsx is resolved from this module, not from the working directory.
 */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./worker.js', here));
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const worker = JSON.stringify(new URL('./worker.ts', here).href);
  const boot = `import(${tsx}).then((tsx) => { tsx.register(); return import(${worker}); });`;
  return new Worker(boot, { eval: true });
}
