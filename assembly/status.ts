/**
 * Status codes every kernel returns. Exported as immutable globals so the TypeScript wrapper can
 * check at load time that its table still matches this one.
 */

/** The call completed. */
export const STATUS_OK: i32 = 0;
/** A key or counter index read from the input was >= the number of slots; nothing was written. */
export const STATUS_INDEX_OUT_OF_RANGE: i32 = 1;
/** A scalar argument was unusable (for example a NaN or infinite decay rate); nothing was written. */
export const STATUS_BAD_ARGUMENT: i32 = 2;
