/**
 * Segment files and log positions. The log is a numbered series of append-only files in one
 * directory; a snapshot's position names a segment and a byte offset in it, and truncation
 * deletes whole segments that every kept snapshot has passed.
 */
import { readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the log stands: the byte after the last record applied. */
export interface LogPosition {
  segment: number;
  offset: number;
}

const NAME = /^(\d{20})\.seg$/;

/** `00000000000000000007.seg`: zero-padded so names sort in log order. */
export function segmentName(n: number): string {
  return `${String(n).padStart(20, '0')}.seg`;
}

export function segmentPath(dir: string, n: number): string {
  return join(dir, segmentName(n));
}

/** The segment numbers present in `dir`, ascending; [] when it does not exist. */
export function listSegments(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: number[] = [];
  for (const name of names) {
    const m = NAME.exec(name);
    if (m !== null) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

export function comparePositions(a: LogPosition, b: LogPosition): number {
  return a.segment !== b.segment ? a.segment - b.segment : a.offset - b.offset;
}

export function isLogPosition(v: unknown): v is LogPosition {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Record<string, unknown>;
  return (
    Number.isSafeInteger(p.segment) &&
    (p.segment as number) >= 1 &&
    Number.isSafeInteger(p.offset) &&
    (p.offset as number) >= 0
  );
}

/**
 * Makes a directory entry durable (a created or renamed file): on Linux a file's fsync does not
 * cover its name. Platforms that cannot open a directory for fsync skip it.
 */
export async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
  } catch {
    return;
  }
  try {
    await fh.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw err;
  } finally {
    await fh.close();
  }
}
