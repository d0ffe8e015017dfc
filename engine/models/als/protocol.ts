/**
 * Messages between `AlsTrainer` and its worker thread. Typed arrays travel by structured clone
 * or transfer; errors travel as plain data and become AisleErrors again on the other side.
 */
import { AisleError, isAisleError, type AisleErrorCode } from '../../errors.js';
import type { Csr } from '../csr.js';
import type { AlsOptions } from './options.js';
import type { AlsFactors } from './train.js';

export interface TrainRequest {
  id: number;
  userItems: Csr;
  options: Partial<AlsOptions>;
  simd: boolean | undefined;
}

export interface WireError {
  name: string;
  message: string;
  code?: AisleErrorCode;
  details?: Record<string, unknown>;
}

export type TrainReply =
  | { id: number; type: 'progress'; iteration: number; seconds: number }
  | { id: number; type: 'done'; factors: AlsFactors }
  | { id: number; type: 'error'; error: WireError };

export function toWire(err: unknown): WireError {
  if (isAisleError(err)) {
    const out: WireError = { name: err.name, message: err.message, code: err.code };
    if (err.details !== undefined) out.details = err.details;
    return out;
  }
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

export function fromWire(e: WireError): Error {
  if (e.code !== undefined) return new AisleError(e.code, e.message, e.details);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
