/**
 * Where an engine on a stream starts and how it stays durable, whichever broker: the newest good
 * snapshot in the snapshot directory (with the stream position it covers, checked by the
 * transport) or a fresh engine; and the writer of the snapshots that follow.
 */
import {
  createEngine,
  findNewestSnapshot,
  restoreEngine,
  writeEngineSnapshot,
  type Engine,
  type EngineOptions,
  type JsonValue,
} from '../../engine/index.js';

export interface StartedEngine<P> {
  engine: Engine;
  /** The restored snapshot's position; absent for a fresh engine. */
  position?: P;
  /** The snapshot directory restored from. */
  restoredFrom?: string;
}

/**
 * Restores the newest good snapshot under `snapshotDir`, or creates an engine. `readPosition`
 * checks the snapshot's position belongs to this stream (it throws otherwise) before any state
 * is read.
 */
export async function startEngine<P extends { messages: number }>(opts: {
  snapshotDir: string | undefined;
  engine: EngineOptions | undefined;
  readPosition: (value: unknown) => P;
  log: (line: string) => void;
}): Promise<StartedEngine<P>> {
  const found =
    opts.snapshotDir === undefined ? undefined : await findNewestSnapshot(opts.snapshotDir);
  if (found === undefined) return { engine: await createEngine(opts.engine ?? {}) };
  const position = opts.readPosition(found.manifest.position);
  const engine = await restoreEngine(found.dir, opts.engine ?? {});
  opts.log(`restored ${found.dir}: ${position.messages} messages, ${engine.stats().events} events`);
  return { engine, position, restoredFrom: found.dir };
}

/** Writes a snapshot of `engine` with a position into `dir`, keeping the newest `keep`. */
export function snapshotWriter(
  engine: Engine,
  dir: string,
  keep: number,
): (position: JsonValue) => Promise<void> {
  return async (position) => {
    await writeEngineSnapshot(engine, dir, { position, now: Date.now(), keep });
  };
}
