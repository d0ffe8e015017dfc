/**
 * Validation of catalogue items before any of a feed is applied: a feed is all or nothing, and
 * one bad entry (a category that is an object, a NaN price) must not reach the catalogue, where
 * every later snapshot would carry it.
 */
import { AisleError } from './errors.js';
import { hasControlCharacter, LIMITS } from './events.js';

/** The fields of a catalogue item: anything else is a typo that must not pass silently. */
const ITEM_FIELDS: ReadonlySet<string> = new Set(['id', 'category', 'price', 'cost', 'attributes']);

/** Attributes an item may carry, and the size of each, so one feed cannot fill memory. */
export const CATALOGUE_LIMITS = {
  attributes: 64,
  attributeKeyLength: 64,
  attributeValueLength: 1024,
} as const;

function wellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

function idFault(value: unknown, required: boolean): string | undefined {
  if (value === undefined) return required ? 'is required' : undefined;
  if (typeof value !== 'string') return 'must be a string';
  if (value.length === 0) return 'must not be empty';
  if (value.length > LIMITS.idLength) return `must be at most ${LIMITS.idLength} characters`;
  if (!wellFormed(value)) return 'must be valid Unicode (lone surrogate)';
  if (hasControlCharacter(value)) return 'must not contain control characters';
  return undefined;
}

function attributesFault(value: unknown): { field: string; reason: string } | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { field: 'attributes', reason: 'must be an object' };
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > CATALOGUE_LIMITS.attributes) {
    return { field: 'attributes', reason: `must hold at most ${CATALOGUE_LIMITS.attributes} keys` };
  }
  for (const [key, v] of entries) {
    const field = `attributes.${key.slice(0, CATALOGUE_LIMITS.attributeKeyLength)}`;
    if (key.length > CATALOGUE_LIMITS.attributeKeyLength) {
      return {
        field,
        reason: `key must be at most ${CATALOGUE_LIMITS.attributeKeyLength} characters`,
      };
    }
    if (typeof v === 'boolean') continue;
    // Any number: the catalogue file spells NaN and the infinities.
    if (typeof v === 'number') continue;
    if (typeof v !== 'string') return { field, reason: 'must be a string, number or boolean' };
    if (v.length > CATALOGUE_LIMITS.attributeValueLength) {
      return {
        field,
        reason: `must be at most ${CATALOGUE_LIMITS.attributeValueLength} characters`,
      };
    }
  }
  return undefined;
}

/** The first fault of one catalogue item, or undefined. */
export function catalogueItemFault(item: unknown): { field: string; reason: string } | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return { field: '(item)', reason: 'must be an object' };
  }
  const it = item as Record<string, unknown>;
  for (const key in it) {
    if (!ITEM_FIELDS.has(key)) return { field: key.slice(0, 64), reason: 'is not a known field' };
  }
  const id = idFault(it.id, true);
  if (id !== undefined) return { field: 'id', reason: id };
  const category = idFault(it.category, false);
  if (category !== undefined) return { field: 'category', reason: category };
  const price = it.price;
  if (price !== undefined) {
    if (typeof price !== 'number' || !Number.isFinite(price) || price <= 0) {
      return { field: 'price', reason: 'must be a finite number greater than 0' };
    }
    if (price > LIMITS.maxPrice)
      return { field: 'price', reason: `must be at most ${LIMITS.maxPrice}` };
  }
  const cost = it.cost;
  if (cost !== undefined) {
    if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) {
      return { field: 'cost', reason: 'must be a finite number of at least 0' };
    }
    if (cost > LIMITS.maxPrice)
      return { field: 'cost', reason: `must be at most ${LIMITS.maxPrice}` };
  }
  return attributesFault(it.attributes);
}

/**
 * Checks a whole feed; throws AisleError('AISLE_INVALID_ARGUMENT') naming `items[i].field` for
 * the first bad item, before anything is applied. O(items).
 */
export function checkCatalogue(items: readonly unknown[]): void {
  if (!Array.isArray(items)) {
    throw new AisleError('AISLE_INVALID_ARGUMENT', 'the catalogue must be an array of items', {
      field: 'items',
    });
  }
  for (let i = 0; i < items.length; i++) {
    const fault = catalogueItemFault(items[i]);
    if (fault !== undefined) {
      throw new AisleError('AISLE_INVALID_ARGUMENT', `items[${i}].${fault.field} ${fault.reason}`, {
        field: `items[${i}].${fault.field}`,
        index: i,
      });
    }
  }
}
