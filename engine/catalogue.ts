/**
 * The catalogue: what the engine knows of each item beyond its events.
 * Items arrive up front (a feed) or are learned from events (`category` on a view, a price change).
 */
import type { IdKind } from './activity.js';
import { AisleError } from './errors.js';

export interface CatalogueItem {
  id: string;
  category?: string;
  /** Current unit price. */
  price?: number;
  /** Unit cost, for margins and the profit-maximising price. */
  cost?: number;
  /** Free-form attributes (brand, colour, size...), kept as given. */
  attributes?: Record<string, string | number | boolean>;
}

export class Catalogue {
  private readonly items = new Map<string, CatalogueItem>();

  /**
   * Restores a catalogue from `exportState`, in the same order. Throws AisleError
   * ('AISLE_SNAPSHOT') on a malformed or repeated item. O(items).
   */
  static fromState(items: readonly CatalogueItem[]): Catalogue {
    const out = new Catalogue();
    for (const it of items) {
      if (typeof it?.id !== 'string' || out.items.has(it.id)) {
        throw new AisleError('AISLE_SNAPSHOT', 'catalogue state: item id missing or repeated', {
          id: it?.id,
        });
      }
      out.items.set(it.id, copyItem(it));
    }
    return out;
  }

  /** A deep copy of every item, in insertion order (the order `values` gives). O(items). */
  exportState(): CatalogueItem[] {
    return Array.from(this.items.values(), copyItem);
  }

  get size(): number {
    return this.items.size;
  }

  /** Adds or merges an item; fields given overwrite, fields absent are kept. */
  upsert(item: CatalogueItem): void {
    if (typeof item.id !== 'string' || item.id.length === 0) {
      throw new AisleError(
        'AISLE_INVALID_ARGUMENT',
        'catalogue item id must be a non-empty string',
      );
    }
    if (item.price !== undefined && !(Number.isFinite(item.price) && item.price > 0)) {
      throw new AisleError(
        'AISLE_INVALID_ARGUMENT',
        `catalogue item ${item.id}: price must be > 0`,
      );
    }
    if (item.cost !== undefined && !(Number.isFinite(item.cost) && item.cost >= 0)) {
      throw new AisleError(
        'AISLE_INVALID_ARGUMENT',
        `catalogue item ${item.id}: cost must be >= 0`,
      );
    }
    const prev = this.items.get(item.id);
    if (prev === undefined) {
      this.items.set(item.id, { ...item });
      return;
    }
    if (item.category !== undefined) prev.category = item.category;
    if (item.price !== undefined) prev.price = item.price;
    if (item.cost !== undefined) prev.cost = item.cost;
    if (item.attributes !== undefined) prev.attributes = { ...prev.attributes, ...item.attributes };
  }

  get(id: string): CatalogueItem | undefined {
    return this.items.get(id);
  }

  /** Learns a category from an event, without overwriting a catalogue-provided one. */
  noteCategory(id: string, category: string): void {
    const prev = this.items.get(id);
    if (prev === undefined) this.items.set(id, { id, category });
    else if (prev.category === undefined) prev.category = category;
  }

  /** A cost from a price change: kept until the next one or a catalogue feed's. */
  noteCost(id: string, cost: number): void {
    const prev = this.items.get(id);
    if (prev === undefined) this.items.set(id, { id, cost });
    else prev.cost = cost;
  }

  notePrice(id: string, price: number): void {
    const prev = this.items.get(id);
    if (prev === undefined) this.items.set(id, { id, price });
    else prev.price = price;
  }

  /**
   * Applies an item renumbering (engine/retention.ts): the catalogue is keyed by name, so kept
   * items need nothing and dropped ones (`map[id] === 0`) are forgotten by the name `nameOf`
   * gives for their old id. Items the catalogue feed named are pinned and never dropped, so only
   * entries learned from events go. Other kinds are not held. O(old item ids).
   */
  remap(
    kind: IdKind,
    map: Uint32Array,
    _size: number,
    nameOf: (id: number) => string | undefined,
  ): void {
    if (kind !== 'item') return;
    for (let id = 1; id < map.length; id++) {
      if (map[id] !== 0) continue;
      const name = nameOf(id);
      if (name !== undefined) this.items.delete(name);
    }
  }

  values(): IterableIterator<CatalogueItem> {
    return this.items.values();
  }
}

// Spread rather than pick fields, so keys keep their order and the copy equals what upsert kept.
function copyItem(it: CatalogueItem): CatalogueItem {
  const out = { ...it };
  if (it.attributes !== undefined) out.attributes = { ...it.attributes };
  return out;
}
