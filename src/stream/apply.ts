/**
 * One message's payload into the engine, whatever brought it: decode, validate, ingest, and say
 * what was refused so the caller can send it to its dead-letter topic. Shared by every source
 * (Pulsar, Kafka), so a payload means the same thing on each.
 */
import type { BatchRejection, Engine } from '../../engine/index.js';
import { decodePayload } from './decode.js';

/** What one payload did. */
export interface Applied {
  /** Events the engine took. */
  events: number;
  /** Why the payload as a whole could not be read; then nothing was ingested. */
  error?: string;
  /** Events refused, by index within the payload, in order. */
  rejected: BatchRejection[];
  /** Dead letters this payload counts for: 1 for an unreadable payload, else one per refusal. */
  deadLetters: number;
}

/** Decodes and ingests one payload. Never throws for bad input. */
export function applyPayload(engine: Engine, payload: Uint8Array, now: number): Applied {
  const decoded = decodePayload(payload, now);
  let rejected = decoded.rejected;
  let events = 0;
  if (decoded.events.length > 0) {
    // The engine's clock refuses events too far ahead or older than retention: dead letters
    // too, with the index they had in the message.
    const refused = engine.ingestEvents(decoded.events).rejected;
    events = decoded.events.length - refused.length;
    if (refused.length > 0) rejected = mergeRefusals(decoded.rejected, refused);
  }
  return {
    events,
    ...(decoded.error !== undefined && { error: decoded.error }),
    rejected,
    deadLetters: decoded.error !== undefined ? 1 : rejected.length,
  };
}

/**
 * Adds the engine's refusals (indexed among the valid events) to a decoder's rejections (indexed
 * in the message), as message indices, in order.
 */
export function mergeRefusals(
  decoded: readonly BatchRejection[],
  refused: readonly BatchRejection[],
): BatchRejection[] {
  const bad = new Set(decoded.map((r) => r.index));
  // Refusals come in event order; the last one bounds how far the walk goes (`bad` is finite).
  const need = refused[refused.length - 1]!.index + 1;
  const messageIndex: number[] = [];
  for (let i = 0; messageIndex.length < need; i++) if (!bad.has(i)) messageIndex.push(i);
  const out = [...decoded, ...refused.map((r) => ({ ...r, index: messageIndex[r.index]! }))];
  return out.sort((a, b) => a.index - b.index);
}
