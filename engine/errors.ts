/**
 * One error class for everything the engine throws, with a stable `code` a caller can switch on.
 * The brand lets `isAisleError` work across duplicated copies of the package (undici's trick).
 */
const BRAND = Symbol.for('aisle.error');

export type AisleErrorCode =
  | 'AISLE_INVALID_EVENT'
  | 'AISLE_INVALID_ARGUMENT'
  | 'AISLE_NOT_FOUND'
  | 'AISLE_WASM_STATUS'
  | 'AISLE_WASM_LOAD'
  | 'AISLE_OUT_OF_MEMORY'
  | 'AISLE_SNAPSHOT'
  | 'AISLE_CLOSED'
  /** A part of the engine failed while applying a batch; it refuses writes until restored. */
  | 'AISLE_FAILED';

export class AisleError extends Error {
  readonly code: AisleErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly [BRAND] = true;

  constructor(code: AisleErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AisleError';
    this.code = code;
    this.details = details;
  }
}

export function isAisleError(err: unknown): err is AisleError {
  return (
    typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true
  );
}
