/**
 * Plays a simulator in wall-clock time: a steady rate of events into a sink, as a live source
 * would deliver them. Also pushes a warm-up history synchronously so a demo has
 * recommendations to show from its first seconds.
 */
import type { RetailEvent } from '../../engine/events.js';

/** Anything that yields the next events of a stream (a `Simulator` does). */
export interface EventSource {
  next(n: number): RetailEvent[];
}

/** Receives each batch; may throw (the pacer counts and carries on). */
export type EventSink = (events: RetailEvent[]) => void;

export interface PacerOptions {
  /** Events per second of wall time; fractions carry over between ticks. */
  rate: number;
  /** Timer period, ms. Default 50. */
  tickMs?: number;
  /** Told about each error the sink throws (after it is counted). */
  onError?: (err: unknown) => void;
}

/** A running pacer. */
export interface Pacer {
  /** Stops the timer; idempotent. */
  stop(): void;
  /** Events handed to the sink so far (including batches the sink threw on). */
  readonly emitted: number;
  /** Batches on which the sink threw. */
  readonly errors: number;
}

/**
 * Emits `rate * tickMs / 1000` events per tick (fractions carried) from `source` into `sink`.
 * The timer is unref'd, so a pacer alone does not keep the process alive.
 */
export function startPacer(source: EventSource, sink: EventSink, opts: PacerOptions): Pacer {
  const tickMs = opts.tickMs ?? 50;
  if (!(Number.isFinite(opts.rate) && opts.rate >= 0)) {
    throw new RangeError('pacer rate must be a finite number of events per second >= 0');
  }
  if (!(Number.isFinite(tickMs) && tickMs > 0)) {
    throw new RangeError('pacer tickMs must be a positive number of milliseconds');
  }
  const perTick = (opts.rate * tickMs) / 1000;
  let owed = 0;
  let emitted = 0;
  let errors = 0;
  let timer: ReturnType<typeof setInterval> | undefined = setInterval(() => {
    owed += perTick;
    const n = Math.floor(owed);
    if (n === 0) return;
    owed -= n;
    const batch = source.next(n);
    emitted += batch.length;
    try {
      sink(batch);
    } catch (err) {
      // A failing consumer must not stop the stream; whoever cares is told through onError.
      errors++;
      try {
        opts.onError?.(err);
      } catch {
        // An error handler that throws has nobody left to tell.
      }
    }
  }, tickMs);
  timer.unref?.();
  return {
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
    get emitted() {
      return emitted;
    },
    get errors() {
      return errors;
    },
  };
}

/**
 * Pushes `n` events from `source` into `sink` synchronously, `batch` at a time (default
 * 10,000). Errors from the sink propagate: a warm-up that fails should be seen.
 * @returns the number of events pushed
 */
export function fillHistory(
  source: EventSource,
  sink: EventSink,
  n: number,
  batch = 10_000,
): number {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError('fillHistory needs an integer n >= 0');
  if (!Number.isSafeInteger(batch) || batch < 1) {
    throw new RangeError('fillHistory needs an integer batch >= 1');
  }
  let done = 0;
  while (done < n) {
    const events = source.next(Math.min(batch, n - done));
    sink(events);
    done += events.length;
  }
  return done;
}
