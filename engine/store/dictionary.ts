/**
 * String ↔ dense u32 id dictionaries: the only place event strings become numbers.
 */
import { Buffer } from 'node:buffer';
import { AisleError } from '../errors.js';

/** Largest id a dictionary hands out: ids are stored in Uint32 columns. */
export const MAX_DICTIONARY_ID = 0xffff_ffff;

/** Largest number of bytes of text one dictionary holds: offsets are u32. */
const MAX_TEXT_BYTES = 0xffff_ffff;

/** Decoded strings kept per dictionary for `value`, by id modulo this (a power of two). */
const RECENT = 1024;

/** Recently encoded strings kept per dictionary for `id`, by hash modulo this (a power of two). */
const FRONT = 4096;

/** Longest string `id` keeps in front: long ones are rarely repeated and would weigh on the heap. */
const FRONT_LENGTH = 64;

/**
 * Maps strings to dense ids 1, 2, 3, ... in first-seen order; 0 is reserved for "absent".
 *
 * The strings live off the JavaScript heap: their UTF-16 units back to back in one byte buffer
 * (one byte per unit when every unit of the string is below 256, else two), found through an
 * open-addressing hash table of ids. With a Map of strings, a flood of unique ids (sessions,
 * orders, queries) made those strings and entries most of the heap and most of what the garbage
 * collector walked; here a value costs its characters plus about 25 bytes (offset, hash, width
 * flag, two table slots of id and hash), all in a few typed arrays.
 *
 * Ids are stable between compactions: models index arrays by them, so a dictionary renumbers
 * only through `compact`, which the engine runs together with every part that holds the ids
 * (engine/retention.ts), when ids of users, items, sessions, orders or queries fall out of the
 * retention horizon.
 *
 * Cost: `id` and `lookup` hash the string once (O(length)) and compare it with the recently
 * encoded string in its front slot, else with the values sharing its hash; `value` decodes the string (O(length)), except for recently decoded ids.
 */
export class Dictionary {
  private count = 0;
  /** Units of every value back to back. */
  private text = new Uint8Array(256);
  private textView = viewOf(this.text);
  private textUsed = 0;
  /** `ends[id]`: end of value `id` in `text`; its start is `ends[id - 1]` (`ends[0]` is 0). */
  private ends = new Uint32Array(64);
  /** `hashes[id]`: hash of value `id`, to reject most probes and to rehash without decoding. */
  private hashes = new Uint32Array(64);
  /** `wide[id]`: 1 when value `id` is stored as two bytes per unit. */
  private wide = new Uint8Array(64);
  /**
   * Open addressing, linear probing, at most half full: per slot an id (0 = empty) and its hash
   * side by side, so a probe reads one cache line to reject a value or find the one to compare.
   */
  private table = new Uint32Array(128);
  private readonly recentIds = new Uint32Array(RECENT);
  private readonly recent: string[] = new Array<string>(RECENT).fill('');
  /**
   * Recently encoded strings and their ids, by hash. A stream repeats a few thousand items, users
   * and live sessions over and over: a hit here compares with one string on the heap instead of
   * probing the table and reading the text, three likely cache misses.
   */
  private readonly frontIds = new Uint32Array(FRONT);
  private readonly front: string[] = new Array<string>(FRONT).fill('');
  /** Units of the strings in `front`, for `bytes`. */
  private frontUnits = 0;
  /** Set by `hash`: whether the string just hashed has a unit of 256 or more. */
  private lastWide = false;

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
      dict.add(value, dict.hash(value));
    }
    return dict;
  }

  /** Number of values held; also the largest id handed out. */
  get size(): number {
    return this.count;
  }

  /** The id of `s`, adding it when new. */
  id(s: string): number {
    const h = this.hash(s);
    const slot = h & (FRONT - 1);
    if (this.front[slot] === s && this.frontIds[slot] !== 0) return this.frontIds[slot]!;
    const found = this.find(s, h);
    const id = found === 0 ? this.add(s, h) : found;
    if (s.length <= FRONT_LENGTH) {
      this.frontUnits += s.length - this.front[slot]!.length;
      this.front[slot] = s;
      this.frontIds[slot] = id;
    }
    return id;
  }

  /** The id of `s`, or undefined when absent; never adds. */
  lookup(s: string): number | undefined {
    const h = this.hash(s);
    const slot = h & (FRONT - 1);
    if (this.front[slot] === s && this.frontIds[slot] !== 0) return this.frontIds[slot]!;
    const found = this.find(s, h);
    return found === 0 ? undefined : found;
  }

  /** The string for `id`, or undefined for 0 and unknown ids. */
  value(id: number): string | undefined {
    if (!(id >= 1 && id <= this.count)) return undefined;
    const slot = id & (RECENT - 1);
    if (this.recentIds[slot] === id) return this.recent[slot];
    const start = this.ends[id - 1]!;
    const end = this.ends[id]!;
    const s =
      this.wide[id] === 1
        ? this.textView.toString('utf16le', start, end)
        : this.textView.toString('latin1', start, end);
    this.recentIds[slot] = id;
    this.recent[slot] = s;
    return s;
  }

  /** All values, the one for id `i + 1` at index `i`: a copy decoded now. O(total length). */
  values(): string[] {
    const out = new Array<string>(this.count);
    for (let id = 1; id <= this.count; id++) out[id - 1] = this.value(id)!;
    return out;
  }

  /** Bytes held: the text buffer and the per-id and hash tables, slack included. */
  bytes(): number {
    return (
      this.text.byteLength +
      this.ends.byteLength +
      this.hashes.byteLength +
      this.wide.byteLength +
      this.table.byteLength +
      this.recentIds.byteLength +
      RECENT * 8 +
      this.frontIds.byteLength +
      // A slot's pointer and its string: about 20 bytes plus at most two per unit.
      FRONT * 28 +
      this.frontUnits * 2
    );
  }

  /**
   * Renumbers the dictionary in place: `map[id]` is the new id of `id`, or 0 to drop it, and the
   * kept ids must be numbered 1, 2, 3, ... in their old order (engine/retention.ts builds such
   * maps). Dropped values are forgotten (a later `id` of the same string issues a new id), and
   * the buffers shrink to fit what is kept. Throws AisleError('AISLE_INVALID_ARGUMENT') for a map
   * that does not fit. O(size + total length).
   */
  compact(map: Uint32Array): void {
    if (map.length !== this.count + 1) {
      throw new AisleError(
        'AISLE_INVALID_ARGUMENT',
        'dictionary compaction: map length is not size + 1',
      );
    }
    let kept = 0;
    let keptBytes = 0;
    for (let id = 1; id < map.length; id++) {
      const to = map[id]!;
      if (to === 0) continue;
      if (to !== kept + 1) {
        throw new AisleError(
          'AISLE_INVALID_ARGUMENT',
          'dictionary compaction: kept ids must stay in order',
        );
      }
      kept++;
      keptBytes += this.ends[id]! - this.ends[id - 1]!;
    }
    const text = new Uint8Array(Math.max(256, keptBytes + (keptBytes >>> 2)));
    const perId = Math.max(64, kept + 1 + ((kept + 1) >>> 2));
    const ends = new Uint32Array(perId);
    const hashes = new Uint32Array(perId);
    const wide = new Uint8Array(perId);
    let at = 0;
    for (let id = 1; id < map.length; id++) {
      const to = map[id]!;
      if (to === 0) continue;
      const start = this.ends[id - 1]!;
      const end = this.ends[id]!;
      text.set(this.text.subarray(start, end), at);
      at += end - start;
      ends[to] = at;
      hashes[to] = this.hashes[id]!;
      wide[to] = this.wide[id]!;
    }
    this.text = text;
    this.textView = viewOf(text);
    this.textUsed = at;
    this.ends = ends;
    this.hashes = hashes;
    this.wide = wide;
    this.count = kept;
    this.recentIds.fill(0);
    this.recent.fill('');
    this.frontIds.fill(0);
    this.front.fill('');
    this.frontUnits = 0;
    this.rehash(tableSizeFor(kept));
  }

  /** `hashUnits(s)`, noting whether `s` needs two bytes per unit: one pass over `s`. */
  private hash(s: string): number {
    let h = 0x811c9dc5;
    let or = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      or |= c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    this.lastWide = or > 0xff;
    return mix(h);
  }

  /** The id of `s` (whose hash is `h`), or 0. */
  private find(s: string, h: number): number {
    const table = this.table;
    const mask = (table.length >>> 1) - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const id = table[2 * slot]!;
      if (id === 0) return 0;
      if (table[2 * slot + 1] === h && this.equals(id, s)) return id;
    }
  }

  private equals(id: number, s: string): boolean {
    const start = this.ends[id - 1]!;
    const end = this.ends[id]!;
    const text = this.text;
    const n = s.length;
    if (this.wide[id] === 1) {
      if (end - start !== n * 2) return false;
      for (let i = 0, p = start; i < n; i++, p += 2) {
        if ((text[p]! | (text[p + 1]! << 8)) !== s.charCodeAt(i)) return false;
      }
      return true;
    }
    if (end - start !== n) return false;
    for (let i = 0; i < n; i++) if (text[start + i] !== s.charCodeAt(i)) return false;
    return true;
  }

  /** Appends `s` (hashed just before, so `lastWide` is its own) under the next id. */
  private add(s: string, h: number): number {
    const id = this.count + 1;
    if (id > MAX_DICTIONARY_ID) {
      throw new AisleError('AISLE_INVALID_ARGUMENT', 'dictionary is full (2^32 - 1 values)');
    }
    const wide = this.lastWide;
    const n = wide ? s.length * 2 : s.length;
    if (this.textUsed + n > this.text.length) this.growText(this.textUsed + n);
    const text = this.text;
    let p = this.textUsed;
    if (wide) {
      for (let i = 0; i < s.length; i++, p += 2) {
        const c = s.charCodeAt(i);
        text[p] = c & 0xff;
        text[p + 1] = c >>> 8;
      }
    } else {
      for (let i = 0; i < s.length; i++) text[p++] = s.charCodeAt(i);
    }
    this.textUsed = p;
    if (id >= this.ends.length) this.growIds(id + 1);
    this.ends[id] = p;
    this.hashes[id] = h;
    this.wide[id] = wide ? 1 : 0;
    this.count = id;
    if (id * 4 > this.table.length) this.rehash(this.table.length);
    else this.place(id, h);
    return id;
  }

  private place(id: number, h: number): void {
    const table = this.table;
    const mask = (table.length >>> 1) - 1;
    let slot = h & mask;
    while (table[2 * slot] !== 0) slot = (slot + 1) & mask;
    table[2 * slot] = id;
    table[2 * slot + 1] = h;
  }

  /** Rebuilds the table with `size` slots. */
  private rehash(size: number): void {
    this.table = new Uint32Array(2 * size);
    for (let id = 1; id <= this.count; id++) this.place(id, this.hashes[id]!);
  }

  private growText(need: number): void {
    if (need > MAX_TEXT_BYTES) {
      throw new AisleError('AISLE_INVALID_ARGUMENT', 'dictionary is full (4 GiB of text)');
    }
    const grown = new Uint8Array(Math.min(MAX_TEXT_BYTES, Math.max(need, this.text.length * 2)));
    grown.set(this.text.subarray(0, this.textUsed));
    this.text = grown;
    this.textView = viewOf(grown);
  }

  private growIds(need: number): void {
    const size = Math.max(need, this.ends.length * 2);
    const ends = new Uint32Array(size);
    ends.set(this.ends);
    const hashes = new Uint32Array(size);
    hashes.set(this.hashes);
    const wide = new Uint8Array(size);
    wide.set(this.wide);
    this.ends = ends;
    this.hashes = hashes;
    this.wide = wide;
  }
}

/** FNV-1a over the UTF-16 units of `s`, mixed by murmur3's finaliser for linear probing. */
export function hashUnits(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix(h);
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A power-of-two table at most half full for `n` values. */
function tableSizeFor(n: number): number {
  let size = 64;
  while (size < n * 2 + 2) size *= 2;
  return size;
}

/** A Buffer over the same bytes, for its native latin1 and UTF-16 decoders. */
function viewOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
