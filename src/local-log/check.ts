/**
 * The checks `engine.ingest` makes before it applies a batch, without applying it: the wire
 * format (validateBatch) and the engine's event-time screen (engine/event-time.ts) against its
 * current watermark. The local log must only hold batches the engine will take, so a request is
 * checked here, then logged, then ingested.
 *
 * The screen is repeated by the engine when the batch is applied after its sync. It passes again:
 * the wall clock has only moved on, and without a retention horizon the watermark a concurrent
 * batch may have advanced in between refuses nothing.
 */
import {
  validateBatch,
  type BatchRejection,
  type Engine,
  type EngineOptions,
  type RetailEvent,
} from '../../engine/index.js';
import { EventClock, resolveEventTime } from '../../engine/event-time.js';

export interface CheckedBatch {
  /** The valid events, normalised (receive time filled in) exactly as the engine would. */
  events: RetailEvent[];
  /** Every refusal, by index in the raw batch, in order. */
  rejected: BatchRejection[];
  /** For each of `events`, its index in the raw batch. */
  rawIndex: number[];
}

export function checkBatch(
  engine: Engine,
  options: Pick<EngineOptions, 'eventTime' | 'retentionMs'>,
  raw: readonly unknown[],
  now: number,
): CheckedBatch {
  const { events, rejected } = validateBatch(raw, now);
  const bad = new Set(rejected.map((r) => r.index));
  let rawIndex: number[] = [];
  for (let i = 0; i < raw.length; i++) if (!bad.has(i)) rawIndex.push(i);
  const clock = new EventClock(resolveEventTime(options.eventTime), options.retentionMs);
  clock.restore(engine.watermark ?? Number.NEGATIVE_INFINITY);
  const ts = new Float64Array(events.length);
  for (let i = 0; i < events.length; i++) ts[i] = events[i]!.ts;
  const { refused } = clock.screen(ts, now);
  if (refused.length === 0) return { events, rejected, rawIndex };
  const drop = new Set(refused.map((r) => r.index));
  for (const r of refused) rejected.push({ ...r, index: rawIndex[r.index]! });
  rejected.sort((a, b) => a.index - b.index);
  rawIndex = rawIndex.filter((_, i) => !drop.has(i));
  return { events: events.filter((_, i) => !drop.has(i)), rejected, rawIndex };
}
