/**
 * Events into message payloads, the inverse of decode.ts: one JSON event, NDJSON lines, or an
 * Arrow IPC stream with wire-named columns (strings dictionary-encoded by Arrow).
 */
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import type { RetailEvent } from '../../engine/index.js';

export type OutFormat = 'json' | 'ndjson' | 'arrow';

const STRING_FIELDS = [
  'type',
  'user',
  'session',
  'item',
  'category',
  'order',
  'query',
  'op',
  'location',
] as const;

export function encodePayload(events: readonly RetailEvent[], format: OutFormat): Uint8Array {
  if (format === 'arrow') return encodeArrow(events);
  if (format === 'json' && events.length === 1) return Buffer.from(JSON.stringify(events[0]));
  if (format === 'json') return Buffer.from(JSON.stringify(events));
  return Buffer.from(events.map((e) => JSON.stringify(e)).join('\n'));
}

function encodeArrow(events: readonly RetailEvent[]): Uint8Array {
  const n = events.length;
  const columns: Record<string, unknown> = {
    ts: new Float64Array(n),
    quantity: new Int32Array(n),
    price: new Float64Array(n),
  };
  for (const f of STRING_FIELDS) columns[f] = new Array<string | null>(n).fill(null);
  const ts = columns.ts as Float64Array;
  const quantity = columns.quantity as Int32Array;
  const price = columns.price as Float64Array;
  for (let i = 0; i < n; i++) {
    const e = events[i] as unknown as Record<string, unknown>;
    ts[i] = e.ts as number;
    if (typeof e.quantity === 'number') quantity[i] = e.quantity;
    if (typeof e.price === 'number') price[i] = e.price;
    for (const f of STRING_FIELDS) {
      const v = e[f];
      if (typeof v === 'string') (columns[f] as (string | null)[])[i] = v;
    }
  }
  // `cost` is optional on price changes, where 0 is a real cost: nullable, not zero-filled.
  const cost = events.map((e) => ('cost' in e && typeof e.cost === 'number' ? e.cost : null));
  if (cost.some((c) => c !== null)) columns.cost = cost;
  // Columns no event uses are left out rather than sent as all-null.
  for (const f of STRING_FIELDS) {
    if ((columns[f] as (string | null)[]).every((v) => v === null)) delete columns[f];
  }
  return tableToIPC(tableFromArrays(columns as Parameters<typeof tableFromArrays>[0]), 'stream');
}
