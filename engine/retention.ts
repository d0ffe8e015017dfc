/**
 * Retention: what the engine forgets so that it can run for weeks on an endless stream.
 *
 * - The event log keeps `retentionMs` of stream time and at most `retentionBytes` of columns.
 * - Ids (users, items, sessions, orders, queries) not seen within the horizon are dropped from
 *   every part and from the dictionaries; users past `maxUsers` are dropped least recently seen
 *   first. Items the catalogue feed named stay. A dropped user is a cold-start user again, a
 *   dropped item is unknown, and a string seen again later gets a new id.
 * - Under a `memoryBudget` the horizon is pulled in (by a quarter of what the state spans at a
 *   time, never under `minRetentionMs`) while the engine holds more than 90% of the budget (the
 *   margin absorbs what arrives between two checks), and let out again when it holds under 70%
 *   of it; the report warns while the horizon is shorter than the configured one. Above 80% of
 *   the budget the bytes are measured every eighth of `checkEvery` events, and a check runs as
 *   soon as they pass 90%, so a flood cannot carry the engine far past the budget. At the floor (a flood of new ids within the last hour), the least recently
 *   seen quarter of every id kind goes at each check, and the log keeps a quarter of the budget.
 *
 * - Pairs of items not seen together within the horizon are forgotten, and so are the buckets of
 *   per-item windows older than it (`PartKind.forget`).
 *
 * Dropping ids is a compaction: the survivors are renumbered 1, 2, 3, ... in their old order, in
 * one synchronous step over every part that holds ids of that kind (`PartKind.remap`), the log's
 * rows and the dictionary, so answers stay consistent and a snapshot taken after it restores to
 * the same answers. It runs when the dead ids of a kind reach a fifth of the dictionary (and at
 * least `minDead`), checked every `checkEvery` events: O(state of that kind) now and then,
 * amortised over the events that made the ids.
 */
import { AisleError } from './errors.js';
import { ID_KINDS, type Activity, type IdKind } from './activity.js';

export interface RetentionOptions {
  /** Stream time the log and every id are kept (ms); undefined keeps everything. */
  retentionMs?: number;
  /** Bytes of log columns kept at most; undefined = no cap. */
  retentionBytes?: number;
  /** Users kept at most (least recently seen dropped first); undefined = no cap. */
  maxUsers?: number;
  /** Bytes the engine may hold (`memory().total`); undefined = no budget. */
  memoryBudget?: number;
  /** Shortest horizon the budget may pull retention in to (ms); default 1 hour. */
  minRetentionMs?: number;
  /** Events between two checks; default 65,536. */
  checkEvery?: number;
  /** Dead ids of a kind below which no compaction runs; default 4,096. */
  minDead?: number;
  /**
   * Bytes the process holds (a host passes its RSS; the engine reads no process state): the budget
   * is kept against the larger of this and the engine's own count, which cannot see allocator
   * slack, code or the garbage collector's headroom.
   */
  probe?: () => number;
}

const DEFAULTS = { minRetentionMs: 3_600_000, checkEvery: 65_536, minDead: 4_096 } as const;

/** Shares of the budget: act above HIGH, measure often above NEAR, let out below LOW. */
const HIGH = 0.9;
const NEAR = 0.8;
const LOW = 0.7;

/** Checks retention options; throws AisleError naming the field. */
export function checkRetentionOptions(o: RetentionOptions): void {
  const positive = (field: keyof RetentionOptions, integer: boolean): void => {
    const v = o[field];
    if (v === undefined) return;
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      v <= 0 ||
      (integer && !Number.isInteger(v))
    ) {
      throw new AisleError(
        'AISLE_INVALID_ARGUMENT',
        `${field} must be a ${integer ? 'positive integer' : 'positive number'}`,
        {
          field,
        },
      );
    }
  };
  positive('retentionMs', false);
  positive('retentionBytes', true);
  positive('maxUsers', true);
  positive('memoryBudget', true);
  positive('minRetentionMs', false);
  positive('checkEvery', true);
  positive('minDead', true);
  if (o.probe !== undefined && typeof o.probe !== 'function') {
    throw new AisleError('AISLE_INVALID_ARGUMENT', 'probe must be a function returning bytes', {
      field: 'probe',
    });
  }
}

/** What the engine lends retention to do its work. */
export interface RetentionHost {
  /** When each id was last seen (the activity part). */
  activity(): Activity;
  /** The engine's clock, -Infinity before any event. */
  watermark(): number;
  /** Current dictionary size of a kind. */
  size(kind: IdKind): number;
  /** Total bytes held now (`memory().total`). */
  bytes(): number;
  /** Why ids of `kind` cannot be compacted (a part that holds them cannot renumber), or undefined. */
  blocked(kind: IdKind): string | undefined;
  /** Drops the log's chunks older than `cutoff`, then down to `maxBytes` when given. */
  trimLog(cutoff: number, maxBytes: number | undefined): void;
  /** Renumbers `kind` everywhere with `map` (0 = dropped) to `size` ids. */
  compact(kind: IdKind, map: Uint32Array, size: number): void;
  /** Lets the parts forget what is older than `cutoff` beyond their ids (`PartKind.forget`). */
  forget(cutoff: number): void;
}

/** What retention has done, for stats and metrics. */
export interface RetentionReport {
  /** Configured horizon (ms), null for none. */
  retentionMs: number | null;
  /** Horizon in force (ms): the configured one, or shorter under the memory budget. */
  effectiveRetentionMs: number | null;
  memoryBudget: number | null;
  /** Compactions run, per kind. */
  compactions: Record<IdKind, number>;
  /** Ids dropped so far, per kind. */
  dropped: Record<IdKind, number>;
  /** Why the engine cannot keep within its settings, in words (empty when it can). */
  warnings: string[];
}

const zeros = (): Record<IdKind, number> => ({ user: 0, item: 0, session: 0, order: 0, query: 0 });

export class Retention {
  private effective: number | undefined;
  private sinceCheck = 0;
  /** Events since the last measurement of the bytes held. */
  private sinceProbe = 0;
  /** Bytes held at the last measurement (0 before any, or without a budget). */
  private lastBytes = 0;
  private readonly compactions = zeros();
  private readonly droppedIds = zeros();
  private readonly blockedKinds = new Map<IdKind, string>();
  private overBudget = false;
  /** Over the budget at the floor: the share of each kind's live ids kept at this check. */
  private keepShare = 0.75;

  constructor(readonly options: RetentionOptions) {
    checkRetentionOptions(options);
    this.effective = options.retentionMs;
  }

  /** The horizon in force (ms), or undefined to keep everything. */
  get horizonMs(): number | undefined {
    return this.effective;
  }

  /** Restores the horizon a snapshot was taken under (the budget may have pulled it in). */
  restoreHorizon(ms: number | null | undefined): void {
    if (ms === null || ms === undefined) return;
    if (!(Number.isFinite(ms) && ms > 0)) {
      throw new AisleError(
        'AISLE_SNAPSHOT',
        'engine state: the retention horizon is not a duration',
      );
    }
    if (this.options.retentionMs !== undefined)
      this.effective = Math.min(ms, this.options.retentionMs);
    else if (this.options.memoryBudget !== undefined) this.effective = ms;
  }

  /**
   * Counts a batch; every `checkEvery` events runs `check`. Near the budget the bytes are
   * measured in between (O(parts), not O(ids)) and a check runs early once they pass the mark.
   */
  afterIngest(events: number, host: RetentionHost): void {
    this.sinceCheck += events;
    this.sinceProbe += events;
    const every = this.options.checkEvery ?? DEFAULTS.checkEvery;
    const budget = this.options.memoryBudget;
    let due = this.sinceCheck >= every;
    if (!due && budget !== undefined && this.lastBytes > budget * NEAR) {
      if (this.sinceProbe >= every / 8) due = this.measure(host) > budget * HIGH;
    }
    if (!due) return;
    this.sinceCheck = 0;
    this.check(host);
  }

  /** Bytes held: the larger of the engine's own count and the host's probe. */
  private measure(host: RetentionHost): number {
    this.sinceProbe = 0;
    const probed = this.options.probe?.();
    this.lastBytes = Math.max(host.bytes(), Number.isFinite(probed) ? probed! : 0);
    return this.lastBytes;
  }

  /**
   * Trims the log, adjusts the horizon to the budget and compacts every kind with enough dead
   * ids. Synchronous; O(ids) to count the dead, plus the compactions it runs.
   */
  check(host: RetentionHost): void {
    const now = host.watermark();
    if (!Number.isFinite(now)) return;
    this.fitBudget(host);
    const cutoff = this.effective === undefined ? Number.NEGATIVE_INFINITY : now - this.effective;
    // Over the budget at the floor, the log may keep at most a quarter of the budget.
    const logCap =
      this.overBudget && this.options.memoryBudget !== undefined
        ? Math.min(
            this.options.retentionBytes ?? Number.POSITIVE_INFINITY,
            this.options.memoryBudget / 4,
          )
        : this.options.retentionBytes;
    host.trimLog(cutoff, logCap);
    if (cutoff > Number.NEGATIVE_INFINITY) host.forget(cutoff);
    for (const kind of ID_KINDS) this.compactIfDue(kind, cutoff, host);
    // Compaction freed memory; if the budget is still exceeded, the next check pulls in further.
  }

  report(): RetentionReport {
    const warnings: string[] = [];
    const configured = this.options.retentionMs;
    if (this.effective !== undefined && (configured === undefined || this.effective < configured)) {
      warnings.push(
        `the memory budget pulled retention in to ${hours(this.effective)}` +
          (configured === undefined ? '' : ` (configured ${hours(configured)})`),
      );
    }
    if (this.overBudget) {
      warnings.push(
        `over the memory budget with retention at its floor of ${hours(this.options.minRetentionMs ?? DEFAULTS.minRetentionMs)}`,
      );
    }
    for (const [kind, why] of this.blockedKinds)
      warnings.push(`${kind} ids are not dropped: ${why}`);
    return {
      retentionMs: configured ?? null,
      effectiveRetentionMs: this.effective ?? null,
      memoryBudget: this.options.memoryBudget ?? null,
      compactions: { ...this.compactions },
      dropped: { ...this.droppedIds },
      warnings,
    };
  }

  private fitBudget(host: RetentionHost): void {
    const budget = this.options.memoryBudget;
    if (budget === undefined) return;
    const bytes = this.measure(host);
    const high = budget * HIGH;
    const floor = this.options.minRetentionMs ?? DEFAULTS.minRetentionMs;
    const configured = this.options.retentionMs;
    this.overBudget = false;
    if (bytes > high) {
      // Start from what the state really spans: a 30-day horizon over an hour of data pulls
      // nothing in, and a flood fills memory in minutes.
      const reach = Math.max(0, host.watermark() - this.oldestSeen(host));
      const span = Math.min(this.effective ?? Number.POSITIVE_INFINITY, reach);
      // Pull in by a quarter, or by as much as the engine is over the budget.
      const next = Math.max(floor, span * Math.min(0.75, high / bytes));
      // At the floor time cannot forget more: the least recently seen ids go instead, as many
      // as it takes to come back under the budget (a quarter at least).
      if (next >= span) {
        this.overBudget = true;
        this.keepShare = Math.min(0.75, (0.9 * high) / bytes);
      }
      this.effective = Math.min(this.effective ?? Number.POSITIVE_INFINITY, next);
    } else if (bytes < budget * LOW && this.effective !== undefined) {
      const next = this.effective * 1.25;
      this.effective = configured === undefined ? next : Math.min(configured, next);
    }
  }

  /** The oldest time any id was seen: how far back the state reaches. O(ids). */
  private oldestSeen(host: RetentionHost): number {
    let min = host.watermark();
    for (const kind of ID_KINDS) {
      const times = host.activity().times(kind);
      const n = host.size(kind);
      for (let id = 1; id <= n; id++) {
        const t = times[id]!;
        if (t > 0 && t < min) min = t;
      }
    }
    return min;
  }

  private compactIfDue(kind: IdKind, cutoff: number, host: RetentionHost): void {
    const size = host.size(kind);
    if (size === 0) return;
    const times = host.activity().times(kind);
    let limit = cutoff;
    if (kind === 'user' && this.options.maxUsers !== undefined) {
      limit = Math.max(limit, capCutoff(times, size, cutoff, this.options.maxUsers));
    }
    if (this.overBudget) {
      // Over the budget with the horizon at its floor (a flood of new ids): keep the most
      // recently seen share of this kind that fits the budget.
      const keep = Math.floor(live(times, size, cutoff) * this.keepShare);
      limit = Math.max(limit, capCutoff(times, size, cutoff, keep));
    }
    if (limit === Number.NEGATIVE_INFINITY) return;
    let dead = 0;
    const pinned = kind === 'item' ? host.activity() : undefined;
    for (let id = 1; id <= size; id++) {
      if (times[id]! < limit && !(pinned?.isPinned(id) ?? false)) dead++;
    }
    // Over the budget, any dead id is worth a compaction.
    const minDead = this.overBudget ? 1 : (this.options.minDead ?? DEFAULTS.minDead);
    if (dead < minDead || dead * 5 < size) return;
    const why = host.blocked(kind);
    if (why !== undefined) {
      this.blockedKinds.set(kind, why);
      return;
    }
    this.blockedKinds.delete(kind);
    const map = new Uint32Array(size + 1);
    let next = 0;
    for (let id = 1; id <= size; id++) {
      if (times[id]! < limit && !(pinned?.isPinned(id) ?? false)) continue;
      map[id] = ++next;
    }
    host.compact(kind, map, next);
    this.compactions[kind]++;
    this.droppedIds[kind] += size - next;
  }
}

/** Ids of a kind seen at or after `cutoff`. O(size). */
function live(times: Float64Array, size: number, cutoff: number): number {
  let n = 0;
  for (let id = 1; id <= size; id++) if (times[id]! >= cutoff) n++;
  return n;
}

/**
 * The time before which users must go so that at most `cap` remain: the cap-th newest last-seen
 * time among those not already past `cutoff`. O(n log n) on the survivors, only when over the cap.
 */
function capCutoff(times: Float64Array, size: number, cutoff: number, cap: number): number {
  let live = 0;
  for (let id = 1; id <= size; id++) if (times[id]! >= cutoff) live++;
  if (live <= cap) return Number.NEGATIVE_INFINITY;
  const alive = new Float64Array(live);
  let j = 0;
  for (let id = 1; id <= size; id++) if (times[id]! >= cutoff) alive[j++] = times[id]!;
  alive.sort();
  // Keep the `cap` most recent: drop everything strictly older than the cap-th newest. Ties at
  // that time are kept, so a burst of users at one instant may leave a few over the cap.
  return alive[live - cap]!;
}

function hours(ms: number): string {
  return ms >= 86_400_000
    ? `${(ms / 86_400_000).toFixed(1)} d`
    : `${(ms / 3_600_000).toFixed(1)} h`;
}
