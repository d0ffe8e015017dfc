/**
 * Caps on the keys retention never drops. Categories and stock locations are few in any real
 * shop, so they are kept for good (every part keys its per-category state by them); a stream of
 * unique categories or locations would then grow without end. Past the cap a new one is refused
 * like a malformed event, naming the field, and known ones go on being accepted.
 */
import type { FieldError, RetailEvent } from './events.js';
import type { StoreDictionaries } from './store/index.js';

export interface KeyCaps {
  /** Distinct categories the engine takes at most; default 65,536. */
  categories: number;
  /** Distinct stock locations the engine takes at most; default 65,536. */
  locations: number;
}

export const DEFAULT_KEY_CAPS: KeyCaps = { categories: 65_536, locations: 65_536 };

/**
 * Events of the batch that would bring a category or location past its cap, by index. O(1) while
 * the dictionaries are far from their caps; otherwise one lookup per event carrying either.
 */
export function capRefusals(
  events: readonly RetailEvent[],
  dicts: StoreDictionaries,
  caps: KeyCaps,
): (FieldError & { index: number })[] {
  const out: (FieldError & { index: number })[] = [];
  const check = (field: 'category' | 'location', cap: number): void => {
    const dict = dicts[field];
    // Every event could bring at most one new key: far from the cap nothing needs checking.
    if (dict.size + events.length <= cap) return;
    const fresh = new Set<string>();
    for (let i = 0; i < events.length; i++) {
      const key = (events[i] as { category?: string; location?: string })[field];
      if (key === undefined || fresh.has(key) || dict.lookup(key) !== undefined) continue;
      if (dict.size + fresh.size >= cap) {
        out.push({ index: i, field, reason: `would be a new ${field} past the cap of ${cap}` });
      } else {
        fresh.add(key);
      }
    }
  };
  check('category', caps.categories);
  check('location', caps.locations);
  return out.sort((a, b) => a.index - b.index);
}
