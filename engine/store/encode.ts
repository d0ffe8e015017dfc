/**
 * Dictionary-encoding of event objects into one columnar batch.
 */
import { AisleError } from '../errors.js';
import { EVENT_TYPE_CODE, INVENTORY_OP_CODE, type RetailEvent } from '../events.js';
import type { StoreDictionaries } from './dictionary.js';
import { queryKey } from './query-key.js';

/**
 * One appended batch as plain typed arrays, row `i` being `events[i]`. Online models consume it
 * columnar instead of re-reading the event objects. Owned by the caller: the store keeps no
 * reference to it. All arrays are views over one ArrayBuffer (one allocation per batch).
 */
export interface EncodedBatch {
  /** Rows in every array. */
  readonly length: number;
  /** Event time, epoch milliseconds (integers). */
  readonly ts: Float64Array;
  /** EVENT_TYPE_CODE. */
  readonly type: Uint8Array;
  /** INVENTORY_OP_CODE for inventory events, else 0. */
  readonly op: Uint8Array;
  /** User dictionary id, 0 = absent. */
  readonly user: Uint32Array;
  /** Session dictionary id, 0 = absent. */
  readonly session: Uint32Array;
  /** Item dictionary id, 0 = absent (search events). */
  readonly item: Uint32Array;
  /** Units (purchase, cart, inventory); 0 otherwise. */
  readonly quantity: Int32Array;
  /** Unit price (purchase, price_change); 0 otherwise. */
  readonly price: Float32Array;
  /** Purchase: order id; search: query id; inventory: location id (0 = none); else 0. */
  readonly ref: Uint32Array;
  /**
   * Category dictionary id the event carried, 0 if none. Paired with `item[i]` it is an
   * item→category observation for the catalogue; for a search (item 0) it is the search's category.
   * Not stored in the log: category belongs to the catalogue, not to each event.
   */
  readonly itemCategory: Uint32Array;
}

/** An empty-shaped batch of `n` zeroed rows; every column is a view over one ArrayBuffer. */
export function allocateBatch(n: number): EncodedBatch {
  // 8-byte column first, then the 4-byte ones, then the bytes: every view stays aligned.
  const buffer = new ArrayBuffer(n * 38);
  let at = 0;
  const take = <T>(make: (b: ArrayBuffer, offset: number, length: number) => T, width: number) => {
    const view = make(buffer, at, n);
    at += n * width;
    return view;
  };
  return {
    length: n,
    ts: take((b, o, l) => new Float64Array(b, o, l), 8),
    user: take((b, o, l) => new Uint32Array(b, o, l), 4),
    session: take((b, o, l) => new Uint32Array(b, o, l), 4),
    item: take((b, o, l) => new Uint32Array(b, o, l), 4),
    ref: take((b, o, l) => new Uint32Array(b, o, l), 4),
    itemCategory: take((b, o, l) => new Uint32Array(b, o, l), 4),
    quantity: take((b, o, l) => new Int32Array(b, o, l), 4),
    price: take((b, o, l) => new Float32Array(b, o, l), 4),
    type: take((b, o, l) => new Uint8Array(b, o, l), 1),
    op: take((b, o, l) => new Uint8Array(b, o, l), 1),
  };
}

function invalid(index: number, what: string): never {
  throw new AisleError('AISLE_INVALID_ARGUMENT', `event ${index}: ${what}`, { index });
}

/**
 * Encodes `events` (already validated, see `validateEvent`) into a new batch, adding unseen
 * strings to the dictionaries. Throws AisleError('AISLE_INVALID_ARGUMENT') on an unknown type or
 * op; the dictionaries may then hold the strings of the events before it (harmless: ids are
 * only ever added). O(n) with one Map probe per string field.
 */
export function encodeEvents(
  events: readonly RetailEvent[],
  dicts: StoreDictionaries,
): EncodedBatch {
  const n = events.length;
  const out = allocateBatch(n);
  const { ts, type, op, user, session, item, quantity, price, ref, itemCategory } = out;
  const users = dicts.user;
  const sessions = dicts.session;
  const items = dicts.item;
  const categories = dicts.category;
  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    ts[i] = Math.trunc(e.ts);
    switch (e.type) {
      case 'inventory': {
        const code = INVENTORY_OP_CODE[e.op];
        if (code === undefined) invalid(i, `unknown inventory op ${String(e.op)}`);
        type[i] = EVENT_TYPE_CODE.inventory;
        op[i] = code;
        item[i] = items.id(e.item);
        quantity[i] = e.quantity;
        if (e.location !== undefined) ref[i] = dicts.location.id(e.location);
        continue;
      }
      case 'price_change':
        type[i] = EVENT_TYPE_CODE.price_change;
        item[i] = items.id(e.item);
        price[i] = e.price;
        if (e.category !== undefined) itemCategory[i] = categories.id(e.category);
        continue;
      case 'view':
        type[i] = EVENT_TYPE_CODE.view;
        item[i] = items.id(e.item);
        break;
      case 'add_to_cart':
      case 'remove_from_cart':
        type[i] = EVENT_TYPE_CODE[e.type];
        item[i] = items.id(e.item);
        quantity[i] = e.quantity;
        break;
      case 'purchase':
        type[i] = EVENT_TYPE_CODE.purchase;
        item[i] = items.id(e.item);
        quantity[i] = e.quantity;
        price[i] = e.price;
        ref[i] = dicts.order.id(e.order);
        break;
      case 'search':
        type[i] = EVENT_TYPE_CODE.search;
        ref[i] = dicts.query.id(queryKey(e.query));
        break;
      default:
        invalid(i, `unknown event type ${String((e as { type: unknown }).type)}`);
    }
    // Shopper fields, shared by view, cart, purchase and search.
    if (e.user !== undefined) user[i] = users.id(e.user);
    if (e.session !== undefined) session[i] = sessions.id(e.session);
    if (e.category !== undefined) itemCategory[i] = categories.id(e.category);
  }
  return out;
}
