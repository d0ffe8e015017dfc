/**
 * The Taobao UserBehavior file (CSV with the header `user,item,category,behavior,ts`, optionally
 * gzipped) as retail events, in file order.
 *
 * - `pv` → view, `cart` → add_to_cart, `buy` → purchase; the category rides on each event, so
 *   the engine learns item → category from the stream.
 * - `fav` (a favourite) has no wire event type and is no funnel step: counted and skipped.
 * - `ts` is Unix seconds; events carry milliseconds.
 * - The data has no orders and no prices. A purchase gets the order `<user>-<ts>` (what one user
 *   bought in the same second is one order) and the placeholder unit price
 *   {@link TAOBAO_PLACEHOLDER_PRICE}, because the wire format requires a price: figures made of
 *   prices (revenue, elasticity) mean nothing on this data.
 * - The file is grouped by user, not sorted by time: sort before replaying into an engine.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { RetailEvent } from '../../engine/index.js';

/** Unit price given to every purchase, since the data has none. */
export const TAOBAO_PLACEHOLDER_PRICE = 1;

export const TAOBAO_HEADER = 'user,item,category,behavior,ts';

export type TaobaoBehaviour = 'pv' | 'cart' | 'fav' | 'buy';

export interface TaobaoRowCounts {
  rows: number;
  events: number;
  behaviours: Record<TaobaoBehaviour, number>;
  skipped: { fav: number; malformed: number };
}

export function emptyTaobaoCounts(): TaobaoRowCounts {
  return {
    rows: 0,
    events: 0,
    behaviours: { pv: 0, cart: 0, fav: 0, buy: 0 },
    skipped: { fav: 0, malformed: 0 },
  };
}

const ID = /^\d{1,20}$/;

const BEHAVIOUR_OF: Partial<Record<RetailEvent['type'], TaobaoBehaviour>> = {
  view: 'pv',
  add_to_cart: 'cart',
  purchase: 'buy',
};

/** Resolves a folder holding user-behavior.csv.gz (or .csv), or the file itself. */
export function taobaoFile(data: string): string {
  const stat = fs.statSync(data, { throwIfNoEntry: false });
  if (stat === undefined) throw new Error(`${data}: no such file or folder`);
  if (stat.isFile()) return data;
  for (const name of ['user-behavior.csv.gz', 'user-behavior.csv']) {
    const candidate = path.join(data, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${data}: no user-behavior.csv.gz in that folder`);
}

/** Maps one data line; returns why when it gives no event. */
export function taobaoLineToEvent(line: string): RetailEvent | 'fav' | 'malformed' {
  const f = line.trim().split(',');
  if (f.length !== 5) return 'malformed';
  const [user, item, category, behaviour, seconds] = f as [string, string, string, string, string];
  const ts = Number(seconds) * 1000;
  if (!ID.test(user) || !ID.test(item) || !ID.test(category) || !Number.isSafeInteger(ts)) {
    return 'malformed';
  }
  if (!(ts > 0)) return 'malformed';
  switch (behaviour) {
    case 'pv':
      return { type: 'view', ts, user, item, category };
    case 'cart':
      return { type: 'add_to_cart', ts, user, item, category, quantity: 1 };
    case 'buy':
      return {
        type: 'purchase',
        ts,
        user,
        item,
        category,
        order: `${user}-${seconds}`,
        quantity: 1,
        price: TAOBAO_PLACEHOLDER_PRICE,
      };
    case 'fav':
      return 'fav';
    default:
      return 'malformed';
  }
}

/**
 * Streams the file as batches of events; `counts` fills in as it goes. `limit` stops after that
 * many data rows. Throws when the header is not {@link TAOBAO_HEADER}: a file with other columns
 * would otherwise be misread field by field.
 */
export async function* readTaobao(
  file: string,
  batchSize: number,
  counts: TaobaoRowCounts = emptyTaobaoCounts(),
  opts: { limit?: number } = {},
): AsyncGenerator<RetailEvent[]> {
  const source = fs.createReadStream(file);
  const input = file.endsWith('.gz') ? source.pipe(createGunzip()) : source;
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  const limit = opts.limit ?? Infinity;
  let header = true;
  let batch: RetailEvent[] = [];
  try {
    for await (const line of lines) {
      if (header) {
        if (line.trim() !== TAOBAO_HEADER) {
          throw new Error(
            `${file}: expected the header ${TAOBAO_HEADER}, got ${line.slice(0, 80)}`,
          );
        }
        header = false;
        continue;
      }
      if (line.trim() === '') continue;
      if (counts.rows >= limit) break;
      counts.rows++;
      const mapped = taobaoLineToEvent(line);
      if (mapped === 'malformed') {
        counts.skipped.malformed++;
        continue;
      }
      if (mapped === 'fav') {
        counts.behaviours.fav++;
        counts.skipped.fav++;
        continue;
      }
      counts.behaviours[BEHAVIOUR_OF[mapped.type]!]++;
      counts.events++;
      batch.push(mapped);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  } finally {
    // Stopping at `limit` leaves the file half read; readline does not close its input.
    lines.close();
    source.destroy();
  }
}
