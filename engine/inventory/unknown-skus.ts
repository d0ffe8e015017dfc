/**
 * Inventory events for SKUs the engine does not know: kept (a product can arrive before its
 * catalogue entry, and dropping the units would lose them for good) but counted and flagged, since
 * a stock movement for a code nobody lists or shops is most often a wrong code.
 */
import { EVENT_TYPE_CODE, type InventoryEvent, type RetailEvent } from '../events.js';
import type { EncodedBatch } from '../store/index.js';
import type { Inventory } from './inventory.js';

const INVENTORY = EVENT_TYPE_CODE.inventory;

/**
 * Flags the batch's inventory events for items `known` rejects, and ends the flag of any item
 * that another event of the batch (a view, a purchase, a price change) shows to be real.
 * `events[i]` is the event of row `i`. O(batch).
 */
export function flagUnknownSkus(
  inventory: Inventory,
  batch: EncodedBatch,
  events: readonly RetailEvent[],
  known: (id: number, sku: string) => boolean,
): void {
  const { type, item } = batch;
  for (let i = 0; i < batch.length; i++) {
    const id = item[i]!;
    if (id === 0) continue;
    if (type[i] !== INVENTORY) {
      inventory.clearUnknown(id);
      continue;
    }
    const e = events[i] as InventoryEvent;
    if (known(id, e.item)) continue;
    const units = e.quantity === 1 || e.quantity === -1 ? 'unit' : 'units';
    inventory.flagUnknown(id, e.ts, `inventory ${e.op} of ${e.quantity} ${units}`);
  }
}
