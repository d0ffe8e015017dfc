/**
 * An engine whose accepted events survive restarts without a broker: restore the newest good
 * snapshot, replay the log after its position, then append every accepted batch to the log
 * (durably) before the engine ingests it; snapshot periodically and delete the log segments the
 * snapshots have made unnecessary.
 *
 * Layout of the data directory:
 *
 *   <dir>/lock                 pid of the process using it
 *   <dir>/log/<n>.seg          the log segments (frame.ts, event-codec.ts)
 *   <dir>/snapshots/snap-<n>/  engine snapshots; position { localLog: { segment, offset } }
 */
import { mkdirSync, statSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createEngine,
  findNewestSnapshot,
  listSnapshots,
  readSnapshotManifest,
  restoreEngine,
  writeEngineSnapshot,
  type Engine,
  type EngineOptions,
  type IngestResult,
  type RetailEvent,
} from '../../engine/index.js';
import { checkBatch, type CheckedBatch } from './check.js';
import { logError } from './errors.js';
import { encodeEvents } from './event-codec.js';
import { encodeFrame } from './frame.js';
import { lockDataDir } from './lock.js';
import { replayLog, type ReplayResult } from './replay.js';
import {
  comparePositions,
  isLogPosition,
  listSegments,
  segmentPath,
  type LogPosition,
} from './segments.js';
import { LogWriter } from './writer.js';

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

export interface LocalLogOptions {
  dataDir: string;
  /** Milliseconds between snapshots while records arrive; 0: only on close and when asked. */
  snapshotEveryMs: number;
  /** Segment size at which the log moves to a new file. */
  segmentBytes?: number;
  /** Snapshots kept; the log keeps every record after the oldest kept one. */
  keepSnapshots?: number;
  engine?: EngineOptions;
  log?: (line: string) => void;
  onError?: (err: unknown) => void;
}

/** What GET /v1/stats and /metrics show of the log. */
export interface LocalLogReport {
  dir: string;
  /** The byte after the last record durable and applied. */
  position: LogPosition;
  segments: number;
  /** Bytes of all segment files: bounded by what arrived since the oldest kept snapshot. */
  bytes: number;
  /** Records (accepted batches) and events appended since start. */
  records: number;
  events: number;
  /** fdatasync calls that made them durable: fewer than records when requests overlapped. */
  syncs: number;
  snapshots: number;
  lastSnapshotMs: number;
  lastSnapshotAt: number | null;
  snapshotPosition: LogPosition | null;
  /** Set once an I/O error stopped the writer: appends are refused until a restart. */
  failed: string | null;
}

export interface LocalLogHost {
  readonly engine: Engine;
  /** The snapshot restored at start, if any. */
  readonly restoredFrom: string | undefined;
  readonly replay: ReplayResult;
  /** Nothing came from disk: no snapshot and no records. */
  readonly fresh: boolean;
  /** The checks engine.ingest makes, without applying: what `commit` may be given. */
  check(raw: readonly unknown[], now: number): CheckedBatch;
  /**
   * Appends the checked batch durably, then ingests it, and resolves with the engine's answer.
   * Rejects before anything is written when the log is unavailable or the engine has failed;
   * rejects with the engine's error when it does not apply the batch, once a void record makes
   * replay skip it too.
   */
  commit(events: RetailEvent[]): Promise<IngestResult>;
  /** Writes a snapshot now unless the last one is at the current position (`force`: anyway). */
  snapshot(opts?: { force?: boolean }): Promise<void>;
  stats(): LocalLogReport;
  /** Stops snapshots and appends, waits for queued appends, writes a last snapshot. */
  close(): Promise<void>;
}

export async function openLocalLog(opts: LocalLogOptions): Promise<LocalLogHost> {
  const log = opts.log ?? (() => {});
  const logDir = join(opts.dataDir, 'log');
  const snapshotDir = join(opts.dataDir, 'snapshots');
  mkdirSync(logDir, { recursive: true });
  mkdirSync(snapshotDir, { recursive: true });
  const lock = lockDataDir(opts.dataDir);
  try {
    return await open(opts, log, logDir, snapshotDir, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function open(
  opts: LocalLogOptions,
  log: (line: string) => void,
  logDir: string,
  snapshotDir: string,
  lock: { release(): void },
): Promise<LocalLogHost> {
  const found = await findNewestSnapshot(snapshotDir, {
    onSkip: (dir, reason) => log(`local log: skipped snapshot ${dir}: ${reason.message}`),
  });
  let engine: Engine;
  let from: LogPosition | undefined;
  if (found !== undefined) {
    const p = (found.manifest.position as { localLog?: unknown } | null)?.localLog;
    if (!isLogPosition(p)) {
      throw logError('damaged', `snapshot ${found.dir} holds no local-log position`);
    }
    from = { segment: p.segment, offset: p.offset };
    engine = await restoreEngine(found.dir, opts.engine ?? {});
  } else {
    engine = await createEngine(opts.engine ?? {});
  }
  let replay: ReplayResult;
  try {
    replay = await replayLog(logDir, from, (events, end) => {
      const r = engine.ingestEvents(events);
      if (r.rejected.length > 0) {
        log(
          `local log: the record ending at ${end.segment}:${end.offset} had ` +
            `${r.rejected.length} events refused on replay: ${r.rejected[0]!.reason}`,
        );
      }
    });
  } catch (err) {
    engine.close();
    throw err;
  }
  if (replay.truncated !== undefined) {
    const t = replay.truncated;
    log(
      `local log: cut a damaged tail of ${t.bytes} bytes from segment ${t.segment} at byte ` +
        `${t.offset} (${t.reason}); it held no acknowledged record`,
    );
  }
  const writer = await LogWriter.create(logDir, replay.nextSegment, {
    segmentBytes: opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
  });
  const keep = opts.keepSnapshots ?? 2;
  let lastSnapshot: LogPosition | undefined = from;
  let snapshots = 0;
  let lastSnapshotMs = 0;
  let lastSnapshotAt: number | null = null;
  let events = 0;
  let running: Promise<void> | undefined;
  let closed = false;

  /** Deletes segments below the oldest kept snapshot's position: no restore can need them. */
  async function truncate(): Promise<void> {
    let oldest: LogPosition | undefined;
    for (const dir of await listSnapshots(snapshotDir)) {
      let p: unknown;
      try {
        p = ((await readSnapshotManifest(dir)).position as { localLog?: unknown } | null)?.localLog;
      } catch {
        continue; // a broken snapshot cannot be restored, so it needs nothing kept
      }
      if (isLogPosition(p) && (oldest === undefined || comparePositions(p, oldest) < 0)) oldest = p;
    }
    if (oldest === undefined) return;
    for (const segment of listSegments(logDir)) {
      if (segment >= oldest.segment || segment === writer.activeSegment) break;
      await unlink(segmentPath(logDir, segment)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
  }

  async function snapshotNow(force: boolean, rotate: boolean): Promise<void> {
    const now = writer.position();
    if (!force && lastSnapshot !== undefined && comparePositions(now, lastSnapshot) === 0) return;
    // A fresh segment first, so the one this snapshot covers can be deleted whole.
    if (rotate && writer.stopped === undefined) await writer.rotate();
    // Read the position and capture the state in one synchronous run: nothing is applied between.
    const position = writer.position();
    const written = await writeEngineSnapshot(engine, snapshotDir, {
      position: { localLog: { segment: position.segment, offset: position.offset } },
      now: Date.now(),
      keep,
    });
    lastSnapshot = position;
    snapshots++;
    lastSnapshotMs = written.ms;
    lastSnapshotAt = Date.now();
    await truncate();
  }

  function snapshot(force = false, rotate = true): Promise<void> {
    // One at a time; a call during one waits for it and then takes its own turn.
    const next = (running ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => snapshotNow(force, rotate));
    const mine: Promise<void> = next.finally(() => {
      if (running === mine) running = undefined;
    });
    running = mine;
    return mine;
  }

  const timer =
    opts.snapshotEveryMs > 0
      ? setInterval(() => {
          snapshot().catch((err: unknown) => opts.onError?.(err));
        }, opts.snapshotEveryMs)
      : undefined;
  timer?.unref();
  // A long replay makes the next start just as long, until a snapshot covers it.
  if (replay.records > 0) snapshot().catch((err: unknown) => opts.onError?.(err));

  return {
    engine,
    restoredFrom: found?.dir,
    replay,
    fresh: found === undefined && replay.records === 0,
    check: (raw, now) => checkBatch(engine, raw, now),
    commit(batch) {
      if (closed) return Promise.reject(logError('unavailable', 'closed', true));
      const health = engine.health();
      if (!health.ok) return Promise.reject(logError('unavailable', `${health.reason}`));
      if (batch.length === 0) return Promise.resolve({ accepted: 0, rejected: [] });
      let frame: Buffer;
      try {
        frame = encodeFrame(encodeEvents(batch));
      } catch (err) {
        return Promise.reject(err);
      }
      return writer.append(frame, () => {
        const r = engine.ingestEvents(batch);
        events += r.accepted;
        return r;
      });
    },
    snapshot: (o) => snapshot(o?.force ?? false),
    stats() {
      let bytes = 0;
      const segments = listSegments(logDir);
      for (const s of segments) {
        try {
          bytes += statSync(segmentPath(logDir, s)).size;
        } catch {
          // Deleted by truncation meanwhile.
        }
      }
      return {
        dir: opts.dataDir,
        position: writer.position(),
        segments: segments.length,
        bytes,
        records: writer.stats.records,
        events,
        syncs: writer.stats.syncs,
        snapshots,
        lastSnapshotMs,
        lastSnapshotAt,
        snapshotPosition: lastSnapshot ?? null,
        failed: writer.stopped?.message ?? null,
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      await writer.close();
      try {
        // The writer is closed, so no rotation: the next start opens a new segment anyway.
        await snapshot(false, false);
      } finally {
        lock.release();
      }
    },
  };
}
