/**
 * Retention maps, the argument of every part's `remap(kind, map, size)` (engine/retention.ts
 * builds them). A retention map renumbers one id kind after a compaction: `map[id]` is the new id
 * of old id `id`, 0 when it is dropped, and `map[0]` is 0 (id 0 is never issued). The kept ids
 * are numbered 1..`size` in their old order, so new ids ascend with old ones and a part can
 * compact its arrays in one pass. A map that drops nothing is the identity: no part has work to
 * do, and each returns early on it through one of the checks below.
 *
 * Three strengths of check, each kept by the parts that chose it:
 * - {@link dropsNothing} trusts the map and only compares sizes (O(1));
 * - {@link keepsAll} looks at every entry without judging the map, so only the identity counts;
 * - {@link remapKeepsAll} validates the map first and throws on one that is not a retention map.
 */
import { AisleError } from './errors.js';

/**
 * True when the retention map `map` drops no id: with kept ids numbered 1..`size` in order, a map
 * over `size` ids is the identity. Trusts `map` to be a retention map (the engine builds them,
 * and a part that needs more checks them itself). O(1).
 */
export function dropsNothing(map: Uint32Array, size: number): boolean {
  return size === map.length - 1;
}

/**
 * True when `map` keeps every id where it is, so a remap has nothing to do. Reads every entry
 * rather than trusting the sizes, so a map over `size` ids that moves one is not taken for the
 * identity; it does not otherwise check the map. O(map).
 */
export function keepsAll(map: Uint32Array, size: number): boolean {
  if (!dropsNothing(map, size)) return false;
  for (let id = 1; id < map.length; id++) if (map[id] !== id) return false;
  return true;
}

/**
 * Checks a retention map for `owner`'s remap (`'funnel'`, `'inventory'`, the start of the error
 * message): `map[0]` is 0 and the kept ids are numbered 1..`size` in their old order. True when
 * it keeps every id, which renumbers nothing. Throws AisleError('AISLE_INVALID_ARGUMENT') naming
 * `map` otherwise, before the caller changes anything. O(map).
 */
export function remapKeepsAll(map: Uint32Array, size: number, owner: string): boolean {
  let next = 0;
  let ok = map.length > 0 && map[0] === 0;
  for (let id = 1; ok && id < map.length; id++) {
    const to = map[id]!;
    if (to !== 0) ok = to === ++next;
  }
  if (!ok || next !== size) {
    throw new AisleError(
      'AISLE_INVALID_ARGUMENT',
      `${owner} map: kept ids must be numbered 1..size in their old order`,
      { field: 'map' },
    );
  }
  return dropsNothing(map, size);
}
