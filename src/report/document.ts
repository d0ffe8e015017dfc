import fs from 'node:fs';
import path from 'node:path';

/**
 * A generated report as data: sections of markdown blocks, the SVG charts they show and the
 * numbers behind them, rendered to one markdown file (charts as files beside it) and, on request,
 * one JSON file.
 */

export interface Chart {
  /** File name beside the report, e.g. `revenue-weekly.svg`. */
  file: string;
  svg: string;
}

export interface Section {
  title: string;
  /** Markdown blocks (paragraphs, tables, lists, images), separated by blank lines. */
  blocks: string[];
  charts: Chart[];
  /** The section's numbers, for the JSON report. */
  data: unknown;
  /** One sentence for the report's summary at the top, when the section has a finding. */
  headline?: string;
}

/** The markdown image of a chart, with its alt text. */
export function image(chart: Chart, alt: string): string {
  return `![${alt.replace(/[[\]]/g, '')}](${chart.file})`;
}

/**
 * The whole markdown document: title, intro blocks, the sections' headlines as a list, one `##`
 * heading per section, footer.
 */
export function renderMarkdown(
  title: string,
  intro: readonly string[],
  sections: readonly Section[],
  footer: readonly string[],
): string {
  const headlines = sections.filter((s) => s.headline !== undefined).map((s) => `- ${s.headline}`);
  const blocks = [`# ${title}`, ...intro];
  if (headlines.length > 0) blocks.push(headlines.join('\n'));
  for (const s of sections) blocks.push(`## ${s.title}`, ...s.blocks);
  blocks.push('---', ...footer);
  return `${blocks.map((b) => b.trim()).join('\n\n')}\n`;
}

/**
 * Writes `report.md` and the sections' charts into `out` (created if missing) and, when `json` is
 * given, `report.json`. Returns the files written, report.md first.
 */
export function writeReport(
  out: string,
  markdown: string,
  sections: readonly Section[],
  json?: unknown,
): string[] {
  fs.mkdirSync(out, { recursive: true });
  const files = [path.join(out, 'report.md')];
  fs.writeFileSync(files[0]!, markdown);
  for (const s of sections) {
    for (const c of s.charts) {
      const file = path.join(out, c.file);
      fs.writeFileSync(file, c.svg);
      files.push(file);
    }
  }
  if (json !== undefined) {
    const file = path.join(out, 'report.json');
    fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
    files.push(file);
  }
  return files;
}
