/**
 * Report section: the elasticity estimates put to the test. At the start of each month from
 * March to November 2011 an engine that has seen only the purchases before forecasts, for each
 * item whose ticket price moved, the demand of the next four weeks from the four weeks before
 * and the price change, beside the naive forecast of no change (src/eval/price-backtest.ts).
 */
import { createEngine } from '../../engine/index.js';
import { backtestPrices, ENGINE_ELASTICITY_MODELS } from '../eval/price-backtest.js';
import type { Section } from '../report/document.js';
import { fixed, int, percent, table } from '../report/markdown.js';
import type { RetailData } from './analyze-retail.js';

const CUTS = [2, 3, 4, 5, 6, 7, 8, 9, 10].map((m) => Date.UTC(2011, m, 1));

export async function priceBacktestSection(data: RetailData): Promise<Section> {
  const engine = await createEngine();
  let result;
  try {
    const events = [...data.events].sort((a, b) => a.ts - b.ts);
    result = backtestPrices(engine, events, ENGINE_ELASTICITY_MODELS, { cuts: CUTS });
  } finally {
    engine.close();
  }
  const { cases, summaries } = result;
  const rows = summaries.map((s) => [
    s.model,
    int(s.cases),
    s.cases === 0 ? '–' : fixed(s.medianError, 3),
    s.cases === 0 ? '–' : fixed(s.naiveMedianError, 3),
    s.cases === 0 ? '–' : fixed(s.meanError, 3),
    s.cases === 0 ? '–' : fixed(s.naiveMeanError, 3),
    s.cases === 0 ? '–' : percent(s.beatsNaive),
  ]);
  const best = summaries
    .filter((s) => s.cases > 0)
    .sort((a, b) => a.medianError / a.naiveMedianError - b.medianError / b.naiveMedianError)[0];
  return {
    title: 'Price backtest',
    headline:
      best === undefined
        ? `No item's price moved across the cut dates with enough sales to test the estimates.`
        : `Forecasting demand after ${int(cases.length)} price moves, elasticity by ${best.model} ` +
          `errs by a median ${fixed(best.medianError, 2)} (log ratio) against ${fixed(best.naiveMedianError, 2)} for "no change".`,
    blocks: [
      `At the start of each month from March to November 2011, an engine that had seen only the ` +
        `purchases before it estimated every item's elasticity. For each item whose median ticket ` +
        `price over the 28 days after the cut differed by 5% or more from the 28 days before (with ` +
        `5 purchase lines or more on each side), demand after was forecast as demand before × ` +
        `(price after / price before)^elasticity, and compared with the units a day that sold; ` +
        `the naive forecast is that demand does not change. Error: |log(forecast / actual)|, ` +
        `over the cases each model could forecast (an item without an estimate has none), with ` +
        `the naive error over the same cases. ${int(cases.length)} price moves in all.`,
      table(
        [
          'elasticity',
          'cases',
          'median error',
          'naive median',
          'mean error',
          'naive mean',
          'beats naive',
        ],
        rows,
        ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
      ),
      `Demand four weeks apart moves for many reasons besides price (seasons, a wholesaler's ` +
        `irregular big orders), so both forecasts err widely; what the table shows is whether ` +
        `the price effect the engine estimated helps or hurts against ignoring it.`,
    ],
    charts: [],
    data: { cuts: CUTS, cases: cases.length, summaries },
  };
}
