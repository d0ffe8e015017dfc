/**
 * An SVG bar chart of benchmark results: one group per suite, one bar per case, bar length the
 * speed relative to the suite's first case (the baseline), so ratios read at a glance.
 */
import type { CaseResult } from './harness.js';

const BAR = 16;
const GAP = 4;
const LABEL = 260;
const WIDTH = 760;

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Work per second: items (rows, events) when the case says how many per call, else calls. */
export function rateOf(r: CaseResult): number {
  return r.itemsPerOp === undefined ? r.hz : r.hz * r.itemsPerOp;
}

export function chartSvg(results: readonly CaseResult[], title: string): string {
  const suites = new Map<string, CaseResult[]>();
  // Latency suites have no rate to compare; their numbers live in the table and the JSON. A
  // skipped case (a peer that is not installed) has no rate either, and a zero would poison the
  // ratios of its suite.
  for (const r of results) {
    if (r.extra?.p50Ms !== undefined || r.extra?.skipped !== undefined || !(rateOf(r) > 0)) {
      continue;
    }
    suites.set(r.suite, [...(suites.get(r.suite) ?? []), r]);
  }
  const maxRatio = Math.max(
    1,
    ...[...suites.values()].flatMap((cases) => cases.map((c) => rateOf(c) / rateOf(cases[0]!))),
  );
  const scale = (WIDTH - LABEL - 90) / maxRatio;
  const rows: string[] = [];
  let y = 40;
  for (const [suite, cases] of suites) {
    rows.push(`<text x="8" y="${y + 12}" font-weight="bold">${escape(suite)}</text>`);
    y += BAR + GAP;
    for (const c of cases) {
      const ratio = rateOf(c) / rateOf(cases[0]!);
      const w = Math.max(1, ratio * scale);
      rows.push(
        `<text x="${LABEL - 6}" y="${y + 12}" text-anchor="end">${escape(c.name)}</text>`,
        `<rect x="${LABEL}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${
          c === cases[0] ? '#9aa5b1' : '#2f6fde'
        }"/>`,
        `<text x="${(LABEL + w + 6).toFixed(1)}" y="${y + 12}">${ratio.toFixed(2)}×</text>`,
      );
      y += BAR + GAP;
    }
    y += 8;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y + 10}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
    ...rows,
    '</svg>',
  ].join('\n');
}
