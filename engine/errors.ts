/**
 * The errors aisle throws. Every one is a `CodedError`: a stable `code` a caller can switch on,
 * optional structured `details`, and a message for people. The engine's own are `AisleError`
 * (codes `AISLE_*`); the hosts' subsystems extend the same base with codes of their own
 * (the Pulsar transport's `PULSAR_*`, the broker tooling's, the configuration's `AISLE_CONFIG`).
 * The brands let the `is…Error` checks work across duplicated copies of the package (undici's
 * trick), where `instanceof` would not.
 */
const CODED_BRAND = Symbol.for('aisle.coded-error');
const BRAND = Symbol.for('aisle.error');

export type AisleErrorCode =
  /** `ingestEvents` was handed an event that is not valid (details: index, field, reason). */
  | 'AISLE_INVALID_EVENT'
  /** A bad argument or option; the message and `details.field` name it. */
  | 'AISLE_INVALID_ARGUMENT'
  | 'AISLE_WASM_STATUS'
  | 'AISLE_WASM_LOAD'
  | 'AISLE_OUT_OF_MEMORY'
  | 'AISLE_SNAPSHOT'
  /** The engine (or the model, the log) was closed. */
  | 'AISLE_CLOSED'
  /** A part of the engine failed while applying a batch; it refuses writes until restored. */
  | 'AISLE_FAILED'
  /** The host's configuration (flags, environment) is wrong; thrown by the hosts, not the engine. */
  | 'AISLE_CONFIG';

/** The one base of every error aisle throws. */
export class CodedError<C extends string = string> extends Error {
  readonly code: C;
  readonly details: Record<string, unknown> | undefined;
  readonly [CODED_BRAND] = true;

  constructor(code: C, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CodedError';
    this.code = code;
    this.details = details;
  }
}

/** True for any error aisle throws (a {@link CodedError}), even one from another copy. */
export function isCodedError(err: unknown): err is CodedError {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as Record<symbol, unknown>)[CODED_BRAND] === true
  );
}

/** An error of the engine or its hosts' own checks, with an `AISLE_*` code. */
export class AisleError extends CodedError<AisleErrorCode> {
  readonly [BRAND] = true;

  constructor(
    code: AisleErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super(code, message, details, options);
    this.name = 'AisleError';
  }
}

export function isAisleError(err: unknown): err is AisleError {
  return (
    typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true
  );
}

/** An AisleError('AISLE_INVALID_ARGUMENT') for `field`, named in the message and the details. */
export function invalidArgument(field: string, message: string): AisleError {
  return new AisleError('AISLE_INVALID_ARGUMENT', `${field}: ${message}`, { field });
}
