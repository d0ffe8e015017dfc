/**
 * `aisle tune sessions`: chooses the session model's parameters on a validation split carved from
 * a folder's training sessions (src/tune/sessions.ts), within a time budget, and writes them to a
 * file `aisle serve --params` reads. The search goes to stderr (a bar on a terminal), the result
 * to stdout.
 */
import { basename, resolve } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { ConfigError, parseDuration } from '../config.js';
import { readTrainSessions } from '../eval/session-data.js';
import { retailSessions } from '../eval/retail-sessions.js';
import { onlineRetailFile, readOnlineRetail } from '../datasets/online-retail.js';
import type { PurchaseEvent } from '../../engine/events.js';
import { basketParamsFile, sessionParamsFile, writeParamsFile } from '../tune/params-file.js';
import { tuneBaskets, type BasketTuneReport } from '../tune/baskets.js';
import type { SearchStep } from '../tune/search.js';
import { tuneSessions, type SessionTuneReport } from '../tune/sessions.js';
import type { SessionKnnParams } from '../../engine/models/session-knn.js';

interface TuneFlags {
  data: string;
  budget: string;
  sample: string;
  out?: string;
  json?: boolean;
}

/** Reports the search on stderr: a bar over the budget on a terminal, a line per step otherwise. */
function searchReporter(budgetS: number): {
  step: (s: SearchStep<SessionKnnParams>, elapsedS: number) => void;
  stop: () => void;
} {
  const line = (s: SearchStep<SessionKnnParams>, elapsedS: number): string => {
    const what = s.moved === undefined ? 'defaults' : `${s.moved} = ${s.params[s.moved]}`;
    const m = s.score.metrics;
    return `${elapsedS.toFixed(0).padStart(4)} s  ${what.padEnd(32)} hit@20 ${m['hit@20']!.toFixed(2)}  mrr@20 ${m['mrr@20']!.toFixed(2)}  objective ${s.score.objective.toFixed(2)}`;
  };
  if (!process.stderr.isTTY) {
    return { step: (s, e) => process.stderr.write(`${line(s, e)}\n`), stop: () => undefined };
  }
  const bar = new SingleBar(
    { stream: process.stderr, format: 'tuning {bar} {value}/{total} s | {last}' },
    Presets.shades_classic,
  );
  bar.start(Math.round(budgetS), 0, { last: '' });
  return {
    step: (s, e) => {
      bar.update(Math.min(Math.round(e), Math.round(budgetS)), { last: line(s, e).trim() });
    },
    stop: () => bar.stop(),
  };
}

function printReport(r: SessionTuneReport, out: string): void {
  const say = (text: string): void => console.log(text);
  const v = r.validation;
  say(
    `session model tuned on ${v.trainSessions} sessions, ${v.cases} validation cases ` +
      `(search on ${v.sampleCases}), ${r.search.evaluations} evaluations in ${r.tune_s} s ` +
      `(budget ${r.budget_s} s, ${r.search.stoppedBy})`,
  );
  say(`  objective: ${r.objective}`);
  const row = (name: string, f: typeof v.defaults): void =>
    say(
      `  ${name.padEnd(9)} hit@20 ${f['hit@20'].toFixed(2)}  mrr@20 ${f['mrr@20'].toFixed(2)}  objective ${f.objective.toFixed(2)}`,
    );
  row('defaults', v.defaults);
  row('chosen', v.chosen);
  row('gain', v.gain);
  const changed = Object.entries(r.changed);
  say(
    changed.length === 0
      ? '  the defaults stay: no change beat them on every validation case'
      : `  changed: ${changed.map(([k, x]) => `${k} ${String(x)}`).join(', ')}`,
  );
  say(`  written to ${out} (aisle serve --params ${out})`);
}

function sessionsCommand(): Command {
  return new Command('sessions')
    .description(
      'choose the session model parameters on a validation split of session data (the two-file format of docs/evaluation.md; the test file is never read)',
    )
    .requiredOption('--data <dir>', 'folder with train-sessions.tsv.gz')
    .option('--budget <duration>', 'time the tuning may take, e.g. 120s or 5m', '120s')
    .option('--sample <n>', 'validation cases the search runs on', '20000')
    .option('--out <file>', 'parameters file to write (default: sessions-params.json)')
    .option('--json', 'print the report as one JSON object')
    .option(
      '--invoices',
      '--data is the Online Retail file (or its folder): tune on its invoices as sessions (training part only)',
    )
    .action(async (flags: TuneFlags & { invoices?: boolean }) => {
      const budgetS = parseDuration('--budget', flags.budget) / 1000;
      const sample = Number(flags.sample);
      if (!Number.isInteger(sample) || sample < 100)
        throw new ConfigError(`--sample must be a whole number ≥ 100, got "${flags.sample}"`);
      const train =
        flags.invoices === true
          ? (await retailSessions(flags.data)).train
          : readTrainSessions(flags.data);
      const reporter = searchReporter(budgetS);
      const report = tuneSessions({
        train,
        budgetS,
        sampleCases: sample,
        onStep: (s, e) => reporter.step(s, e),
      });
      reporter.stop();
      const out = flags.out ?? 'sessions-params.json';
      writeParamsFile(out, sessionParamsFile(report, basename(resolve(flags.data))));
      if (flags.json === true) console.log(JSON.stringify(report));
      else printReport(report, out);
    });
}

function basketsCommand(): Command {
  return new Command('baskets')
    .description(
      'choose the user-recommendation blend and factor model on the validation split of a purchase history (Online Retail CSV; the test period is never read)',
    )
    .requiredOption('--data <path>', 'online-retail.csv.gz or the folder holding it')
    .option('--budget <duration>', 'time the tuning may take, e.g. 120s or 5m', '120s')
    .option('--out <file>', 'parameters file to write (default: baskets-params.json)')
    .option('--json', 'print the report as one JSON object')
    .action(async (flags: Omit<TuneFlags, 'sample'>) => {
      const budgetS = parseDuration('--budget', flags.budget) / 1000;
      const events: PurchaseEvent[] = [];
      for await (const batch of readOnlineRetail(onlineRetailFile(flags.data), 50_000)) {
        for (const e of batch) events.push(e);
      }
      const report = await tuneBaskets({
        events,
        budgetS,
        onStep: (s, e) =>
          process.stderr.write(
            `${e.toFixed(0).padStart(4)} s  recall@20 ${s.score.metrics['recall@20']!.toFixed(2)}  ndcg@20 ${s.score.metrics['ndcg@20']!.toFixed(2)}  objective ${s.score.objective.toFixed(2)}  ${JSON.stringify(s.params)}\n`,
          ),
      });
      const out = flags.out ?? 'baskets-params.json';
      writeParamsFile(out, basketParamsFile(report, basename(resolve(flags.data))));
      if (flags.json === true) console.log(JSON.stringify(report));
      else printBaskets(report, out);
    });
}

function printBaskets(r: BasketTuneReport, out: string): void {
  const v = r.validation;
  console.log(
    `blend tuned on ${v.customers} validation customers (orders from ${v.boundary}), ${r.search.evaluations} evaluations in ${r.tune_s} s (budget ${r.budget_s} s, ${r.search.stoppedBy})`,
  );
  console.log(`  objective: ${r.objective}`);
  for (const [name, f] of [
    ['defaults', v.defaults],
    ['chosen', v.chosen],
    ['gain', v.gain],
  ] as const) {
    console.log(
      `  ${name.padEnd(9)} recall@20 ${f['recall@20'].toFixed(2)}  ndcg@20 ${f['ndcg@20'].toFixed(2)}  objective ${f.objective.toFixed(2)}`,
    );
  }
  const changed = Object.entries(r.changed);
  console.log(
    changed.length === 0
      ? '  the defaults stay'
      : `  changed: ${changed.map(([k, x]) => `${k} ${String(x)}`).join(', ')}`,
  );
  console.log(`  written to ${out} (aisle serve --params ${out})`);
}

/** `aisle tune …`: parameters chosen on the shop's own history. */
export function tuneCommand(): Command {
  return new Command('tune')
    .description('choose model parameters on a validation split of your own history')
    .addCommand(sessionsCommand())
    .addCommand(basketsCommand());
}
