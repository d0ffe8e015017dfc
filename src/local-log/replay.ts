/**
 * The reading side: at start-up, every record after a snapshot's position is decoded and handed
 * back in log order, one call per record, so the engine sees the same batches it saw live.
 *
 * Two passes: the first checks every frame and collects the void records (which come after the
 * records they name), the second applies. A crash can only leave damage at the very end of the log: records are synced in order and a
 * segment is closed only after its last record was synced. So a torn or corrupt record at the tail
 * of the newest segment (or followed only by empty segments) is cut off, and every record before
 * it is kept. Damage anywhere else, a gap in the segment numbers or a segment the snapshot needs
 * that is missing means acknowledged records are gone: that refuses to start rather than serve a
 * state that silently lost them.
 */
import { readFile, open, stat } from 'node:fs/promises';
import type { RetailEvent } from '../../engine/index.js';
import { decodeEvents } from './event-codec.js';
import { logError } from './errors.js';
import { scanFrames } from './frame.js';
import { listSegments, segmentPath, type LogPosition } from './segments.js';
import { decodeVoid, positionKey } from './void-record.js';

export interface ReplayResult {
  /** Records read and handed to `apply`. */
  records: number;
  events: number;
  /** Records skipped because a void record names them. */
  voided: number;
  /** The segment to append to next (no existing file has this number or a higher one). */
  nextSegment: number;
  /** The damaged tail cut off, if there was one. */
  truncated?: { segment: number; offset: number; bytes: number; reason: string };
}

async function cut(path: string, length: number): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.truncate(length);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/** The segments a replay from `start` reads, checked to be all there. */
function neededSegments(
  dir: string,
  from: LogPosition | undefined,
): LogPosition & { list: number[]; last: number } {
  const segments = listSegments(dir);
  const start = from ?? { segment: segments[0] ?? 1, offset: 0 };
  if (from === undefined && segments.length > 0 && segments[0] !== 1) {
    throw logError(
      'damaged',
      `${dir} starts at segment ${segments[0]}, so earlier records were deleted, but no good ` +
        'snapshot covers them',
    );
  }
  const list = segments.filter((s) => s >= start.segment);
  if (list[0] !== start.segment && (start.offset > 0 || list.length > 0)) {
    throw logError(
      'damaged',
      `segment ${start.segment}, which the snapshot covers up to byte ${start.offset}, is missing from ${dir}`,
    );
  }
  for (let i = 1; i < list.length; i++) {
    if (list[i] !== list[i - 1]! + 1) {
      throw logError('damaged', `segments ${list[i - 1]! + 1}..${list[i]! - 1} are missing`);
    }
  }
  return { ...start, list, last: segments.at(-1) ?? 0 };
}

/**
 * Pass one: checks every record's frame, cuts a damaged tail, and collects the void records.
 * Returns, per segment, the byte range of whole records to apply.
 */
async function survey(
  dir: string,
  start: LogPosition,
  list: number[],
  result: ReplayResult,
): Promise<{ ranges: Map<number, [number, number]>; voided: Set<string> }> {
  const ranges = new Map<number, [number, number]>();
  const voided = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const segment = list[i]!;
    const path = segmentPath(dir, segment);
    const bytes = await readFile(path);
    const offset = segment === start.segment ? start.offset : 0;
    if (offset > bytes.length) {
      throw logError(
        'damaged',
        `${path} has ${bytes.length} bytes but the snapshot covers ${offset} of them`,
      );
    }
    const scan = scanFrames(bytes, offset);
    for (const r of scan.records) {
      if (r.kind === 'void') for (const p of decodeVoid(r.payload)) voided.add(positionKey(p));
    }
    ranges.set(segment, [offset, scan.end]);
    if (scan.damage === undefined) continue;
    for (const later of list.slice(i + 1)) {
      if ((await stat(segmentPath(dir, later))).size > 0) {
        throw logError(
          'damaged',
          `${path}: ${scan.damage}, and later segments hold records; not truncating`,
        );
      }
    }
    await cut(path, scan.end);
    result.truncated = {
      segment,
      offset: scan.end,
      bytes: bytes.length - scan.end,
      reason: scan.damage,
    };
    // Empty segments after the cut are left: the next append goes to a new one anyway.
    break;
  }
  return { ranges, voided };
}

/**
 * Replays the log in `dir` from `from` (a snapshot's position; undefined: from the very start),
 * calling `apply` once per batch record in order, with its events and the position after it.
 * Voided records are skipped. An error from `apply` stops the replay and is thrown: live, every
 * batch the engine did not apply was voided, so a failure here is new and must not be hidden.
 */
export async function replayLog(
  dir: string,
  from: LogPosition | undefined,
  apply: (events: RetailEvent[], end: LogPosition) => void,
): Promise<ReplayResult> {
  const start = neededSegments(dir, from);
  const result: ReplayResult = {
    records: 0,
    events: 0,
    voided: 0,
    nextSegment: Math.max(start.segment, start.last + 1),
  };
  const { ranges, voided } = await survey(dir, start, start.list, result);
  for (const [segment, [begin, end]] of ranges) {
    if (begin === end) continue;
    const bytes = (await readFile(segmentPath(dir, segment))).subarray(0, end);
    for (const r of scanFrames(bytes, begin).records) {
      if (r.kind !== 'events') continue;
      if (voided.has(positionKey({ segment, offset: r.offset }))) {
        result.voided++;
        continue;
      }
      const events = decodeEvents(r.payload);
      result.records++;
      result.events += events.length;
      apply(events, { segment, offset: r.end });
    }
  }
  return result;
}
