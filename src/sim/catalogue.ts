/**
 * The simulated assortment: items in unevenly sized categories, per-category price levels,
 * brands, Zipf popularity within each category, and fixed complementary items.
 *
 * Everything is index based (typed arrays, dense item numbers) so the traffic generator never
 * touches a string on its hot path except the precomputed ids it emits.
 */
import { AliasTable, Rng, zipfWeights } from './random.js';
import { brandNames, categoryWord } from './vocabulary.js';

/** One category of the simulated shop. */
export interface SimCategory {
  readonly index: number;
  /** `cat-<n>` */
  readonly id: string;
  /** Word used in search queries (`shoes`, `phones`...). */
  readonly word: string;
  /** Item numbers in popularity-rank order: `items[0]` is the category's best seller. */
  readonly items: Int32Array;
  /** Zipf sampler over ranks of `items`. */
  readonly popularity: AliasTable;
  /** Brand numbers sold in this category. */
  readonly brands: Int32Array;
  /** Median list price of the category. */
  readonly medianPrice: number;
  /** Categories whose items complement this one's (cases for phones, filters for coffee). */
  readonly complementCategories: Int32Array;
}

/** The generated assortment (internal to the simulator; `CatalogueItem` is the public view). */
export interface SimCatalogue {
  /** `sku-<n>` for item n. */
  readonly itemIds: readonly string[];
  readonly categoryOf: Int32Array;
  readonly brandOf: Int32Array;
  /** List (regular) price of each item; promotions move the current price around it. */
  readonly listPrice: Float64Array;
  readonly categories: readonly SimCategory[];
  /** Share of sessions' category choices that go to each category. */
  readonly categoryTraffic: AliasTable;
  readonly brands: readonly string[];
  /** 1 to 3 complementary items per item, always in another category. */
  readonly complements: readonly Int32Array[];
  /** Approximate share of all views that goes to each item (for stock sizing). */
  readonly viewShare: Float64Array;
}

/** Rounds to cents; prices never fall below one cent. */
export function roundPrice(p: number): number {
  return Math.max(0.01, Math.round(p * 100) / 100);
}

function categorySizes(rng: Rng, items: number, categories: number): Int32Array {
  // Log-normal weights give a few big categories and a long tail of small ones.
  const w = new Float64Array(categories);
  for (let c = 0; c < categories; c++) w[c] = rng.logNormal(1, 0.8);
  const sizes = new Int32Array(categories).fill(1);
  const table = new AliasTable(w);
  for (let left = items - categories; left > 0; left--) sizes[table.sample(rng)]! += 1;
  return sizes;
}

function distinctOthers(rng: Rng, table: AliasTable, self: number, count: number): Int32Array {
  const out: number[] = [];
  for (let tries = 0; out.length < count && tries < 50; tries++) {
    const c = table.sample(rng);
    if (c !== self && !out.includes(c)) out.push(c);
  }
  // A category with overwhelming traffic can starve the sampler; fall back to a neighbour.
  if (out.length === 0) out.push((self + 1) % table.size);
  return Int32Array.from(out);
}

/** Builds the assortment; deterministic in `rng`'s state. */
export function buildCatalogue(
  rng: Rng,
  opts: { items: number; categories: number; zipf: number },
): SimCatalogue {
  const { items, categories, zipf } = opts;
  const sizes = categorySizes(rng, items, categories);
  const order = rng.shuffle(Int32Array.from({ length: items }, (_, i) => i));
  const brands = brandNames(rng, Math.max(8, Math.ceil(categories * 2.5)));
  const categoryOf = new Int32Array(items);
  const brandOf = new Int32Array(items);
  const listPrice = new Float64Array(items);
  const traffic = new Float64Array(categories);
  const built: Omit<SimCategory, 'complementCategories'>[] = [];

  let next = 0;
  for (let c = 0; c < categories; c++) {
    const size = sizes[c]!;
    const members = order.slice(next, next + size);
    next += size;
    // Bigger categories draw more traffic, though less than proportionally.
    traffic[c] = Math.pow(size, 0.9) * rng.logNormal(1, 0.3);
    const brandCount = Math.min(brands.length, rng.range(3, 10));
    const pool = rng.shuffle(Int32Array.from({ length: brands.length }, (_, i) => i));
    const catBrands = pool.slice(0, brandCount);
    const brandShare = new AliasTable(zipfWeights(brandCount, 1));
    // Log-uniform category price levels: 5 to 400.
    const medianPrice = Math.exp(Math.log(5) + rng.next() * Math.log(80));
    for (const item of members) {
      categoryOf[item] = c;
      brandOf[item] = catBrands[brandShare.sample(rng)]!;
      listPrice[item] = roundPrice(Math.max(0.99, rng.logNormal(medianPrice, 0.45)));
    }
    built.push({
      index: c,
      id: `cat-${c}`,
      word: categoryWord(c),
      items: members,
      popularity: new AliasTable(zipfWeights(size, zipf)),
      brands: catBrands,
      medianPrice,
    });
  }

  const categoryTraffic = new AliasTable(traffic);
  const cats: SimCategory[] = built.map((c) => ({
    ...c,
    complementCategories: distinctOthers(rng, categoryTraffic, c.index, rng.range(1, 2)),
  }));

  const complements: Int32Array[] = new Array<Int32Array>(items);
  for (let item = 0; item < items; item++) {
    const own = cats[categoryOf[item]!]!;
    const want = rng.range(1, 3);
    const picked: number[] = [];
    for (let tries = 0; picked.length < want && tries < 30; tries++) {
      const other = cats[own.complementCategories[rng.int(own.complementCategories.length)]!]!;
      const candidate = other.items[other.popularity.sample(rng)]!;
      if (!picked.includes(candidate)) picked.push(candidate);
    }
    complements[item] = Int32Array.from(picked);
  }

  const viewShare = new Float64Array(items);
  for (const c of cats) {
    const share = categoryTraffic.p[c.index]!;
    for (let r = 0; r < c.items.length; r++) viewShare[c.items[r]!] = share * c.popularity.p[r]!;
  }

  return {
    itemIds: Array.from({ length: items }, (_, i) => `sku-${i}`),
    categoryOf,
    brandOf,
    listPrice,
    categories: cats,
    categoryTraffic,
    brands,
    complements,
    viewShare,
  };
}
