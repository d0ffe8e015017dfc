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
  /** Unit cost from now on, when the supplier's price moved too. */
  cost?: number;
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
// ISO-8601 with a date, and optionally a time and zone; Date.parse alone accepts too much, and
// rolls impossible dates over (2024-02-30 becomes 1 March), so checkCalendar reads the parts.
const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Every field of some event type. A key outside it is refused, so a typo (`qty`) never silently
 * becomes a default (quantity 1). A field of another type (`quantity` on a view) is ignored
 * rather than refused: columnar producers (Arrow on a stream) send every column for every row,
 * with fillers where the row's type has no such field.
 */
export const EVENT_FIELDS = [
  'type',
  'ts',
  'user',
  'session',
  'category',
  'item',
  'order',
  'quantity',
  'price',
  'query',
  'op',
  'location',
  'cost',
] as const;

const KNOWN_FIELDS: ReadonlySet<string> = new Set(EVENT_FIELDS);

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/**
 * True when the string holds a C0 or C1 control character or DEL (U+0000–U+001F, U+007F–U+009F).
 * A loop rather than a regex: ids are short, and this runs for every id of every event.
 */
export function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

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
    checkCalendar(value);
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
  // Control characters in an id break logs, CSV exports and terminals, and are never meant.
  if (hasControlCharacter(value)) fail(field, 'must not contain control characters');
  return value;
}

/** The two digits at `at` as a number (the caller's regex has put digits there). */
function digits2(s: string, at: number): number {
  return (s.charCodeAt(at) - 48) * 10 + s.charCodeAt(at + 1) - 48;
}

/**
 * Refuses a date or time of an ISO_8601 match that does not exist on the calendar or clock.
 * The match fixes every part's position up to the seconds, so they are read in place: capture
 * groups cost a third of the time of a date-time event.
 */
function checkCalendar(s: string): void {
  const month = digits2(s, 5);
  if (month < 1 || month > 12) fail('ts', `is not a valid date-time: there is no month ${month}`);
  const day = digits2(s, 8);
  const year = digits2(s, 0) * 100 + digits2(s, 2);
  if (day < 1 || day > daysIn(year, month)) {
    fail('ts', `is not a valid date-time: ${s.slice(0, 7)} has no day ${day}`);
  }
  if (s.length <= 10) return;
  // 24:00 is ISO-8601 for the end of a day, but one instant should have one spelling.
  if (digits2(s, 11) > 23 || digits2(s, 14) > 59) {
    fail('ts', 'is not a valid date-time: hours run 00 to 23, minutes 00 to 59');
  }
  if (s.length > 16 && s.charCodeAt(16) === 58 /* : */ && digits2(s, 17) > 59) {
    fail('ts', 'is not a valid date-time: seconds run 00 to 59');
  }
  // A zone offset is the last 5 or 6 characters: ±hh:mm or ±hhmm.
  const sign = Math.max(s.lastIndexOf('+'), s.lastIndexOf('-'));
  if (sign > 10 && (digits2(s, sign + 1) > 23 || digits2(s, s.length - 2) > 59)) {
    fail('ts', 'is not a valid date-time: zone offsets run to ±23:59');
  }
}

/** Refuses the first key that is no event's field. */
function checkFields(raw: Record<string, unknown>): void {
  for (const key in raw) {
    if (KNOWN_FIELDS.has(key)) continue;
    // The key is echoed to the producer: keep an absurd one from bloating the reply.
    fail(key.length > 64 ? `${key.slice(0, 64)}…` : key, 'is not a known field');
  }
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

/** An optional unit cost: a finite number in [0, LIMITS.maxPrice], or absent. */
function cost(raw: Record<string, unknown>): number | undefined {
  const value = raw.cost;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail('cost', 'must be a finite number');
  if (value < 0) fail('cost', 'must be at least 0');
  if (value > LIMITS.maxPrice) fail('cost', `must be at most ${LIMITS.maxPrice}`);
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

/**
 * Adds the shopper ids to `out` in wire order, leaving absent ones out (no `undefined` keys).
 * Written into the event rather than spread into it: a spread in the middle of a literal takes
 * V8's slow copy, and this runs for most events of every batch.
 */
function shopper<E extends Shopper>(raw: Record<string, unknown>, out: E): E {
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
  checkFields(raw);
  const ts = parseTs(raw.ts, now);
  switch (type as EventType) {
    case 'view': {
      const e = shopper(raw, { type: 'view', ts } as ViewEvent);
      e.item = id(raw, 'item', true)!;
      return e;
    }
    case 'add_to_cart':
    case 'remove_from_cart': {
      const e = shopper(raw, { type, ts } as CartEvent);
      e.item = id(raw, 'item', true)!;
      e.quantity = integer(raw, 'quantity', 1, 1);
      return e;
    }
    case 'purchase': {
      const e = shopper(raw, { type: 'purchase', ts } as PurchaseEvent);
      e.item = id(raw, 'item', true)!;
      e.order = id(raw, 'order', true)!;
      e.quantity = integer(raw, 'quantity', undefined, 1);
      e.price = price(raw);
      return e;
    }
    case 'search': {
      const query = raw.query;
      if (query === undefined || query === null) fail('query', 'is required');
      if (typeof query !== 'string') fail('query', 'must be a string');
      if (query.trim().length === 0) fail('query', 'must not be blank');
      if (query.length > LIMITS.queryLength) {
        fail('query', `must be at most ${LIMITS.queryLength} characters`);
      }
      if (!wellFormed(query)) fail('query', 'must be valid Unicode (lone surrogate)');
      const e = shopper(raw, { type: 'search', ts } as SearchEvent);
      e.query = query;
      return e;
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
      const c = cost(raw);
      if (c !== undefined) event.cost = c;
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
  try {
    return { ok: true, event: buildEvent(raw, now) };
  } catch (err) {
    if (err instanceof Reject)
      return { ok: false, error: { field: err.field, reason: err.reason } };
    throw err;
  }
}

function buildEvent(raw: unknown, now: number): RetailEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    fail('(event)', 'must be a JSON object');
  }
  return build(raw as Record<string, unknown>, now);
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
  // No Validation wrapper per event: this loop is the ingest hot path.
  for (let i = 0; i < raws.length; i++) {
    try {
      events.push(buildEvent(raws[i], now));
    } catch (err) {
      if (!(err instanceof Reject)) throw err;
      rejected.push({ index: i, field: err.field, reason: err.reason });
    }
  }
  return { events, rejected };
}

const SHOPPER_IDS = ['user', 'session', 'category'] as const;

// Per type, its id fields and whether each is required, as parallel arrays: the check runs on
// every event of every trusted batch, and indexed loops over flat arrays cost least there.
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
 * Nor does it refuse unknown fields or control characters in ids: scanning every key and every
 * character would double its cost, and a trusted source either came through `validateEvent`
 * or is the embedder's own code.
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
  if (type === 'price_change' && raw.cost !== undefined && raw.cost !== null) {
    const c = raw.cost;
    if (typeof c !== 'number' || !(c >= 0) || c > LIMITS.maxPrice) {
      return { field: 'cost', reason: `must be a number in [0, ${LIMITS.maxPrice}]` };
    }
  }
  return undefined;
}
