/** Formatting the KRaft storage happens once per data directory, and a failure says why. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatStorage, isFormatted, kafkaFiles } from '../../../src/kafka/broker/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function files() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-kafka-storage-'));
  dirs.push(dir);
  return kafkaFiles(dir);
}

describe('formatStorage', () => {
  it('runs nothing when meta.properties exists', async () => {
    const f = files();
    fs.mkdirSync(f.logDirs);
    fs.writeFileSync(f.meta, 'cluster.id=x\n');
    expect(isFormatted(f)).toBe(true);
    // A launcher that cannot run proves nothing was started.
    const java = { command: path.join(f.dataDir, 'no-such-java'), major: 17 };
    expect(await formatStorage(java, f.dataDir, f)).toBeUndefined();
  });

  it('reports a failing tool as KAFKA_FORMAT_FAILED with its output', async () => {
    const f = files();
    expect(isFormatted(f)).toBe(false);
    // Node refuses the JVM's -Xmx flag and exits non-zero, as a broken JVM would.
    const java = { command: process.execPath, major: 17 };
    await expect(formatStorage(java, f.dataDir, f)).rejects.toMatchObject({
      code: 'KAFKA_FORMAT_FAILED',
      message: expect.stringMatching(/StorageTool random-uuid failed \(exit \d+\)[^]*-Xmx256m/),
    });
  });
});
