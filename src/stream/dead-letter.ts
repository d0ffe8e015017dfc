/**
 * The dead-letter record of a message the engine refused in whole or in part: the same body on
 * every transport (docs/streams.md), so one tool can read the dead letters of either.
 */
import type { BatchRejection } from '../../engine/index.js';

/** Payloads above this are not copied into the dead letter (brokers cap message size). */
const PAYLOAD_LIMIT = 4 * 1024 * 1024;

export interface DeadLetterSource {
  /** Topic (Pulsar: full name or partition; Kafka: the topic). */
  topic: string;
  /** Kafka only. */
  partition?: number;
  /** Pulsar message id or Kafka offset, as text. */
  id: string;
  /** Broker publish time (Pulsar) or record timestamp (Kafka), epoch ms. */
  publishTime: number;
  payload: Uint8Array;
}

export interface DeadLetter {
  /** JSON body. */
  body: string;
  /** One line for a header or property: the error, or `[index].field: reason; ...`. */
  reason: string;
}

export function deadLetter(
  source: DeadLetterSource,
  error: string | undefined,
  rejected: readonly BatchRejection[],
): DeadLetter {
  const body = {
    sourceTopic: source.topic,
    ...(source.partition !== undefined && { sourcePartition: source.partition }),
    sourceMessageId: source.id,
    publishTime: source.publishTime,
    ...(error !== undefined ? { error } : { rejected }),
    // The original bytes, so the producer of the bad message can see exactly what it sent.
    payload:
      source.payload.length <= PAYLOAD_LIMIT
        ? Buffer.from(source.payload).toString('base64')
        : `(omitted: ${source.payload.length} bytes)`,
  };
  const reason = error ?? rejected.map((r) => `[${r.index}].${r.field}: ${r.reason}`).join('; ');
  return { body: JSON.stringify(body), reason: reason.slice(0, 1000) };
}
