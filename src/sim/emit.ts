/**
 * Constructors for the shopper events a session emits, already in the engine's normalised form.
 *
 * Keys are written in the order `validateEvent` produces them, and an anonymous session gets
 * no `user` key at all (not `user: undefined`), so a generated event is byte-for-byte what the
 * validator would return for it. Two literal shapes per type keep V8's object shapes stable.
 */
import type { CartEvent, PurchaseEvent, SearchEvent, ViewEvent } from '../../engine/events.js';

/** Who is acting: the fields every shopper event shares. */
export interface Actor {
  /** Undefined for an anonymous visitor. */
  readonly user: string | undefined;
  readonly id: string;
}

/** A view of `item` by the session's shopper. */
export function viewEvent(a: Actor, ts: number, category: string, item: string): ViewEvent {
  return a.user === undefined
    ? { type: 'view', ts, session: a.id, category, item }
    : { type: 'view', ts, user: a.user, session: a.id, category, item };
}

/** An add to or removal from the cart of `quantity` units. */
export function cartEvent(
  type: 'add_to_cart' | 'remove_from_cart',
  a: Actor,
  ts: number,
  category: string,
  item: string,
  quantity: number,
): CartEvent {
  return a.user === undefined
    ? { type, ts, session: a.id, category, item, quantity }
    : { type, ts, user: a.user, session: a.id, category, item, quantity };
}

/** One line of order `order`; `price` is the unit price at checkout. */
export function purchaseEvent(
  a: Actor,
  ts: number,
  category: string,
  item: string,
  order: string,
  quantity: number,
  price: number,
): PurchaseEvent {
  return a.user === undefined
    ? { type: 'purchase', ts, session: a.id, category, item, order, quantity, price }
    : { type: 'purchase', ts, user: a.user, session: a.id, category, item, order, quantity, price };
}

/** A search for `query`. */
export function searchEvent(a: Actor, ts: number, query: string): SearchEvent {
  return a.user === undefined
    ? { type: 'search', ts, session: a.id, query }
    : { type: 'search', ts, user: a.user, session: a.id, query };
}
