/**
 * Reconnect delays: exponential growth capped at a maximum, with "equal jitter" (half fixed, half
 * random) so a fleet that lost the broker together does not come back in lockstep, while no
 * replica ever retries sooner than half the nominal delay.
 */
import type { ReconnectOptions } from '../transport.js';

export interface BackoffPolicy {
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  minDelayMs: 100,
  maxDelayMs: 30_000,
  maxAttempts: Number.POSITIVE_INFINITY,
};

/** Fills defaults and rejects nonsense (negative delays, min above max). */
export function backoffPolicy(options: ReconnectOptions = {}): BackoffPolicy {
  const minDelayMs = options.minDelayMs ?? DEFAULT_BACKOFF.minDelayMs;
  const maxDelayMs = options.maxDelayMs ?? Math.max(minDelayMs, DEFAULT_BACKOFF.maxDelayMs);
  const maxAttempts = options.maxAttempts ?? DEFAULT_BACKOFF.maxAttempts;
  if (!(minDelayMs >= 0) || !(maxDelayMs >= minDelayMs) || !(maxAttempts >= 0)) {
    throw new RangeError(
      `reconnect: need 0 <= minDelayMs <= maxDelayMs and maxAttempts >= 0, got ${minDelayMs}, ${maxDelayMs}, ${maxAttempts}`,
    );
  }
  return { minDelayMs, maxDelayMs, maxAttempts };
}

/**
 * Delay before reconnect attempt `attempt` (0-based), in milliseconds:
 * `nominal = min(max, min * 2^attempt)`, result in `[nominal / 2, nominal]`.
 * `random` returns a number in [0, 1), injectable for tests.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const nominal = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** Math.min(attempt, 52));
  return Math.round(nominal / 2 + (random() * nominal) / 2);
}
