/**
 * Runs one session tuning (src/tune/sessions.ts) off the main thread, so that a server keeps
 * answering while it searches: takes the history and the budget as worker data, posts the report.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SessionKnnParams } from '../../engine/models/session-knn.js';
import { tuneSessions } from './sessions.js';

const data = workerData as { train: number[][]; budgetS: number; start: SessionKnnParams };
parentPort!.postMessage(
  tuneSessions({ train: data.train, budgetS: data.budgetS, start: data.start }),
);
