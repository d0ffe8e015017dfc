/**
 * A backtest of the elasticity estimates: at a series of cut dates, the engine has seen only the
 * purchases before the cut; for every item whose price moved across the cut, the demand after it
 * is forecast from the demand before and the price change, `q1 = q0 · (p1 / p0)^e`, with e as the
 * engine estimated it before the cut, and compared with what happened, beside the naive forecast
 * that nothing changes (`q1 = q0`).
 *
 * Price and demand on each side of a cut: the median unit price over the purchase lines of the
 * `window` days (the price on the ticket, which the lines of a big discounted order do not drag
 * as a unit-weighted mean would), and units a day over the window. An item counts at a cut when
 * both windows hold at least `minLines` lines and the median price moved by at least `minChange`.
 *
 * Error of a forecast: |log(forecast / actual)|, a symmetric relative error (0.1 ≈ 10%).
 */
import type { Engine, PurchaseEvent } from '../../engine/index.js';

const DAY = 86_400_000;

export interface PriceBacktestOptions {
  /** Cut dates, epoch ms, ascending. */
  cuts: readonly number[];
  /** Days on each side of a cut. Default 28. */
  window?: number;
  /** Least relative move of the median price. Default 0.05. */
  minChange?: number;
  /** Least purchase lines on each side. Default 5. */
  minLines?: number;
}

/** The models forecast, by name: the elasticity each one supplies (undefined: no forecast). */
export type BacktestModels = Record<string, (engine: Engine) => Map<string, number>>;

export interface BacktestCase {
  item: string;
  cut: number;
  p0: number;
  p1: number;
  q0: number;
  q1: number;
  /** Elasticity per model that had one. */
  elasticity: Record<string, number>;
}

export interface BacktestSummary {
  model: string;
  /** Cases the model forecast. */
  cases: number;
  /** Median and mean |log(forecast / actual)| over those cases. */
  medianError: number;
  meanError: number;
  /** The naive forecast's over the same cases. */
  naiveMedianError: number;
  naiveMeanError: number;
  /** Share of the cases where the model's error is below the naive one's. */
  beatsNaive: number;
}

export interface PriceBacktest {
  cases: BacktestCase[];
  summaries: BacktestSummary[];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

interface Side {
  prices: number[];
  units: number;
}

/**
 * Feeds `engine` the purchases (sorted by time) cut by cut, asks each model for its elasticities
 * at each cut, and scores the forecasts. O(events + cuts · model cost).
 */
export function backtestPrices(
  engine: Engine,
  events: readonly PurchaseEvent[],
  models: BacktestModels,
  opts: PriceBacktestOptions,
): PriceBacktest {
  const windowMs = (opts.window ?? 28) * DAY;
  const minChange = opts.minChange ?? 0.05;
  const minLines = opts.minLines ?? 5;
  const cases: BacktestCase[] = [];
  let fed = 0;
  for (const cut of opts.cuts) {
    let to = fed;
    while (to < events.length && events[to]!.ts < cut) to++;
    for (let i = fed; i < to; i += 10_000) {
      engine.ingestEvents(events.slice(i, Math.min(to, i + 10_000)));
    }
    fed = to;
    const before = new Map<string, Side>();
    const after = new Map<string, Side>();
    for (const e of events) {
      if (e.ts < cut - windowMs || e.ts >= cut + windowMs) continue;
      const side = e.ts < cut ? before : after;
      let s = side.get(e.item);
      if (s === undefined) side.set(e.item, (s = { prices: [], units: 0 }));
      s.prices.push(e.price);
      s.units += e.quantity;
    }
    const estimates = Object.entries(models).map(([name, f]) => [name, f(engine)] as const);
    for (const [item, b] of before) {
      const a = after.get(item);
      if (a === undefined || b.prices.length < minLines || a.prices.length < minLines) continue;
      const p0 = median(b.prices);
      const p1 = median(a.prices);
      if (!(Math.abs(p1 / p0 - 1) >= minChange)) continue;
      const elasticity: Record<string, number> = {};
      for (const [name, m] of estimates) {
        const e = m.get(item);
        if (e !== undefined) elasticity[name] = e;
      }
      const days = windowMs / DAY;
      cases.push({ item, cut, p0, p1, q0: b.units / days, q1: a.units / days, elasticity });
    }
  }
  const summaries: BacktestSummary[] = [];
  for (const model of Object.keys(models)) {
    const errs: number[] = [];
    const naive: number[] = [];
    let wins = 0;
    for (const c of cases) {
      const e = c.elasticity[model];
      if (e === undefined) continue;
      const err = Math.abs(Math.log((c.q0 * (c.p1 / c.p0) ** e) / c.q1));
      const nv = Math.abs(Math.log(c.q0 / c.q1));
      errs.push(err);
      naive.push(nv);
      if (err < nv) wins++;
    }
    const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / Math.max(1, v.length);
    summaries.push({
      model,
      cases: errs.length,
      medianError: median(errs),
      meanError: mean(errs),
      naiveMedianError: median(naive),
      naiveMeanError: mean(naive),
      beatsNaive: errs.length === 0 ? NaN : wins / errs.length,
    });
  }
  return { cases, summaries };
}

/** The engine's own estimates: units, purchase lines, and lines pooled (shrunk or the shop's). */
export const ENGINE_ELASTICITY_MODELS: BacktestModels = {
  units: (engine) => ownEstimates(engine, 'units'),
  lines: (engine) => ownEstimates(engine, 'lines'),
  'lines, pooled': (engine) => {
    const out = new Map<string, number>();
    for (const r of engine.prices.elasticities({ demand: 'lines', pooled: true }).items) {
      if (r.pooled !== undefined) out.set(r.item, r.pooled.elasticity);
    }
    return out;
  },
};

function ownEstimates(engine: Engine, demand: 'units' | 'lines'): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of engine.prices.elasticities({ demand }).items) {
    if (!('refused' in r.own)) out.set(r.item, r.own.elasticity);
  }
  return out;
}
