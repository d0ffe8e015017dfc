/**
 * The local log: accepted events made durable on local disk before they are acknowledged, so a
 * server without a broker loses nothing it answered 2xx for. See docs/local-log.md.
 */
export {
  DEFAULT_SEGMENT_BYTES,
  openLocalLog,
  type LocalLogHost,
  type LocalLogOptions,
  type LocalLogReport,
} from './host.js';
export { checkBatch, type CheckedBatch } from './check.js';
export { isLogFailure, logError, type LogFailure } from './errors.js';
export { decodeEvents, encodeEvents } from './event-codec.js';
export { encodeFrame, readFrame, scanFrames, FRAME_HEADER_BYTES } from './frame.js';
export { replayLog, type ReplayResult } from './replay.js';
export { listSegments, segmentName, type LogPosition } from './segments.js';
export { LogWriter } from './writer.js';
