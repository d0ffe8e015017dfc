/**
 * Worker side of the tamper test: restores a snapshot and puts the engine through its paces.
 * It runs in a worker thread so that a restore or a later call that never returns fails the
 * case on a timeout instead of hanging the test run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import {
  isAisleError,
  restoreEngine,
  writeEngineSnapshot,
  type Engine,
  type RetailEvent,
} from '../../../engine/index.js';

/** One case: the snapshot to restore and what to do with the engine afterwards. */
export interface TamperJob {
  id: number;
  dir: string;
  /** Ingested after the restore, and again after the second restore. */
  batch: RetailEvent[];
  items: string[];
  users: string[];
}

/** How a case ended. */
export type TamperOutcome =
  | { id: number; kind: 'refused'; code: string; message: string }
  | { id: number; kind: 'working' }
  /** Restore threw an untyped error, or the restored engine failed at `stage` in any way. */
  | { id: number; kind: 'broken'; stage: string; error: string };

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/** Everything a client would ask of a restored engine; throws what the engine throws. */
function use(engine: Engine, job: TamperJob): void {
  const accepted = engine.ingestEvents(job.batch);
  if (accepted.accepted + accepted.rejected.length !== job.batch.length) {
    throw new Error('ingest lost events');
  }
  engine.stats();
  engine.analytics.trending({ k: 10 });
  engine.recommend({ type: 'popular', k: 10 });
  for (const item of job.items) {
    engine.recommend({ type: 'similar', item, k: 10 });
    engine.recommend({ type: 'bought-together', item, k: 10 });
    engine.recommend({ type: 'bought-together', items: [item], k: 5 });
  }
  for (const user of job.users) {
    engine.recommend({ type: 'user', user, k: 10 });
    engine.recommend({ type: 'session', user, k: 10 });
    engine.recommend({ type: 'buy-again', user, k: 10 });
  }
}

async function run(job: TamperJob): Promise<TamperOutcome> {
  let engine: Engine;
  try {
    engine = await restoreEngine(job.dir);
  } catch (err) {
    if (isAisleError(err)) {
      return { id: job.id, kind: 'refused', code: err.code, message: err.message };
    }
    return { id: job.id, kind: 'broken', stage: 'restore', error: describe(err) };
  }
  let stage = 'use';
  const out = await mkdtemp(join(tmpdir(), 'aisle-tamper-again-'));
  try {
    use(engine, job);
    stage = 'write';
    const written = await writeEngineSnapshot(engine, out, { position: job.id, now: 0 });
    stage = 'restore again';
    const again = await restoreEngine(written.dir);
    stage = 'use again';
    use(again, job);
    again.close();
    engine.close();
    return { id: job.id, kind: 'working' };
  } catch (err) {
    return { id: job.id, kind: 'broken', stage, error: describe(err) };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

parentPort!.on('message', (job: TamperJob) => {
  void run(job).then((outcome) => parentPort!.postMessage(outcome));
});
