/**
 * Kernel status codes, mirroring assembly/status.ts (the loader checks the module's exported
 * STATUS_* globals against this table, so the two cannot drift silently).
 */
export const KernelStatus = {
  /** The call completed. */
  OK: 0,
  /** An index or key read from the input was >= the slot count; nothing was written. */
  INDEX_OUT_OF_RANGE: 1,
  /** A scalar argument was unusable (NaN or infinite); nothing was written. */
  BAD_ARGUMENT: 2,
} as const;

export type KernelStatusName = keyof typeof KernelStatus;

/** The name of a status code, or `UNKNOWN` for a code this table does not know. */
export function statusName(status: number): KernelStatusName | 'UNKNOWN' {
  for (const [name, code] of Object.entries(KernelStatus)) {
    if (code === status) return name as KernelStatusName;
  }
  return 'UNKNOWN';
}
