/**
 * `catalogue.json`: the catalogue's items in insertion order, as `{ "items": [...] }`.
 *
 * Prices and attribute values are numbers a caller supplied, so a NaN or Infinity among them
 * is written as a `{ "$n": ... }` marker rather than lost as JSON's `null`. Only those two
 * places are decoded that way: attribute values are never objects, so a marker cannot be
 * mistaken for data (a generic reviver could mistake an attributes object shaped like one).
 */
import type { CatalogueItem } from '../catalogue.js';
import { AisleError } from '../errors.js';
import { decodeNumber, encodeNumber } from './json.js';

/** UTF-8 JSON of `items`. O(items). */
export function encodeCatalogue(items: readonly CatalogueItem[]): Uint8Array {
  const out = items.map((it) => {
    const copy: Record<string, unknown> = { ...it };
    if (typeof it.price === 'number') copy.price = encodeNumber(it.price);
    if (typeof it.cost === 'number') copy.cost = encodeNumber(it.cost);
    if (it.attributes !== undefined) {
      const attributes: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(it.attributes)) {
        attributes[k] = typeof v === 'number' ? encodeNumber(v) : v;
      }
      copy.attributes = attributes;
    }
    return copy;
  });
  return new TextEncoder().encode(JSON.stringify({ items: out }));
}

function corrupt(why: string): never {
  throw new AisleError('AISLE_SNAPSHOT', `catalogue.json: ${why}`);
}

/** Items from `encodeCatalogue` bytes. Throws AisleError('AISLE_SNAPSHOT') when malformed. */
export function decodeCatalogue(bytes: Uint8Array): CatalogueItem[] {
  let parsed: { items?: unknown };
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes)) as { items?: unknown };
  } catch {
    return corrupt('is not valid JSON');
  }
  if (!Array.isArray(parsed?.items)) corrupt('holds no item list');
  return parsed.items.map((raw: unknown, i: number) => {
    if (typeof raw !== 'object' || raw === null) return corrupt(`item ${i} is not an object`);
    const it = raw as Record<string, unknown>;
    if (typeof it.id !== 'string') corrupt(`item ${i} has no id`);
    if (it.price !== undefined) {
      const price = decodeNumber(it.price);
      if (price === undefined) corrupt(`item ${i}: price is not a number`);
      it.price = price;
    }
    if (it.cost !== undefined) {
      const cost = decodeNumber(it.cost);
      if (cost === undefined) corrupt(`item ${i}: cost is not a number`);
      it.cost = cost;
    }
    if (it.attributes !== undefined) {
      if (typeof it.attributes !== 'object' || it.attributes === null) {
        corrupt(`item ${i}: attributes is not an object`);
      }
      const attributes = it.attributes as Record<string, unknown>;
      for (const [k, v] of Object.entries(attributes)) {
        if (typeof v !== 'object' || v === null) continue;
        const n = decodeNumber(v);
        if (n === undefined) corrupt(`item ${i}: attribute ${k} is malformed`);
        attributes[k] = n;
      }
    }
    return it as unknown as CatalogueItem;
  });
}
