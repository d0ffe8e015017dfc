/**
 * The appending side of the log: records go to the active segment and are answered only once
 * fdatasync has returned. Group commit: records appended while a sync is in flight wait for the
 * next one and share it, so N concurrent requests cost about two syncs, not N.
 *
 * One loop does all file work, in order, so the log order is the order of `append` calls, and
 * each record's `apply` callback runs synchronously, in log order, right after its sync, together
 * with advancing `position()`. The caller's engine is therefore always exactly "every record up to
 * position() applied", which is what a snapshot must record.
 *
 * When `apply` throws (the engine refused or failed on a batch validation passed), the record is
 * durable but not applied: a void record naming it is appended and synced before the request is
 * answered with the error, so replay skips it too (void-record.ts).
 *
 * Any write or sync error stops the writer for good (appends are refused until a restart). After
 * a failed fsync the kernel may have dropped the dirty pages, so carrying on could acknowledge
 * records that are not on disk; a restart re-reads the file and cuts whatever tail is damaged.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { logError } from './errors.js';
import { encodeFrame } from './frame.js';
import { segmentPath, syncDir, type LogPosition } from './segments.js';
import { encodeVoid } from './void-record.js';

interface Pending {
  frame: Buffer;
  apply: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export interface WriterStats {
  records: number;
  bytes: number;
  /** fdatasync calls that made records durable (one per group). */
  syncs: number;
  /** Most records made durable by one sync. */
  largestGroup: number;
  segmentsCreated: number;
  /** Records voided because the engine did not apply them. */
  voided: number;
}

export interface WriterOptions {
  /** A segment is closed and a new one started once it would grow past this. */
  segmentBytes: number;
}

export class LogWriter {
  private queue: Pending[] = [];
  private rotations: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private loop: Promise<void> | undefined;
  private failure: Error | undefined;
  private closing = false;
  readonly stats: WriterStats = {
    records: 0,
    bytes: 0,
    syncs: 0,
    largestGroup: 0,
    segmentsCreated: 0,
    voided: 0,
  };

  private constructor(
    private readonly dir: string,
    private fh: FileHandle,
    private segment: number,
    /** Bytes of the active segment known durable; also where the next write goes. */
    private size: number,
    private readonly opts: WriterOptions,
  ) {}

  /** Starts a new, empty segment `segment` in `dir` (which must exist) and appends there. */
  static async create(dir: string, segment: number, opts: WriterOptions): Promise<LogWriter> {
    const fh = await open(segmentPath(dir, segment), 'wx');
    await syncDir(dir);
    const w = new LogWriter(dir, fh, segment, 0, opts);
    w.stats.segmentsCreated++;
    return w;
  }

  /** The byte after the last durable (and applied) record. */
  position(): LogPosition {
    return { segment: this.segment, offset: this.size };
  }

  get activeSegment(): number {
    return this.segment;
  }

  /**
   * Appends one framed record. Resolves with what `apply` returned once the record is durable
   * and `apply` has run; rejects without writing when the writer is stopped, and with `apply`'s
   * error, once the record is durably voided, when `apply` throws.
   */
  append<T>(frame: Buffer, apply: () => T): Promise<T> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(logError('unavailable', 'closed', true));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ frame, apply, resolve: resolve as (v: unknown) => void, reject });
      this.kick();
    });
  }

  /** Closes the active segment, if it holds anything, and starts the next one. */
  rotate(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.rotations.push({ resolve, reject });
      this.kick();
    });
  }

  /** Refuses new appends, waits for the queued ones, closes the file. */
  async close(): Promise<void> {
    this.closing = true;
    await this.loop;
    await this.fh.close().catch(() => undefined);
  }

  get stopped(): Error | undefined {
    return this.failure;
  }

  private kick(): void {
    if (this.loop !== undefined) return;
    this.loop = this.run().finally(() => {
      this.loop = undefined;
      // Work queued while the loop was finishing.
      if (this.queue.length > 0 || this.rotations.length > 0) this.kick();
    });
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0 || this.rotations.length > 0) {
      if (this.failure !== undefined) {
        for (const p of this.queue.splice(0)) p.reject(this.failure);
        for (const r of this.rotations.splice(0)) r.reject(this.failure);
        return;
      }
      if (this.rotations.length > 0) {
        const waiting = this.rotations.splice(0);
        try {
          if (this.size > 0) await this.startNextSegment();
          for (const r of waiting) r.resolve();
        } catch (err) {
          await this.stop(err);
          for (const r of waiting) r.reject(this.failure);
        }
        continue;
      }
      await this.writeGroup(this.queue.splice(0));
    }
  }

  private async startNextSegment(): Promise<void> {
    const next = await open(segmentPath(this.dir, this.segment + 1), 'wx');
    await syncDir(this.dir);
    const old = this.fh;
    this.fh = next;
    this.segment++;
    this.size = 0;
    this.stats.segmentsCreated++;
    // The old segment is already durable: every record in it was synced before it was answered.
    await old.close().catch(() => undefined);
  }

  private async writeGroup(group: Pending[]): Promise<void> {
    let bytes = 0;
    for (const p of group) bytes += p.frame.length;
    try {
      if (this.size > 0 && this.size + bytes > this.opts.segmentBytes) {
        await this.startNextSegment();
      }
      const data = group.length === 1 ? group[0]!.frame : Buffer.concat(group.map((p) => p.frame));
      await this.writeAt(data, this.size);
    } catch (err) {
      await this.stop(err);
      for (const p of group) p.reject(this.failure);
      return;
    }
    this.stats.syncs++;
    this.stats.records += group.length;
    this.stats.bytes += bytes;
    this.stats.largestGroup = Math.max(this.stats.largestGroup, group.length);
    // Synchronously, record by record: position and engine advance together.
    const failed: { start: LogPosition; p: Pending; err: unknown }[] = [];
    for (const p of group) {
      const start = this.position();
      this.size += p.frame.length;
      try {
        p.resolve(p.apply());
      } catch (err) {
        failed.push({ start, p, err });
      }
    }
    if (failed.length === 0) return;
    const voiding = encodeFrame(encodeVoid(failed.map((f) => f.start)), 'void');
    try {
      await this.writeAt(voiding, this.size);
      this.size += voiding.length;
      this.stats.voided += failed.length;
    } catch (err) {
      await this.stop(err);
    }
    for (const f of failed) f.p.reject(f.err);
  }

  /** Writes all of `data` at `at` and syncs it. */
  private async writeAt(data: Buffer, at: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, at + done);
      done += bytesWritten;
    }
    await this.fh.datasync();
  }

  private async stop(err: unknown): Promise<void> {
    this.failure ??= logError(
      'unavailable',
      `writing ${segmentPath(this.dir, this.segment)} failed, appends are refused until a restart: ${
        (err as Error).message
      }`,
    );
    // Best effort: cut what this write may have left, so a restart does not find records that
    // were never acknowledged. A restart also cuts a damaged tail on its own.
    try {
      await this.fh.truncate(this.size);
      await this.fh.datasync();
    } catch {
      // The restart's scan handles it.
    }
  }
}
