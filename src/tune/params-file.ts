/**
 * The parameters file `aisle tune` writes and `aisle serve --params` reads: the chosen model
 * parameters with what they were chosen on, so a server can say where its parameters come from.
 *
 *   { "format": "aisle-params", "version": 1,
 *     "sessions": { "transitionWeight": 0.1, ... },
 *     "tuned": { "sessions": { "chosenAt": "...", "on": "...", "validation": { ... } } } }
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import {
  DEFAULT_SESSION_KNN_PARAMS,
  type SessionKnnParams,
} from '../../engine/models/session-knn.js';
import { ConfigError } from '../config.js';
import type { SessionTuneReport } from './sessions.js';
import {
  basketEngineOptions,
  DEFAULT_BASKET_PARAMS,
  type BasketParams,
  type BasketTuneReport,
} from './baskets.js';

export const PARAMS_FORMAT = 'aisle-params';
const VERSION = 1;

/** Where a part's parameters came from. */
export interface TunedNote {
  chosenAt: string;
  /** What they were chosen on (a data folder, or a server's stream). */
  on: string;
  validation: SessionTuneReport['validation'] | BasketTuneReport['validation'];
}

export interface ParamsFile {
  format: typeof PARAMS_FORMAT;
  version: number;
  sessions?: Partial<SessionKnnParams>;
  /** The user-recommendation blend and factor model (src/tune/baskets.ts). */
  baskets?: Partial<BasketParams>;
  tuned?: { sessions?: TunedNote; baskets?: TunedNote };
}

/** The file's contents for a session tuning on `on`. */
export function sessionParamsFile(report: SessionTuneReport, on: string): ParamsFile {
  return {
    format: PARAMS_FORMAT,
    version: VERSION,
    sessions: report.params,
    tuned: { sessions: { chosenAt: report.chosenAt, on, validation: report.validation } },
  };
}

/** The file's contents for a basket tuning on `on`. */
export function basketParamsFile(report: BasketTuneReport, on: string): ParamsFile {
  return {
    format: PARAMS_FORMAT,
    version: VERSION,
    baskets: report.params,
    tuned: { baskets: { chosenAt: report.chosenAt, on, validation: report.validation } },
  };
}

/** The engine options a file's basket parameters stand for (none when it has none). */
export function basketOptions(
  file: ParamsFile,
): ReturnType<typeof basketEngineOptions> | undefined {
  if (file.baskets === undefined) return undefined;
  return basketEngineOptions({ ...DEFAULT_BASKET_PARAMS, ...file.baskets });
}

/** Writes the file whole or not at all (a temporary file renamed over it). */
export function writeParamsFile(path: string, file: ParamsFile): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(tmp, path);
}

/**
 * Reads and checks a parameters file. Throws ConfigError naming the file and the field: an
 * unknown parameter, a value of the wrong type or out of range, another format.
 */
export function readParamsFile(path: string): ParamsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`--params ${path}: ${(err as Error).message}`);
  }
  const bad = (field: string, why: string): never => {
    throw new ConfigError(`--params ${path}: ${field} ${why}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    bad('file', 'is not an object');
  const o = raw as Record<string, unknown>;
  if (o.format !== PARAMS_FORMAT) bad('format', `must be "${PARAMS_FORMAT}"`);
  if (o.version !== VERSION) bad('version', `must be ${VERSION}`);
  const out: ParamsFile = { format: PARAMS_FORMAT, version: VERSION };
  if (o.sessions !== undefined) out.sessions = checkSessionParams(o.sessions, bad);
  if (o.baskets !== undefined) out.baskets = checkBasketParams(o.baskets, bad);
  if (o.tuned !== undefined) {
    if (typeof o.tuned !== 'object' || o.tuned === null) bad('tuned', 'is not an object');
    out.tuned = o.tuned as ParamsFile['tuned'];
  }
  return out;
}

function checkSessionParams(
  value: unknown,
  bad: (field: string, why: string) => never,
): Partial<SessionKnnParams> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    bad('sessions', 'is not an object');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!(k in DEFAULT_SESSION_KNN_PARAMS)) bad(`sessions.${k}`, 'is not a session parameter');
    const expected = typeof DEFAULT_SESSION_KNN_PARAMS[k as keyof SessionKnnParams];
    if (typeof v !== expected) bad(`sessions.${k}`, `must be a ${expected}`);
    if (typeof v === 'number' && !(Number.isFinite(v) && v >= 0))
      bad(`sessions.${k}`, 'must be a finite number ≥ 0');
    out[k] = v;
  }
  return out as Partial<SessionKnnParams>;
}

function checkBasketParams(
  value: unknown,
  bad: (field: string, why: string) => never,
): Partial<BasketParams> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    bad('baskets', 'is not an object');
  const out: Partial<BasketParams> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!(k in DEFAULT_BASKET_PARAMS)) bad(`baskets.${k}`, 'is not a basket parameter');
    if (typeof v !== 'number' || !(Number.isFinite(v) && v >= 0))
      bad(`baskets.${k}`, 'must be a finite number ≥ 0');
    if (k === 'newShare' && (v as number) > 1) bad('baskets.newShare', 'must be from 0 to 1');
    if (k === 'factors' && !Number.isInteger(v)) bad('baskets.factors', 'must be a whole number');
    out[k as keyof BasketParams] = v as number;
  }
  return out;
}
