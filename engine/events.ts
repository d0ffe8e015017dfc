/**
 * Retail events: the JSON wire format (a public contract) and its runtime validation.
 *
 * Every rejection names the field and the reason, so a producer can fix its payload without
 * reading our source.
 */

export const EVENT_TYPES = [
  'view',
  'add_to_cart',
  'remove_from_cart',
  'purchase',
  'search',
  'inventory',
  'price_change',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** Dense code of each event type, as stored in the event log's `type` column. */
export const EVENT_TYPE_CODE: Readonly<Record<EventType, number>> = {
  view: 0,
  add_to_cart: 1,
  remove_from_cart: 2,
  purchase: 3,
  search: 4,
  inventory: 5,
  price_change: 6,
};

export const INVENTORY_OPS = ['set', 'receive', 'adjust'] as const;
export type InventoryOp = (typeof INVENTORY_OPS)[number];
/** Dense code of each inventory op, as stored in the event log's `op` column (0 = none). */
export const INVENTORY_OP_CODE: Readonly<Record<InventoryOp, number>> = {
  set: 1,
  receive: 2,
  adjust: 3,
};

interface Base {
  /** Event time, epoch milliseconds. */
  ts: number;
}

interface Shopper extends Base {
  user?: string;
  session?: string;
  category?: string;
}

export interface ViewEvent extends Shopper {
  type: 'view';
  item: string;
}
export interface CartEvent extends Shopper {
  type: 'add_to_cart' | 'remove_from_cart';
  item: string;
  /** Units added or removed; 1 when absent on the wire. */
  quantity: number;
}
export interface PurchaseEvent extends Shopper {
  type: 'purchase';
  item: string;
  order: string;
  quantity: number;
  /** Unit price. */
  price: number;
}
export interface SearchEvent extends Shopper {
  type: 'search';
  query: string;
}
export interface InventoryEvent extends Base {
  type: 'inventory';
  item: string;
  op: InventoryOp;
  /** For `set` the new level, for `receive` units received, for `adjust` a signed correction. */
  quantity: number;
  location?: string;
}
export interface PriceChangeEvent extends Base {
  type: 'price_change';
  item: string;
  price: number;
  category?: string;
}

export type RetailEvent =
  ViewEvent | CartEvent | PurchaseEvent | SearchEvent | InventoryEvent | PriceChangeEvent;

export interface FieldError {
  field: string;
  reason: string;
}

export type Validation = { ok: true; event: RetailEvent } | { ok: false; error: FieldError };

/** Limits that keep one event from poisoning memory or arithmetic. */
export const LIMITS = {
  idLength: 256,
  queryLength: 1024,
  maxQuantity: 1_000_000,
  maxPrice: 1e9,
  /** 2000-01-01 .. 2100-01-01: anything outside is a unit mistake (seconds, microseconds). */
  minTs: 946_684_800_000,
  maxTs: 4_102_444_800_000,
} as const;

const TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);
const OP_SET: ReadonlySet<string> = new Set(INVENTORY_OPS);
// ISO-8601 with a date, and optionally a time and zone; Date.parse alone accepts too much.
const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** False for a string holding a lone UTF-16 surrogate (String#isWellFormed, Node 20+). */
function wellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

class Reject {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {}
}

function fail(field: string, reason: string): never {
  throw new Reject(field, reason);
}

function parseTs(value: unknown, now: number): number {
  if (value === undefined || value === null) return now;
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail('ts', 'must be a finite number of epoch milliseconds');
    ms = Math.trunc(value);
  } else if (typeof value === 'string') {
    if (!ISO_8601.test(value)) fail('ts', 'must be epoch milliseconds or an ISO-8601 date-time');
    ms = Date.parse(value);
    if (Number.isNaN(ms)) fail('ts', 'is not a valid ISO-8601 date-time');
  } else {
    return fail('ts', 'must be epoch milliseconds or an ISO-8601 date-time');
  }
  if (ms < LIMITS.minTs || ms > LIMITS.maxTs) {
    fail('ts', 'is outside 2000-01-01..2100-01-01 (epoch milliseconds expected, not seconds)');
  }
  return ms;
}

function id(raw: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const value = raw[field];
  if (value === undefined || value === null) {
    if (required) fail(field, 'is required');
    return undefined;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value !== 'string') return fail(field, 'must be a string');
  if (value.length === 0) fail(field, 'must not be empty');
  if (value.length > LIMITS.idLength) fail(field, `must be at most ${LIMITS.idLength} characters`);
  // A lone UTF-16 surrogate cannot round-trip through UTF-8 (Arrow, JSON on the wire).
  if (!wellFormed(value)) fail(field, 'must be valid Unicode (lone surrogate)');
  return value;
}

function integer(
  raw: Record<string, unknown>,
  field: string,
  fallback: number | undefined,
  min: number,
): number {
  const value = raw[field];
  if (value === undefined || value === null) {
    if (fallback === undefined) fail(field, 'is required');
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(field, 'must be an integer');
  if (value < min) fail(field, `must be at least ${min}`);
  if (Math.abs(value) > LIMITS.maxQuantity) fail(field, `must be at most ${LIMITS.maxQuantity}`);
  return value;
}

function price(raw: Record<string, unknown>): number {
  const value = raw.price;
  if (value === undefined || value === null) fail('price', 'is required');
  if (typeof value !== 'number' || !Number.isFinite(value))
    fail('price', 'must be a finite number');
  if (value <= 0) fail('price', 'must be greater than 0');
  if (value > LIMITS.maxPrice) fail('price', `must be at most ${LIMITS.maxPrice}`);
  return value;
}

function shopper(raw: Record<string, unknown>, ts: number): Shopper {
  const out: Shopper = { ts };
  const user = id(raw, 'user', false);
  const session = id(raw, 'session', false);
  const category = id(raw, 'category', false);
  if (user !== undefined) out.user = user;
  if (session !== undefined) out.session = session;
  if (category !== undefined) out.category = category;
  return out;
}

function build(raw: Record<string, unknown>, now: number): RetailEvent {
  const type = raw.type;
  if (type === undefined || type === null) fail('type', 'is required');
  if (typeof type !== 'string' || !TYPE_SET.has(type)) {
    fail('type', `must be one of ${EVENT_TYPES.join(', ')}`);
  }
  const ts = parseTs(raw.ts, now);
  switch (type as EventType) {
    case 'view':
      return { type: 'view', ...shopper(raw, ts), item: id(raw, 'item', true)! };
    case 'add_to_cart':
    case 'remove_from_cart':
      return {
        type: type as 'add_to_cart' | 'remove_from_cart',
        ...shopper(raw, ts),
        item: id(raw, 'item', true)!,
        quantity: integer(raw, 'quantity', 1, 1),
      };
    case 'purchase':
      return {
        type: 'purchase',
        ...shopper(raw, ts),
        item: id(raw, 'item', true)!,
        order: id(raw, 'order', true)!,
        quantity: integer(raw, 'quantity', undefined, 1),
        price: price(raw),
      };
    case 'search': {
      const query = raw.query;
      if (query === undefined || query === null) fail('query', 'is required');
      if (typeof query !== 'string') fail('query', 'must be a string');
      if (query.trim().length === 0) fail('query', 'must not be blank');
      if (query.length > LIMITS.queryLength) {
        fail('query', `must be at most ${LIMITS.queryLength} characters`);
      }
      if (!wellFormed(query)) fail('query', 'must be valid Unicode (lone surrogate)');
      return { type: 'search', ...shopper(raw, ts), query };
    }
    case 'inventory': {
      const item = id(raw, 'item', true)!;
      const op = raw.op;
      if (op === undefined || op === null) fail('op', 'is required');
      if (typeof op !== 'string' || !OP_SET.has(op)) {
        fail('op', `must be one of ${INVENTORY_OPS.join(', ')}`);
      }
      const quantity =
        op === 'set'
          ? integer(raw, 'quantity', undefined, 0)
          : op === 'receive'
            ? integer(raw, 'quantity', undefined, 1)
            : integer(raw, 'quantity', undefined, -LIMITS.maxQuantity);
      if (op === 'adjust' && quantity === 0) fail('quantity', 'must not be 0 for an adjustment');
      const event: InventoryEvent = {
        type: 'inventory',
        ts,
        item,
        op: op as InventoryOp,
        quantity,
      };
      const location = id(raw, 'location', false);
      if (location !== undefined) event.location = location;
      return event;
    }
    case 'price_change': {
      const event: PriceChangeEvent = {
        type: 'price_change',
        ts,
        item: id(raw, 'item', true)!,
        price: price(raw),
      };
      const category = id(raw, 'category', false);
      if (category !== undefined) event.category = category;
      return event;
    }
  }
}

/**
 * Checks one decoded JSON value against the wire format.
 *
 * @param raw any value (usually from JSON.parse)
 * @param now epoch ms used when `ts` is absent (receive time)
 * @returns the normalised event (ts in epoch ms, numeric ids as strings), or the first field at fault
 */
export function validateEvent(raw: unknown, now: number): Validation {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, error: { field: '(event)', reason: 'must be a JSON object' } };
  }
  try {
    return { ok: true, event: build(raw as Record<string, unknown>, now) };
  } catch (err) {
    if (err instanceof Reject)
      return { ok: false, error: { field: err.field, reason: err.reason } };
    throw err;
  }
}

export interface BatchRejection extends FieldError {
  index: number;
}

/** Validates a batch; returns every event or every rejection (with its index in the batch). */
export function validateBatch(
  raws: readonly unknown[],
  now: number,
): { events: RetailEvent[]; rejected: BatchRejection[] } {
  const events: RetailEvent[] = [];
  const rejected: BatchRejection[] = [];
  for (let i = 0; i < raws.length; i++) {
    const v = validateEvent(raws[i], now);
    if (v.ok) events.push(v.event);
    else rejected.push({ index: i, ...v.error });
  }
  return { events, rejected };
}

// Per type, its id fields and whether each is required, as parallel arrays: the check runs on
// every event of every trusted batch, and indexed loops over flat arrays cost least there.
const SHOPPER_IDS = ['user', 'session', 'category'] as const;
const ID_FIELDS_OF: Readonly<Record<EventType, { names: readonly string[]; required: number }>> = {
  view: { names: ['item', ...SHOPPER_IDS], required: 1 },
  add_to_cart: { names: ['item', ...SHOPPER_IDS], required: 1 },
  remove_from_cart: { names: ['item', ...SHOPPER_IDS], required: 1 },
  purchase: { names: ['item', 'order', ...SHOPPER_IDS], required: 2 },
  search: { names: SHOPPER_IDS, required: 0 },
  inventory: { names: ['item', 'location'], required: 1 },
  price_change: { names: ['item', 'category'], required: 1 },
};

function trustedId(value: unknown, required: boolean): string | undefined {
  if (value === undefined) return required ? 'is required' : undefined;
  if (typeof value !== 'string') return 'must be a string';
  if (value.length === 0) return 'must not be empty';
  if (value.length > LIMITS.idLength) return `must be at most ${LIMITS.idLength} characters`;
  return undefined;
}

function trustedNumber(value: unknown, integer: boolean): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a finite number';
  if (integer && !Number.isInteger(value)) return 'must be an integer';
  return undefined;
}

/**
 * A cheap structural check of an event that claims to be valid already (from `validateEvent`, a
 * decoder or a trusted source): types, ranges and required fields, without copying. The engine
 * runs it over a whole batch before any part changes, so a NaN time or a missing item from a
 * buggy caller is refused instead of leaving the engine half-updated. It does not repeat the
 * wire format's normalisation (ISO dates, numeric ids): trusted events are already normalised.
 *
 * @returns the first field at fault, or undefined
 */
export function checkTrustedEvent(e: unknown): FieldError | undefined {
  if (typeof e !== 'object' || e === null) return { field: '(event)', reason: 'must be an object' };
  const raw = e as Record<string, unknown>;
  const type = raw.type;
  if (typeof type !== 'string' || !TYPE_SET.has(type)) {
    return { field: 'type', reason: `must be one of ${EVENT_TYPES.join(', ')}` };
  }
  const ts = raw.ts;
  // Only what arithmetic needs: the wire format's 2000..2100 range guards against unit mistakes
  // of producers, while trusted callers (replays, tests) may use any time from the epoch on.
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0 || ts > LIMITS.maxTs) {
    return { field: 'ts', reason: 'must be an integer number of epoch milliseconds before 2100' };
  }
  const ids = ID_FIELDS_OF[type as EventType];
  const names = ids.names;
  for (let i = 0; i < names.length; i++) {
    const field = names[i]!;
    const value = raw[field];
    // The common case first: a short string, or an optional field left out.
    if (typeof value === 'string' && value.length > 0 && value.length <= LIMITS.idLength) continue;
    if (value === undefined && i >= ids.required) continue;
    return { field, reason: trustedId(value, i < ids.required)! };
  }
  switch (type as EventType) {
    case 'add_to_cart':
    case 'remove_from_cart':
    case 'purchase':
    case 'inventory': {
      const reason = trustedNumber(raw.quantity, true);
      if (reason !== undefined) return { field: 'quantity', reason };
      if (Math.abs(raw.quantity as number) > LIMITS.maxQuantity) {
        return { field: 'quantity', reason: `must be at most ${LIMITS.maxQuantity}` };
      }
      if (type === 'inventory' && (typeof raw.op !== 'string' || !OP_SET.has(raw.op))) {
        return { field: 'op', reason: `must be one of ${INVENTORY_OPS.join(', ')}` };
      }
      break;
    }
    case 'search':
      if (typeof raw.query !== 'string' || raw.query.length > LIMITS.queryLength) {
        return {
          field: 'query',
          reason: `must be a string of at most ${LIMITS.queryLength} characters`,
        };
      }
      break;
    default:
      break;
  }
  if (type === 'purchase' || type === 'price_change') {
    const p = raw.price;
    if (typeof p !== 'number' || !(p > 0) || p > LIMITS.maxPrice) {
      return { field: 'price', reason: `must be a number in (0, ${LIMITS.maxPrice}]` };
    }
  }
  return undefined;
}
