/**
 * The checks `engine.ingest` makes before it applies a batch, without applying it
 * (`engine.check`: the wire format and the engine's event-time screen against its current
 * watermark). The local log must only hold batches the engine will take, so a request is checked
 * here, then logged, then ingested.
 *
 * The screen is repeated by the engine when the batch is applied after its sync. It passes again:
 * the wall clock has only moved on, and only the retention floor depends on the watermark that a
 * concurrent batch may have advanced in between; should it refuse an event then, the reply says
 * so, and replay refuses it the same way, since the watermark is replayed in the same order.
 */
import type { BatchRejection, Engine, RetailEvent } from '../../engine/index.js';

export interface CheckedBatch {
  /** The valid events, normalised (receive time filled in) exactly as the engine would. */
  events: RetailEvent[];
  /** Every refusal, by index in the raw batch, in order. */
  rejected: BatchRejection[];
  /** For each of `events`, its index in the raw batch. */
  rawIndex: number[];
}

export function checkBatch(engine: Engine, raw: readonly unknown[], now: number): CheckedBatch {
  return engine.check(raw, now);
}
