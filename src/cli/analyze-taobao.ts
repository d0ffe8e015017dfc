/**
 * Report section: the shop funnel (view → cart → purchase) of the Taobao UserBehavior sample,
 * replayed into an engine of its own, and the funnels of its five largest categories.
 */
import { createEngine, type FunnelView, type RetailEvent } from '../../engine/index.js';
import {
  emptyTaobaoCounts,
  readTaobao,
  taobaoFile,
  TAOBAO_PLACEHOLDER_PRICE,
} from '../datasets/taobao.js';
import { image, type Section } from '../report/document.js';
import { date, int, percent, table } from '../report/markdown.js';
import { funnelChart } from '../report/svg-funnel.js';
import { replay } from './analyze-replay.js';
import { DAY_MS } from './analyze-time.js';

/** Start of the dataset's nominal period, 2017-11-25 00:00 China time (UTC+8). */
const NOMINAL_START = Date.UTC(2017, 10, 24, 16);
const CATEGORIES = 5;

const rate = (r: number | null) => (r === null ? '' : percent(r));

function funnelRow(scope: string, f: FunnelView): string[] {
  const u = f.users;
  return [
    scope,
    int(f.views),
    int(f.carts),
    int(f.purchases),
    rate(f.viewToCart),
    rate(f.cartToPurchase),
    rate(f.viewToPurchase),
    u === null ? '' : `${int(u.views)} / ${int(u.carts)} / ${int(u.purchases)}`,
  ];
}

/** A section saying why there is no Taobao funnel. */
export function taobaoOmitted(why: string): Section {
  return {
    title: 'Funnel of the Taobao sample',
    blocks: [`Omitted: ${why}.`],
    charts: [],
    data: { omitted: why },
  };
}

export async function taobaoSection(
  dir: string,
  opts: { limit?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<Section> {
  const counts = emptyTaobaoCounts();
  const events: RetailEvent[] = [];
  const readOpts = opts.limit === undefined ? {} : { limit: opts.limit };
  for await (const batch of readTaobao(taobaoFile(dir), 10_000, counts, readOpts))
    events.push(...batch);
  // The file is grouped by user; the engine's windows need stream time to move forward.
  events.sort((a, b) => a.ts - b.ts);
  const first = events[0]?.ts ?? 0;
  const last = events[events.length - 1]?.ts ?? 0;
  const days = Math.max(1, Math.ceil((last - first) / DAY_MS) + 1);
  // The default funnel tiers reach back 30 days; one of whole days must cover the sample's span.
  const engine = await createEngine({
    funnels: {
      tiers: [
        { resolution: '1h', span: '30d' },
        { resolution: '1d', span: `${Math.max(31, days + 1)}d` },
      ],
    },
  });
  try {
    replay(engine, events, opts.onProgress === undefined ? {} : { onProgress: opts.onProgress });
    const window = `${days}d`;
    const shop = engine.analytics.funnel({ window });
    const byCategory = new Map<string, number>();
    const cartsSeen = new Set<string>();
    let boughtAfterCart = 0;
    let early = 0;
    for (const e of events) {
      if (e.ts < NOMINAL_START) early++;
      if ('category' in e && e.category !== undefined)
        byCategory.set(e.category, (byCategory.get(e.category) ?? 0) + 1);
      if (e.type === 'add_to_cart') cartsSeen.add(`${e.user} ${e.item}`);
      if (e.type === 'purchase' && cartsSeen.has(`${e.user} ${e.item}`)) boughtAfterCart++;
    }
    const largest = [...byCategory]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, CATEGORIES)
      .map(([c]) => c);
    const categories = largest.map((category) => ({
      category,
      funnel: engine.analytics.funnel({ window, category }),
    }));
    const stats = engine.stats();
    const users = shop.users;
    const chart = {
      file: 'taobao-funnel.svg',
      svg: funnelChart({
        title: `Taobao sample: shop funnel over ${days} days (events; distinct shoppers in brackets)`,
        steps: [
          {
            label: 'view',
            value: shop.views,
            ...(users && { note: `${int(users.views)} shoppers` }),
          },
          {
            label: 'cart',
            value: shop.carts,
            ...(users && { note: `${int(users.carts)} shoppers` }),
          },
          {
            label: 'purchase',
            value: shop.purchases,
            ...(users && { note: `${int(users.purchases)} shoppers` }),
          },
        ],
        format: (v) => int(v),
      }),
    };
    const b = counts.behaviours;
    const blocks = [
      `The Taobao UserBehavior sample was replayed, in time order, into a second engine (default ` +
        `options but for one funnel tier of whole days long enough for the sample's span): ` +
        `${int(counts.rows)} rows (${int(b.pv)} \`pv\` as views, ${int(b.cart)} \`cart\` as add-to-cart, ` +
        `${int(b.buy)} \`buy\` as purchases). The ${int(b.fav)} \`fav\` rows (favourites) are no funnel ` +
        `step and were left out` +
        (counts.skipped.malformed > 0
          ? `, as were ${int(counts.skipped.malformed)} malformed rows`
          : '') +
        `. The data has no orders and no prices: each purchase got the order id ` +
        `\`<user>-<timestamp>\` and a placeholder unit price of ${TAOBAO_PLACEHOLDER_PRICE}, which the ` +
        `funnel ignores (it counts events).` +
        (opts.limit === undefined
          ? ''
          : ` Only the first ${int(opts.limit)} rows were read (\`--limit\`).`),
      `The sample is the truncated start of the source file, grouped by user: ${int(stats.users)} ` +
        `shoppers, ${int(stats.items)} items, ${int(byCategory.size)} categories, from ${date(first)} ` +
        `to ${date(last)}. ${int(early)} events fall before the dataset's nominal start ` +
        `(2017-11-25, China time); the funnel below covers the whole span, ${days} days.`,
      image(chart, 'Funnel of the Taobao sample'),
      `Funnels count events, so an item viewed five times is five views, and the step rates are ratios ` +
        `of event counts, not the share of shoppers who went on. ${percent(boughtAfterCart / Math.max(1, b.buy))} ` +
        `of purchases had an earlier add-to-cart of the same item by the same shopper; the rest ` +
        `have none in the sample (bought directly, or carted before the sample's history starts), ` +
        `which is why cart → purchase is not a conversion rate.`,
      table(
        [
          'scope',
          'views',
          'carts',
          'purchases',
          'view → cart',
          'cart → purchase',
          'view → purchase',
          'shoppers (view / cart / buy)',
        ],
        [
          funnelRow('whole shop', shop),
          ...categories.map((c) => funnelRow(`category ${c.category}`, c.funnel)),
        ],
        ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      ),
      `The ${CATEGORIES} categories are the largest by events in the sample.`,
    ];
    return {
      title: 'Funnel of the Taobao sample',
      headline:
        `Taobao sample: ${rate(shop.viewToCart)} of views led to a cart event and ` +
        `${rate(shop.viewToPurchase)} to a purchase event; ${int(users?.views ?? 0)} shoppers viewed ` +
        `and ${int(users?.purchases ?? 0)} bought.`,
      blocks,
      charts: [chart],
      data: {
        counts,
        first,
        last,
        days,
        eventsBeforeNominalStart: early,
        purchasesAfterCart: boughtAfterCart,
        shop,
        categories,
      },
    };
  } finally {
    engine.close();
  }
}
