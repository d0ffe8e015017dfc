import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, serveConfig } from '../../../src/config.js';
import { engineOptions } from '../../../src/cli/serve.js';
import { readParamsFile, writeParamsFile } from '../../../src/tune/params-file.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function dir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'aisle-params-'));
  dirs.push(d);
  return d;
}

describe('parameters file', () => {
  it('round-trips and reaches the engine options of a server', async () => {
    const file = join(await dir(), 'p.json');
    writeParamsFile(file, {
      format: 'aisle-params',
      version: 1,
      sessions: { transitionWeight: 0.2, lambdaPos: 2.5 },
    });
    expect(readParamsFile(file).sessions).toEqual({ transitionWeight: 0.2, lambdaPos: 2.5 });
    const config = serveConfig({ demo: true, params: file }, {});
    expect(engineOptions(config).sessions).toEqual({ transitionWeight: 0.2, lambdaPos: 2.5 });
  });

  it('gives a server the blend and factor model of a basket tuning', async () => {
    const file = join(await dir(), 'b.json');
    writeParamsFile(file, {
      format: 'aisle-params',
      version: 1,
      baskets: { buyAgain: 2, newShare: 0, factors: 128 },
    });
    const o = engineOptions(serveConfig({ demo: true, params: file }, {}));
    expect(o.recommend?.newShare).toBe(0);
    expect(o.recommend?.weights?.user?.buyAgain).toBe(2);
    expect(o.recommend?.weights?.user?.als).toBe(1);
    expect(o.als).toEqual({ factors: 128, regularization: 0.05 });
  });

  it('names what is wrong', async () => {
    const d = await dir();
    const cases: [unknown, RegExp][] = [
      [{ format: 'other', version: 1 }, /format/],
      [{ format: 'aisle-params', version: 2 }, /version/],
      [{ format: 'aisle-params', version: 1, sessions: { nope: 1 } }, /sessions\.nope/],
      [{ format: 'aisle-params', version: 1, sessions: { lambdaPos: 'x' } }, /sessions\.lambdaPos/],
      [{ format: 'aisle-params', version: 1, sessions: { lambdaPos: -1 } }, /sessions\.lambdaPos/],
      [{ format: 'aisle-params', version: 1, baskets: { newShare: 2 } }, /baskets\.newShare/],
      [{ format: 'aisle-params', version: 1, baskets: { colour: 1 } }, /baskets\.colour/],
    ];
    for (const [i, [content, message]] of cases.entries()) {
      const file = join(d, `bad-${i}.json`);
      await writeFile(file, JSON.stringify(content));
      expect(() => readParamsFile(file)).toThrow(ConfigError);
      expect(() => readParamsFile(file)).toThrow(message);
    }
    await writeFile(join(d, 'broken.json'), '{');
    expect(() => readParamsFile(join(d, 'broken.json'))).toThrow(/broken\.json/);
  });
});
