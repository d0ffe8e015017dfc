/**
 * The engine's clock: a watermark over event time that no single event can break.
 *
 * Every part of the engine reads time from the events it is given, and that time only moves
 * forward: one event stamped in the year 2099 would empty trending and every sliding window until
 * a restart. So events are screened before any part sees them:
 *
 * - `wall` mode (a live service): an event more than `maxFutureSkewMs` ahead of the wall clock is
 *   refused. Clocks of producers drift by seconds, not by hours.
 * - `stream` mode (replaying history: reports, evaluation, a topic read from its start): the wall
 *   clock says nothing about the data's time, so the reference is the watermark itself, the
 *   newest event time accepted so far. An event more than `maxFutureSkewMs` ahead of it is
 *   accepted only when at least `confirmations` events of the same batch (itself included) fall
 *   within `maxFutureSkewMs` of it: the stream really moved on (a shop opening after a night
 *   closed), rather than one event being wrong. The very first batch has no watermark; its
 *   earliest event that is so confirmed starts it (a first batch smaller than `confirmations`
 *   needs all of its events to agree). A replay sent one event per batch cannot cross a gap
 *   longer than the skew: replay in batches, or raise the skew.
 * - In both modes, with a retention horizon, an event older than `watermark - retentionMs` is
 *   refused: the state it would update has already been forgotten.
 *
 * The watermark is the newest accepted event time; it is part of the engine's snapshot.
 */
import { AisleError } from './errors.js';

export type EventTimeMode = 'wall' | 'stream';

export interface EventTimeOptions {
  /** `wall` (default): checked against the wall clock; `stream`: against the stream itself. */
  mode: EventTimeMode;
  /** How far ahead of the reference an event may be (ms); default 5 minutes. */
  maxFutureSkewMs: number;
  /** In `stream` mode, events of one batch that must agree before the watermark jumps ahead. */
  confirmations: number;
}

export const DEFAULT_EVENT_TIME: EventTimeOptions = {
  mode: 'wall',
  maxFutureSkewMs: 5 * 60 * 1000,
  confirmations: 3,
};

/** Checks and fills in event-time options; throws AisleError naming the bad field. */
export function resolveEventTime(opts: Partial<EventTimeOptions> | undefined): EventTimeOptions {
  const out = { ...DEFAULT_EVENT_TIME, ...opts };
  if (out.mode !== 'wall' && out.mode !== 'stream') {
    throw new AisleError('AISLE_INVALID_ARGUMENT', "eventTime.mode must be 'wall' or 'stream'", {
      field: 'eventTime.mode',
    });
  }
  if (!(Number.isFinite(out.maxFutureSkewMs) && out.maxFutureSkewMs >= 0)) {
    throw new AisleError(
      'AISLE_INVALID_ARGUMENT',
      'eventTime.maxFutureSkewMs must be a finite number of milliseconds >= 0',
      { field: 'eventTime.maxFutureSkewMs' },
    );
  }
  if (!(Number.isInteger(out.confirmations) && out.confirmations >= 1)) {
    throw new AisleError(
      'AISLE_INVALID_ARGUMENT',
      'eventTime.confirmations must be an integer >= 1',
      {
        field: 'eventTime.confirmations',
      },
    );
  }
  return out;
}

/** Why an event's time was refused, and which event (index in the batch). */
export interface TimeRefusal {
  index: number;
  field: 'ts';
  reason: string;
}

/** The engine's watermark and the policy that screens event times against it. */
export class EventClock {
  /** The newest accepted event time (epoch ms); -Infinity before the first. */
  private mark = Number.NEGATIVE_INFINITY;

  constructor(
    readonly options: EventTimeOptions,
    /** Retention horizon of the engine's state in force (ms), or undefined to keep everything. */
    private readonly horizonMs: () => number | undefined,
  ) {}

  /** The watermark: the newest accepted event time, or -Infinity before any. */
  get watermark(): number {
    return this.mark;
  }

  /** Restores a watermark from a snapshot; -Infinity or a finite time. */
  restore(mark: number): void {
    if (!(mark === Number.NEGATIVE_INFINITY || Number.isFinite(mark))) {
      throw new AisleError('AISLE_SNAPSHOT', 'engine state: the watermark is not a time');
    }
    this.mark = mark;
  }

  /**
   * Screens the times of one batch without moving the watermark. Returns the refusals (empty
   * when all pass) and the watermark the batch would leave. O(n) in `wall` mode; in `stream`
   * mode O(n log n) only when some event lies beyond the skew.
   *
   * @param ts event times of the batch, in batch order
   * @param wallNow the wall clock (epoch ms), used in `wall` mode
   */
  screen(ts: ArrayLike<number>, wallNow: number): { refused: TimeRefusal[]; watermark: number } {
    const skew = this.options.maxFutureSkewMs;
    const refused: TimeRefusal[] = [];
    let mark = this.mark;
    let limit: number;
    if (this.options.mode === 'wall') {
      limit = wallNow + skew;
    } else {
      limit = this.streamLimit(ts);
    }
    const horizon = this.horizonMs();
    const floor =
      horizon === undefined || mark === Number.NEGATIVE_INFINITY
        ? Number.NEGATIVE_INFINITY
        : mark - horizon;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!;
      if (t > limit) {
        refused.push({ index: i, field: 'ts', reason: this.aheadReason(wallNow) });
      } else if (t < floor) {
        refused.push({
          index: i,
          field: 'ts',
          reason: `is older than the retention horizon (${iso(floor)}); its state is already forgotten`,
        });
      } else if (t > mark) {
        mark = t;
      }
    }
    return { refused, watermark: mark };
  }

  /** Moves the watermark to `mark` (from `screen`) once the batch is applied. */
  advance(mark: number): void {
    if (mark > this.mark) this.mark = mark;
  }

  /**
   * In stream mode, the newest time a batch may reach: the watermark plus the skew, or further
   * when enough events of the batch agree on a later time (each confirmed time raises the limit).
   */
  private streamLimit(ts: ArrayLike<number>): number {
    const skew = this.options.maxFutureSkewMs;
    // Before any watermark a batch smaller than `confirmations` starts the clock on its own: a
    // stream that opens with one event a message would otherwise never start.
    const first = this.mark === Number.NEGATIVE_INFINITY;
    const need = first
      ? Math.min(this.options.confirmations, ts.length)
      : this.options.confirmations;
    let limit =
      this.mark === Number.NEGATIVE_INFINITY ? Number.NEGATIVE_INFINITY : this.mark + skew;
    let beyond = 0;
    for (let i = 0; i < ts.length; i++) if (ts[i]! > limit) beyond++;
    if (beyond === 0) return limit;
    const sorted = Float64Array.from(ts).sort();
    for (let i = 0; i < sorted.length; i++) {
      const t = sorted[i]!;
      if (t <= limit) continue;
      // `need` events within the skew, starting with this one: the stream moved on.
      const j = i + need - 1;
      if (j < sorted.length && sorted[j]! - t <= skew) limit = t + skew;
    }
    return limit;
  }

  private aheadReason(wallNow: number): string {
    const skew = formatSkew(this.options.maxFutureSkewMs);
    if (this.options.mode === 'wall') {
      return `is more than ${skew} ahead of the engine's clock (${iso(wallNow)})`;
    }
    return this.mark === Number.NEGATIVE_INFINITY
      ? `is more than ${skew} ahead of the rest of its batch`
      : `is more than ${skew} ahead of the stream's watermark (${iso(this.mark)})`;
  }
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

function formatSkew(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000} min`;
  return `${ms} ms`;
}
