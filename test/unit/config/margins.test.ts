/** `--margins` / AISLE_MARGINS: margins by category for items without a cost. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseMargins, serveConfig } from '../../../src/config.js';
import { engineOptions } from '../../../src/cli/serve.js';

describe('margins', () => {
  it('reads category=margin pairs, * for the rest, into the engine options', () => {
    expect(parseMargins('drinks=0.3, *=0.45,a=b=0.1')).toEqual({
      drinks: 0.3,
      '*': 0.45,
      'a=b': 0.1,
    });
    const config = serveConfig({}, { AISLE_MARGINS: 'drinks=0.3' }, 2 ** 32);
    expect(config.margins).toEqual({ drinks: 0.3 });
    expect(engineOptions(config).pricing).toEqual({ margins: { drinks: 0.3 } });
    expect(serveConfig({ margins: '*=0.2' }, { AISLE_MARGINS: 'x=0.1' }, 2 ** 32).margins).toEqual({
      '*': 0.2,
    });
    expect(engineOptions(serveConfig({}, {}, 2 ** 32)).pricing).toBeUndefined();
  });

  it('refuses a margin outside [0, 1) or a pair without a category, naming the setting', () => {
    for (const bad of ['drinks=1', 'drinks=-0.1', '=0.3', 'drinks', 'drinks=x']) {
      expect(() => parseMargins(bad)).toThrow(ConfigError);
      expect(() => parseMargins(bad)).toThrow(/--margins/);
    }
  });
});
