/**
 * Shared test scaffolding for the analytics modules: a log that assigns item categories the way
 * the engine does, and a reader of the code and field an AisleError names.
 */
import { CategoryIndex } from '../../../engine/category-index.js';
import { isAisleError } from '../../../engine/errors.js';
import type { PurchaseEvent, RetailEvent } from '../../../engine/events.js';
import { EventStore, type EncodedBatch } from '../../../engine/store/index.js';

/** A purchase line's value in whole cents, as the log holds its price (float32): the oracle's rule. */
export function cents(e: PurchaseEvent): number {
  return Math.round(Math.fround(e.price) * 100) * e.quantity;
}

/** [code, field] of the AisleError `fn` throws, undefined when it returns; other errors rethrown. */
export function errorCode(fn: () => unknown): [string, unknown] | undefined {
  try {
    fn();
  } catch (err) {
    if (isAisleError(err)) return [err.code, err.details?.field ?? err.details?.what];
    throw err;
  }
  return undefined;
}

/** A store, the category index the engine keeps beside it, and the raw events for oracles. */
export class CategorisedLog {
  readonly store = new EventStore();
  readonly categories = new CategoryIndex();
  readonly events: RetailEvent[] = [];
  readonly categoryOf = (i: number): number => this.categories.categoryOf(i);

  /** Appends the events; as the engine does, an item keeps the first category an event names. */
  append(events: readonly RetailEvent[]): EncodedBatch {
    const batch = this.store.append(events);
    for (let i = 0; i < batch.length; i++) {
      const cat = batch.itemCategory[i]!;
      if (cat !== 0 && this.categories.categoryOf(batch.item[i]!) === 0) {
        this.categories.assign(batch.item[i]!, cat);
      }
    }
    this.events.push(...events);
    return batch;
  }
}
