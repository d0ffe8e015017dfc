/**
 * Hyper-parameters of implicit-feedback ALS and their validation.
 */
import { AisleError } from '../../errors.js';

export interface AlsOptions {
  /** Latent dimensions per user and item. */
  factors: number;
  /** λ added to the diagonal of every normal-equation matrix. */
  regularization: number;
  /** Confidence of a stored entry is 1 + alpha · value. */
  alpha: number;
  /** Alternations (users, then items). */
  iterations: number;
  /** Conjugate-gradient steps per row and half-iteration. */
  cgSteps: number;
  /** Seed of the factor initialisation; same seed and data, same factors. */
  seed: number;
}

/**
 * 64 factors serve a retail catalogue well at a few kilobytes of vector per thousand items.
 * alpha 1 because the values are already weighted events (a purchase counts 4 views), so they
 * carry the confidence; `implicit` settles on λ of the order of 0.01–0.1 without scaling by the
 * row's count, and 15 iterations of 3 warm-started CG steps is its default schedule.
 */
export const DEFAULT_ALS: Readonly<AlsOptions> = Object.freeze({
  factors: 64,
  regularization: 0.05,
  alpha: 1,
  iterations: 15,
  cgSteps: 3,
  seed: 42,
});

const MAX_FACTORS = 1024;

/**
 * Defaults overlaid with `options`, checked. Throws AisleError('AISLE_INVALID_ARGUMENT') naming
 * the first bad field in `details.field`.
 */
export function resolveAlsOptions(options: Partial<AlsOptions> = {}): AlsOptions {
  for (const field of Object.keys(options)) {
    if (!(field in DEFAULT_ALS)) throw bad(field, `unknown option ${field}`);
  }
  const o: AlsOptions = { ...DEFAULT_ALS, ...definedOnly(options) };
  integer(o, 'factors', 1, MAX_FACTORS);
  nonNegative(o, 'regularization');
  nonNegative(o, 'alpha');
  integer(o, 'iterations', 0, 10_000);
  integer(o, 'cgSteps', 1, 10_000);
  integer(o, 'seed', 0, 0xffffffff);
  return o;
}

function definedOnly(options: Partial<AlsOptions>): Partial<AlsOptions> {
  const out: Partial<AlsOptions> = {};
  for (const [k, v] of Object.entries(options)) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

function integer(o: AlsOptions, field: keyof AlsOptions, min: number, max: number): void {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw bad(field, `${field} must be an integer in ${min}..${max}, not ${String(v)}`);
  }
}

function nonNegative(o: AlsOptions, field: keyof AlsOptions): void {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw bad(field, `${field} must be a finite number ≥ 0, not ${String(v)}`);
  }
}

function bad(field: string, message: string): AisleError {
  return new AisleError('AISLE_INVALID_ARGUMENT', `ALS options: ${message}`, { field });
}
