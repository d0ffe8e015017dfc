/**
 * Words for the simulated shop: category names, brand names and search modifiers.
 * Search queries are drawn from these, so a query can be traced back to a category or brand.
 */
import type { Rng } from './random.js';

/** One word per category, in order; reused with a numeric suffix past the end of the list. */
export const CATEGORY_WORDS: readonly string[] = [
  'shoes',
  'jackets',
  'phones',
  'headphones',
  'laptops',
  'coffee',
  'books',
  'toys',
  'watches',
  'bags',
  'lamps',
  'rugs',
  'pans',
  'knives',
  'bikes',
  'tents',
  'helmets',
  'gloves',
  'socks',
  'shirts',
  'jeans',
  'dresses',
  'perfume',
  'shampoo',
  'vitamins',
  'printers',
  'monitors',
  'keyboards',
  'chargers',
  'cables',
  'speakers',
  'tablets',
  'blenders',
  'kettles',
  'toasters',
  'cameras',
  'tea',
  'games',
  'sofas',
  'mugs',
  'pillows',
  'towels',
  'candles',
  'plants',
  'scarves',
  'sunglasses',
  'backpacks',
  'wallets',
];

/** Words shoppers put around a category or brand in a query. */
export const MODIFIERS: readonly string[] = [
  'cheap',
  'best',
  'new',
  'sale',
  'black',
  'white',
  'large',
  'small',
  'kids',
  'gift',
  'wireless',
  'organic',
];

const ONSETS = ['b', 'br', 'c', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ia', 'ea'];
const CODAS = ['', 'n', 'x', 'r', 'l', 's', 'k', 'm'];

/** Category word for category number `n`. */
export function categoryWord(n: number): string {
  const base = CATEGORY_WORDS[n % CATEGORY_WORDS.length]!;
  const round = Math.floor(n / CATEGORY_WORDS.length);
  return round === 0 ? base : `${base}${round + 1}`;
}

/** `count` distinct pronounceable brand names (two or three syllables). */
export function brandNames(rng: Rng, count: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  while (out.length < count) {
    const syllables = rng.chance(0.7) ? 2 : 3;
    let name = '';
    for (let s = 0; s < syllables; s++) name += rng.pick(ONSETS) + rng.pick(VOWELS);
    name += rng.pick(CODAS);
    // Fall back to a numbered name so a huge count cannot loop for long on collisions.
    if (seen.has(name)) name = `${name}${out.length}`;
    seen.add(name);
    out.push(name);
  }
  return out;
}
