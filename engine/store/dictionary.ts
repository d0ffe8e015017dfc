/**
 * String ↔ dense u32 id dictionaries: the only place event strings become numbers.
 */
import { AisleError } from '../errors.js';

/** Largest id a dictionary hands out: ids are stored in Uint32 columns. */
export const MAX_DICTIONARY_ID = 0xffff_ffff;

// V8 caps one Map at 2^24 entries; past that we chain more Maps so that long-running stores
// (sessions and queries only ever grow) do not hit a RangeError. One shard covers nearly all stores.
const SHARD_SIZE = 1 << 24;

/**
 * Maps strings to dense ids 1, 2, 3, ... in first-seen order; 0 is reserved for "absent".
 *
 * Ids are stable between compactions: models index arrays by them, so a dictionary renumbers
 * only through `compact`, which the engine runs together with every part that holds the ids
 * (engine/retention.ts), when ids of users, items, sessions, orders or queries fall out of the
 * retention horizon.
 *
 * Cost: `id`, `lookup` and `value` are O(1) (one Map probe per 2^24 entries held).
 */
export class Dictionary {
  private readonly shards: Map<string, number>[] = [new Map()];
  private readonly strings: string[] = [];

  /** Builds a dictionary whose value for id `i + 1` is `values[i]`; throws on duplicates. */
  static fromValues(values: readonly string[]): Dictionary {
    const dict = new Dictionary();
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      if (typeof value !== 'string' || dict.lookup(value) !== undefined) {
        throw new AisleError(
          'AISLE_INVALID_ARGUMENT',
          `dictionary value at id ${i + 1} is ${typeof value === 'string' ? 'a duplicate' : 'not a string'}`,
        );
      }
      dict.add(value);
    }
    return dict;
  }

  /** Number of values held; also the largest id handed out. */
  get size(): number {
    return this.strings.length;
  }

  /** The id of `s`, adding it when new. */
  id(s: string): number {
    const found = this.lookup(s);
    return found === undefined ? this.add(s) : found;
  }

  /** The id of `s`, or undefined when absent; never adds. */
  lookup(s: string): number | undefined {
    const shards = this.shards;
    if (shards.length === 1) return shards[0]!.get(s);
    for (let i = 0; i < shards.length; i++) {
      const found = shards[i]!.get(s);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** The string for `id`, or undefined for 0 and unknown ids. */
  value(id: number): string | undefined {
    return id >= 1 ? this.strings[id - 1] : undefined;
  }

  /**
   * All values, the one for id `i + 1` at index `i`. Owned by the dictionary: a live view that
   * grows with it, not to be mutated.
   */
  values(): readonly string[] {
    return this.strings;
  }

  /**
   * Renumbers the dictionary in place: `map[id]` is the new id of `id`, or 0 to drop it, and the
   * kept ids must be numbered 1, 2, 3, ... in their old order (engine/retention.ts builds such
   * maps). Dropped values are forgotten (a later `id` of the same string issues a new id).
   * Throws AisleError('AISLE_INVALID_ARGUMENT') for a map that does not fit. O(size).
   */
  compact(map: Uint32Array): void {
    if (map.length !== this.strings.length + 1) {
      throw new AisleError(
        'AISLE_INVALID_ARGUMENT',
        'dictionary compaction: map length is not size + 1',
      );
    }
    const kept: string[] = [];
    for (let id = 1; id < map.length; id++) {
      const to = map[id]!;
      if (to === 0) continue;
      if (to !== kept.length + 1) {
        throw new AisleError(
          'AISLE_INVALID_ARGUMENT',
          'dictionary compaction: kept ids must stay in order',
        );
      }
      kept.push(this.strings[id - 1]!);
    }
    this.shards.length = 0;
    this.shards.push(new Map());
    this.strings.length = 0;
    for (const s of kept) this.add(s);
  }

  private add(s: string): number {
    const id = this.strings.length + 1;
    if (id > MAX_DICTIONARY_ID) {
      throw new AisleError('AISLE_INVALID_ARGUMENT', 'dictionary is full (2^32 - 1 values)');
    }
    let shard = this.shards[this.shards.length - 1]!;
    if (shard.size >= SHARD_SIZE) {
      shard = new Map();
      this.shards.push(shard);
    }
    shard.set(s, id);
    this.strings.push(s);
    return id;
  }
}

/** The dictionaries of one store, by name. Their order is their code in snapshots. */
export const DICTIONARY_NAMES = [
  'user',
  'session',
  'item',
  'category',
  'order',
  'query',
  'location',
] as const;

/** Name of one of the store's dictionaries. */
export type DictionaryName = (typeof DICTIONARY_NAMES)[number];

/** The store's dictionaries, one per id kind; owned by the store, ids stable for its life. */
export type StoreDictionaries = Readonly<Record<DictionaryName, Dictionary>>;

/** A fresh, empty set of the store's dictionaries. */
export function createDictionaries(): StoreDictionaries {
  return {
    user: new Dictionary(),
    session: new Dictionary(),
    item: new Dictionary(),
    category: new Dictionary(),
    order: new Dictionary(),
    query: new Dictionary(),
    location: new Dictionary(),
  };
}
