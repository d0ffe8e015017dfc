/**
 * Report section: sales velocity, reorder point and order quantity of the top sellers, with days
 * of cover for a stated hypothetical stock level, since the data holds no stock records.
 */
import { DEFAULT_INVENTORY } from '../../engine/inventory/index.js';
import type { Engine, InventoryEvent } from '../../engine/index.js';
import { image, type Section } from '../report/document.js';
import { fixed, int, percent, table } from '../report/markdown.js';
import { barChart } from '../report/svg-bar.js';
import { itemLabel, type RetailData } from './analyze-retail.js';
import { DAY_MS } from './analyze-time.js';

const WINDOW_DAYS = 90;
const TOP = 15;
/** The stock level assumed for the "what would it cover" columns; not data. */
export const HYPOTHETICAL_STOCK = 500;

/**
 * Runs after every other section: it sets a hypothetical stock level in the engine, which the
 * engine then treats as real.
 */
export function stockSection(data: RetailData, engine: Engine): Section {
  const now = engine.stats().streamTime ?? 0;
  // Purchases in (now - window, now]; the group-by's window is [from, to). Its `top` ranks by
  // revenue, so the ranking by units is done here.
  const window = { from: now - WINDOW_DAYS * DAY_MS + 1, to: now + 1 };
  const units = new Map(
    engine.analytics
      .groupBy({ by: 'item', ...window, types: ['purchase'] })
      .rows.map((r) => [r.key, r.units]),
  );
  const top = [...units]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, TOP)
    .map(([item]) => item);
  const before = top.map((item) => engine.inventory.report(item));
  const hypothetical: InventoryEvent[] = top.map((item) => ({
    type: 'inventory',
    ts: now,
    item,
    op: 'set',
    quantity: HYPOTHETICAL_STOCK,
  }));
  engine.ingestEvents(hypothetical);
  const after = top.map((item) => engine.inventory.report(item));
  const rows = top.map((item, i) => {
    const b = before[i]!;
    const a = after[i]!;
    return {
      item,
      description: data.descriptions.get(item) ?? null,
      units90d: units.get(item) ?? 0,
      velocityPerDay: b.velocityPerDay,
      reorderPoint: b.reorderPoint,
      stockLevel: b.level ?? null,
      hypothetical: {
        level: HYPOTHETICAL_STOCK,
        daysOfCover: a.daysOfCover ?? null,
        stockoutRisk: a.stockoutRisk ?? null,
        orderQuantity: a.orderQuantity ?? null,
      },
    };
  });
  const o = DEFAULT_INVENTORY;
  const chart = {
    file: 'velocity-top-sellers.svg',
    svg: barChart({
      title: `Sales velocity of the top ${top.length} sellers of the last ${WINDOW_DAYS} days (units per day)`,
      bars: rows.map((r) => ({
        label: itemLabel(data, r.item),
        value: r.velocityPerDay,
        note: `${fixed(r.velocityPerDay, 0)}/day`,
      })),
      valueTitle: `units per day, decayed with a ${o.halfLifeDays}-day half-life`,
    }),
  };
  const blocks = [
    `**The dataset has no stock records**: no levels, receipts or adjustments, so the engine knows no ` +
      `item's stock (its level stays unknown, and it reports no days of cover, stockout risk or order ` +
      `quantity). What it does know is demand. For the ${top.length} items with the most units sold in ` +
      `the last ${WINDOW_DAYS} days of stream time (cancelled purchases netted out), the engine's \`inventoryReport\` gives the sales ` +
      `velocity (units per day, decayed with a ${o.halfLifeDays}-day half-life) and the reorder point ` +
      `(the level at which to order so that ${o.leadTimeDays} days of lead-time demand stay covered ` +
      `with ${percent(o.serviceLevel, 0)} probability, Poisson demand).`,
    `The last three columns are **hypothetical**: the replay set each item's stock to ` +
      `${int(HYPOTHETICAL_STOCK)} units after the last event, only to show what the engine would ` +
      `answer. They are not data: days of cover for ${int(HYPOTHETICAL_STOCK)} units, the risk of ` +
      `running out within the lead time, and the units to order now to cover the lead time and the ` +
      `${o.reviewPeriodDays}-day review period.`,
    table(
      [
        'item',
        `units (${WINDOW_DAYS} d)`,
        'velocity / day',
        'reorder point',
        `if ${HYPOTHETICAL_STOCK} on hand: days of cover`,
        'stockout risk',
        'order now',
      ],
      rows.map((r) => [
        itemLabel(data, r.item),
        int(r.units90d),
        fixed(r.velocityPerDay, 1),
        int(r.reorderPoint),
        r.hypothetical.daysOfCover === null ? '' : fixed(r.hypothetical.daysOfCover, 1),
        r.hypothetical.stockoutRisk === null ? '' : percent(r.hypothetical.stockoutRisk, 0),
        r.hypothetical.orderQuantity === null ? '' : int(r.hypothetical.orderQuantity),
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    image(chart, 'Sales velocity of the top sellers'),
  ];
  const fastest = [...rows].sort((a, b) => b.velocityPerDay - a.velocityPerDay)[0];
  return {
    title: 'Velocity and days of cover for the top sellers',
    ...(fastest !== undefined && {
      headline:
        `No stock records, so cover is shown for a hypothetical ${HYPOTHETICAL_STOCK} units; the fastest ` +
        `seller by the engine's velocity is ${itemLabel(data, fastest.item)} at ${fixed(fastest.velocityPerDay, 0)} a day.`,
    }),
    blocks,
    charts: [chart],
    data: {
      windowDays: WINDOW_DAYS,
      hypotheticalStock: HYPOTHETICAL_STOCK,
      options: {
        halfLifeDays: o.halfLifeDays,
        leadTimeDays: o.leadTimeDays,
        reviewPeriodDays: o.reviewPeriodDays,
        serviceLevel: o.serviceLevel,
      },
      items: rows,
    },
  };
}
