/**
 * `aisle analyze`: replays UCI Online Retail (cancelled purchases netted out) through a fresh
 * engine in time order and writes a markdown report with SVG charts of what the engine makes of
 * it (trending, revenue, customer segments and baskets, anomalies, price elasticity, velocity),
 * plus the funnel of the Taobao sample when it is at hand.
 */
import { Command, InvalidArgumentError } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../engine/index.js';
import { onlineRetailFile } from '../datasets/online-retail.js';
import { renderMarkdown, writeReport, type Section } from '../report/document.js';
import { date, fixed } from '../report/markdown.js';
import { anomaliesSection } from './analyze-anomalies.js';
import { customersSection } from './analyze-customers.js';
import { priceSection } from './analyze-price.js';
import { pricingSection } from './analyze-pricing.js';
import { priceBacktestSection } from './analyze-price-backtest.js';
import { readRetail } from './analyze-retail.js';
import { replay } from './analyze-replay.js';
import { revenueSection, weekRevenue, type WeekRevenue } from './analyze-revenue.js';
import { stockSection } from './analyze-stock.js';
import { summarySection } from './analyze-summary.js';
import { taobaoOmitted, taobaoSection } from './analyze-taobao.js';
import { weekStart } from './analyze-time.js';
import { trendingSection, WEEKLY_POPULARITY, type WeekTrend } from './analyze-trending.js';
import { progress } from './progress.js';

export interface AnalyzeOptions {
  /** The Online Retail folder or file, as the user gave it (the report quotes it). */
  data: string;
  out: string;
  /** The Taobao sample folder; default a `taobao-sample` folder beside the data folder. */
  taobao?: string;
  /** Read only the first rows of each file. */
  limit?: number;
  /** Also write report.json. */
  json?: boolean;
  /** Progress bars on stderr. */
  progress?: boolean;
  log?: (line: string) => void;
}

export interface AnalyzeResult {
  /** Files written, report.md first. */
  files: string[];
  sections: Section[];
  seconds: number;
}

/** The package's version, from the package.json above this module (source or dist). */
function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'aisle') return pkg.version ?? 'unknown';
    }
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

/** Where the Taobao sample is, or why there is none. */
function taobaoDir(opts: AnalyzeOptions): { dir: string } | { omitted: string } {
  if (opts.taobao !== undefined) {
    if (!fs.existsSync(opts.taobao))
      throw new Error(`--taobao ${opts.taobao}: no such file or folder`);
    return { dir: opts.taobao };
  }
  const dataDir = fs.statSync(opts.data).isFile() ? path.dirname(opts.data) : opts.data;
  const sibling = path.join(dataDir, '..', 'taobao-sample');
  if (fs.existsSync(sibling)) return { dir: sibling };
  return {
    omitted: `no \`--taobao\` folder was given and there is no \`${sibling}\` beside the data folder`,
  };
}

function commandLine(opts: AnalyzeOptions): string {
  const parts = ['node dist/src/cli/main.js analyze', `--data ${opts.data}`, `--out ${opts.out}`];
  if (opts.taobao !== undefined) parts.push(`--taobao ${opts.taobao}`);
  if (opts.limit !== undefined) parts.push(`--limit ${opts.limit}`);
  if (opts.json === true) parts.push('--json');
  return parts.join(' ');
}

export async function analyze(opts: AnalyzeOptions): Promise<AnalyzeResult> {
  const log = opts.log ?? (() => undefined);
  const bar = (label: string) =>
    opts.progress === true ? progress(label) : { update: () => undefined, stop: () => undefined };
  const started = performance.now();
  let lapStart = started;
  /** Seconds since the previous lap. */
  const lap = () => {
    const now = performance.now();
    const s = (now - lapStart) / 1000;
    lapStart = now;
    return s;
  };
  const file = onlineRetailFile(opts.data);
  const taobao = taobaoDir(opts);

  const data = await readRetail(file, opts.limit);
  const readSeconds = lap();
  log(
    `read ${data.counts.rows} rows, ${data.counts.events} purchase events in ` +
      `${fixed(readSeconds, 1)} s; ${data.netted.length} netted out by cancellations`,
  );
  const engine = await createEngine({ popularity: WEEKLY_POPULARITY });
  const weeks: WeekTrend[] = [];
  const revenue: WeekRevenue[] = [];
  const replayBar = bar('replay');
  const replayed = replay(engine, data.events, {
    period: weekStart,
    onPeriodEnd: (week, e) => {
      weeks.push({
        week,
        asOf: e.stats().streamTime ?? week,
        report: e.analytics.trending({ k: 5 }),
      });
      revenue.push(weekRevenue(e, week));
    },
    onProgress: replayBar.update,
  });
  replayBar.stop();
  const replaySeconds = lap();
  log(`replayed in ${fixed(replaySeconds, 1)} s`);
  const sections: Section[] = [];
  let simd = false;
  try {
    simd = engine.stats().simd;
    const customers = {
      segments: engine.analytics.segments({ fresh: true }),
      baskets: engine.analytics.basketStats(),
    };
    sections.push(
      summarySection(data, engine, opts.limit),
      trendingSection(data, engine, weeks),
      revenueSection(data, revenue),
      customersSection(data, customers),
      anomaliesSection(data, replayed.alerts, replayed.openEpisodes.length),
      priceSection(data, engine),
      pricingSection(data, engine),
      // Last: it sets a hypothetical stock level in the engine.
      stockSection(data, engine),
    );
  } finally {
    engine.close();
  }
  // Its own engine, fed cut by cut; placed beside the other price sections.
  const pricing = sections.findIndex((x) => x.title === 'Price recommendation');
  sections.splice(pricing + 1, 0, await priceBacktestSection(data));
  const sectionSeconds = lap();
  if ('dir' in taobao) {
    const taobaoBar = bar('taobao');
    sections.push(
      await taobaoSection(taobao.dir, {
        ...(opts.limit !== undefined && { limit: opts.limit }),
        onProgress: taobaoBar.update,
      }),
    );
    taobaoBar.stop();
  } else sections.push(taobaoOmitted(taobao.omitted));
  const taobaoSeconds = lap();
  const seconds = (performance.now() - started) / 1000;

  const intro = [
    `What the aisle engine makes of a real retail stream: the UCI Online Retail file (a UK gift ` +
      `wholesaler's invoices, here ${date(data.events[0]?.ts ?? 0)} to ` +
      `${date(data.events[data.events.length - 1]?.ts ?? 0)}), purchases undone by a later ` +
      `cancellation netted out, replayed in time order through one fresh engine with default ` +
      `options except week-scale trending half-lives (stated where they apply), its answers read ` +
      `during and after the replay. Numbers the engine does not provide (the invoices behind a ` +
      `trend or an alert) are computed from the same events, and said so where they appear. All ` +
      `times are UTC.`,
  ];
  const footer = [
    `Reproduce (after \`npm run build\`): \`${commandLine(opts)}\``,
    `aisle ${packageVersion()}, ${simd ? 'SIMD' : 'scalar'} WebAssembly kernels, Node ${process.versions.node}. ` +
      `Took ${fixed(seconds, 1)} s: reading ${fixed(readSeconds, 1)} s, replay ${fixed(replaySeconds, 1)} s, ` +
      `analysis ${fixed(sectionSeconds, 1)} s, Taobao ${fixed(taobaoSeconds, 1)} s.`,
  ];
  const markdown = renderMarkdown(
    'Online Retail through aisle: a report on real data',
    intro,
    sections,
    footer,
  );

  const json =
    opts.json === true
      ? {
          command: commandLine(opts),
          version: packageVersion(),
          simd,
          seconds: {
            total: seconds,
            read: readSeconds,
            replay: replaySeconds,
            analysis: sectionSeconds,
            taobao: taobaoSeconds,
          },
          sections: Object.fromEntries(sections.map((s) => [s.title, s.data])),
        }
      : undefined;
  const files = writeReport(opts.out, markdown, sections, json);
  return { files, sections, seconds };
}

function rowCount(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a whole number of rows, at least 1');
  return n;
}

export function analyzeCommand(): Command {
  return new Command('analyze')
    .description(
      'replay UCI Online Retail through a fresh engine and write a report with SVG charts',
    )
    .requiredOption('--data <path>', 'online-retail.csv.gz or the folder holding it')
    .requiredOption('--out <dir>', 'folder for report.md and the charts (created if missing)')
    .option(
      '--taobao <dir>',
      'Taobao UserBehavior sample folder (default: taobao-sample beside --data)',
    )
    .option('--limit <rows>', 'read only the first N rows of each file', rowCount)
    .option('--json', 'also write report.json with the numbers')
    .option('--no-progress', 'no progress bars')
    .action(
      async (flags: {
        data: string;
        out: string;
        taobao?: string;
        limit?: number;
        json?: boolean;
        progress: boolean;
      }) => {
        const result = await analyze({
          data: flags.data,
          out: flags.out,
          ...(flags.taobao !== undefined && { taobao: flags.taobao }),
          ...(flags.limit !== undefined && { limit: flags.limit }),
          ...(flags.json === true && { json: true }),
          progress: flags.progress && process.stderr.isTTY === true,
          log: (line) => process.stderr.write(`${line}\n`),
        });
        console.log(
          `wrote ${result.files[0]} and ${result.files.length - 1} more files in ${fixed(result.seconds, 1)} s`,
        );
      },
    );
}
