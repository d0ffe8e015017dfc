/**
 * The JSON frames of the WebSocket API. Payloads travel as base64 text; times as ISO-8601 text.
 */
import { parseMessageId } from '../message-id.js';
import { PulsarError, type Message, type SendOptions } from '../transport.js';

/** Raw bytes of a payload given as bytes or UTF-8 text, as base64. */
export function toBase64(payload: Uint8Array | string): string {
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8').toString('base64');
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64');
}

function isoTime(t: Date | number): string {
  const d = typeof t === 'number' ? new Date(t) : t;
  if (Number.isNaN(d.getTime())) {
    throw new PulsarError('PULSAR_INVALID_ARGUMENT', `eventTime ${String(t)} is not a valid time`);
  }
  return d.toISOString();
}

/** The producer's send frame. Throws `PULSAR_INVALID_ARGUMENT` on a bad property or time. */
export function encodeSend(
  payload: Uint8Array | string,
  options: SendOptions | undefined,
  context: string,
): string {
  const frame: Record<string, unknown> = { payload: toBase64(payload), context };
  if (options?.key !== undefined) frame.key = String(options.key);
  if (options?.properties !== undefined) {
    for (const [k, v] of Object.entries(options.properties)) {
      if (typeof v !== 'string') {
        throw new PulsarError('PULSAR_INVALID_ARGUMENT', `property "${k}" must be a string`);
      }
    }
    frame.properties = options.properties;
  }
  if (options?.eventTime !== undefined) frame.eventTime = isoTime(options.eventTime);
  return JSON.stringify(frame);
}

/** The producer's acknowledgement frame. */
export interface SendReceipt {
  readonly result: string;
  readonly messageId?: string;
  readonly context?: string;
  readonly errorMsg?: string;
}

/** Parses any frame the service sends; a frame that is not a JSON object is a protocol error. */
export function parseFrame(text: string, what: string): Record<string, unknown> {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch (cause) {
    throw new PulsarError('PULSAR_PROTOCOL', `${what}: unreadable frame from the service`, {
      cause,
    });
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    throw new PulsarError('PULSAR_PROTOCOL', `${what}: frame is not a JSON object`);
  }
  return frame as Record<string, unknown>;
}

function time(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * A delivered message frame (`{messageId, payload, publishTime, redeliveryCount, properties,
 * key?, eventTime?}`) as a `Message`. The payload is a view into a fresh buffer that may be
 * shared with other small payloads: honour `byteOffset`/`byteLength`.
 */
export function decodeMessage(topic: string, frame: Record<string, unknown>): Message {
  const { messageId, payload } = frame;
  if (typeof messageId !== 'string' || typeof payload !== 'string') {
    throw new PulsarError('PULSAR_PROTOCOL', `${topic}: message frame without messageId/payload`);
  }
  const bytes = Buffer.from(payload, 'base64');
  const properties =
    typeof frame.properties === 'object' && frame.properties !== null
      ? (frame.properties as Record<string, string>)
      : {};
  const eventTime = time(frame.eventTime);
  const message: {
    -readonly [K in keyof Message]: Message[K];
  } = {
    topic,
    id: parseMessageId(messageId),
    payload: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    properties,
    publishTime: time(frame.publishTime) ?? 0,
    redeliveryCount: typeof frame.redeliveryCount === 'number' ? frame.redeliveryCount : 0,
  };
  if (typeof frame.key === 'string') message.key = frame.key;
  if (eventTime !== undefined) message.eventTime = eventTime;
  return message;
}
