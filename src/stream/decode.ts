/**
 * Message payloads into validated events. One message may hold one JSON event, a JSON array,
 * NDJSON (one event per line) or an Arrow IPC stream whose columns use the wire field names.
 */
import { tableFromIPC, type Table } from 'apache-arrow';
import {
  EVENT_FIELDS,
  validateEvent,
  type BatchRejection,
  type RetailEvent,
} from '../../engine/index.js';

export type PayloadFormat = 'json' | 'json-array' | 'ndjson' | 'arrow';

export interface Decoded {
  format: PayloadFormat | 'unknown';
  events: RetailEvent[];
  /** Events of the payload that failed validation, by index within the payload. */
  rejected: BatchRejection[];
  /** Set when the payload as a whole could not be read; then `events` is empty. */
  error?: string;
}

// An Arrow IPC stream opens with the 0xFFFFFFFF continuation marker (format ≥ 0.15).
function isArrowStream(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 8 &&
    bytes[0] === 0xff &&
    bytes[1] === 0xff &&
    bytes[2] === 0xff &&
    bytes[3] === 0xff
  );
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes and validates one message payload. Never throws. */
export function decodePayload(bytes: Uint8Array, now: number): Decoded {
  if (isArrowStream(bytes)) return decodeArrow(bytes, now);
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return {
      format: 'unknown',
      events: [],
      rejected: [],
      error: 'payload is neither UTF-8 JSON nor an Arrow IPC stream',
    };
  }
  const trimmed = text.trim();
  if (trimmed.length === 0)
    return { format: 'unknown', events: [], rejected: [], error: 'payload is empty' };
  if (trimmed[0] === '[') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      return {
        format: 'json-array',
        events: [],
        rejected: [],
        error: `invalid JSON: ${(err as Error).message}`,
      };
    }
    return validateAll('json-array', parsed as unknown[], now);
  }
  const lines = trimmed.split('\n');
  if (lines.length === 1) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      return {
        format: 'json',
        events: [],
        rejected: [],
        error: `invalid JSON: ${(err as Error).message}`,
      };
    }
    return validateAll('json', [parsed], now);
  }
  const raws: unknown[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    try {
      raws.push(JSON.parse(line));
    } catch (err) {
      raws.push(new BadLine(i + 1, (err as Error).message));
    }
  }
  return validateAll('ndjson', raws, now);
}

/** An NDJSON line that did not parse; it is rejected in place so indices stay line order. */
class BadLine {
  constructor(
    readonly line: number,
    readonly message: string,
  ) {}
}

function validateAll(format: PayloadFormat, raws: unknown[], now: number): Decoded {
  const events: RetailEvent[] = [];
  const rejected: BatchRejection[] = [];
  for (let i = 0; i < raws.length; i++) {
    const raw = raws[i];
    if (raw instanceof BadLine) {
      rejected.push({ index: i, field: '(json)', reason: `line ${raw.line}: ${raw.message}` });
      continue;
    }
    const v = validateEvent(raw, now);
    if (v.ok) events.push(v.event);
    else rejected.push({ index: i, ...v.error });
  }
  return { format, events, rejected };
}

/**
 * Arrow IPC: columns named like the wire fields (strings as Utf8 or dictionary-encoded Utf8,
 * `ts` as a timestamp, Int64 or Float64 of epoch ms). Rows are validated like JSON events, so
 * a producer writing Arrow gets the same guarantees and error reasons.
 */
function decodeArrow(bytes: Uint8Array, now: number): Decoded {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (err) {
    return {
      format: 'arrow',
      events: [],
      rejected: [],
      error: `invalid Arrow IPC stream: ${(err as Error).message}`,
    };
  }
  // The engine's own list of event fields, so a field added there is read from Arrow too.
  const columns = EVENT_FIELDS.map((name) => [name, table.getChild(name)] as const).filter(
    ([, c]) => c !== null,
  );
  if (!columns.some(([name]) => name === 'type')) {
    return {
      format: 'arrow',
      events: [],
      rejected: [],
      error: 'Arrow IPC stream has no "type" column',
    };
  }
  const raws: Record<string, unknown>[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) raws[i] = {};
  for (const [name, column] of columns) {
    let i = 0;
    for (const value of column!) {
      if (value !== null && value !== undefined) {
        raws[i]![name] =
          typeof value === 'bigint'
            ? Number(value)
            : value instanceof Date
              ? value.getTime()
              : value;
      }
      i++;
    }
  }
  return validateAll('arrow', raws, now);
}
