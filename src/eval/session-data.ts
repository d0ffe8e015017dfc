/**
 * The Diginetica SR-GNN split as gzip'd TSV (see the data folder's README): training sessions,
 * test cases, the validation carve-out and the reconstruction of test sessions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Prefix → next-item cases, in file order. */
export interface SessionCases {
  prefixes: number[][];
  targets: number[];
}

/** Training and evaluation data for one split. */
export interface SessionSplit {
  train: number[][];
  cases: SessionCases;
}

const TRAIN_FILE = 'train-sessions.tsv.gz';
const TEST_FILE = 'test.tsv.gz';

function lines(file: string): string[] {
  const text = gunzipSync(readFileSync(file)).toString('utf8');
  const out = text.split('\n');
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

const ids = (field: string): number[] => field.split(' ').map(Number);

/** Training sessions, one item-id array per session, in file (≈ time) order. */
export function readTrainSessions(dataDir: string): number[][] {
  return lines(join(dataDir, TRAIN_FILE)).map(ids);
}

/** Test cases, in file order (a session's cases consecutive, longest prefix first). */
export function readTestCases(dataDir: string): SessionCases {
  const prefixes: number[][] = [];
  const targets: number[] = [];
  for (const line of lines(join(dataDir, TEST_FILE))) {
    const tab = line.indexOf('\t');
    prefixes.push(ids(line.slice(0, tab)));
    targets.push(Number(line.slice(tab + 1)));
  }
  return { prefixes, targets };
}

/**
 * Cases from whole sessions the way SR-GNN's preprocess.py builds test.txt: for each session,
 * prefix without the last i clicks → the i-th click from the end, i = 1 .. length-1.
 */
export function casesFromSessions(sessions: number[][]): SessionCases {
  const prefixes: number[][] = [];
  const targets: number[] = [];
  for (const s of sessions) {
    for (let i = 1; i < s.length; i++) {
      prefixes.push(s.slice(0, s.length - i));
      targets.push(s[s.length - i]!);
    }
  }
  return { prefixes, targets };
}

/**
 * Validation: the last `share` of training sessions in file order become cases, the rest is the
 * training set. Mirrors the test split (later sessions predicted from earlier ones) without
 * touching test labels.
 */
export function validationSplit(train: number[][], share = 0.1): SessionSplit {
  const cut = Math.floor(train.length * (1 - share));
  const head = train.slice(0, cut);
  // SR-GNN's preprocess.py drops test clicks on items unseen in training, then sessions left
  // shorter than 2; do the same so validation is built like test.
  const known = new Set<number>();
  for (const s of head) for (const item of s) known.add(item);
  const held: number[][] = [];
  for (const s of train.slice(cut)) {
    const kept = s.filter((item) => known.has(item));
    if (kept.length >= 2) held.push(kept);
  }
  return { train: head, cases: casesFromSessions(held) };
}

/**
 * Groups consecutive cases into their sessions: a case continues the previous one when its
 * prefix is the previous prefix minus its last click. Returns, per session, the index of its
 * last case and the whole session (first prefix + first target).
 */
export function sessionsOfCases(cases: SessionCases): { lastCase: number[]; sessions: number[][] } {
  const lastCase: number[] = [];
  const sessions: number[][] = [];
  const { prefixes, targets } = cases;
  for (let c = 0; c < prefixes.length; c++) {
    const starts = c === 0 || !continues(prefixes[c - 1]!, prefixes[c]!);
    if (starts) {
      if (c > 0) lastCase.push(c - 1);
      sessions.push([...prefixes[c]!, targets[c]!]);
    }
  }
  if (prefixes.length > 0) lastCase.push(prefixes.length - 1);
  return { lastCase, sessions };
}

function continues(prev: number[], next: number[]): boolean {
  if (next.length !== prev.length - 1) return false;
  for (let i = 0; i < next.length; i++) if (next[i] !== prev[i]) return false;
  return true;
}
