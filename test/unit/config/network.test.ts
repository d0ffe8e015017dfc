/**
 * The network settings of `aisle serve`: keys and their scopes from the environment or a file,
 * the refusal to serve an open port without keys, rates, origins and log levels, each bad value
 * refused at start naming the setting.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseRate, serveConfig } from '../../../src/config.js';
import {
  findKey,
  isLoopbackHost,
  parseApiKeys,
  parseApiKeysFile,
} from '../../../src/http/api-keys.js';
import { hostName, scopeOf } from '../../../src/http/guard.js';

const KEY = 'k'.repeat(24);

describe('API keys', () => {
  it('reads key:scope+scope entries and finds a key by its token only', () => {
    const keys = parseApiKeys(`${KEY}:read, ${'w'.repeat(20)}:write+admin`, 'AISLE_API_KEYS');
    expect(keys.map((k) => [k.name, [...k.scopes]])).toEqual([
      ['key-1', ['read']],
      ['key-2', ['write', 'admin']],
    ]);
    expect(findKey(keys, KEY)?.name).toBe('key-1');
    expect(findKey(keys, 'w'.repeat(20))?.name).toBe('key-2');
    expect(findKey(keys, KEY.slice(1))).toBeUndefined();
    expect(findKey(keys, '')).toBeUndefined();
    // Only the digest is kept.
    expect(JSON.stringify(keys)).not.toContain(KEY);
  });

  it('refuses short keys, unknown scopes and entries without a scope, naming them', () => {
    expect(() => parseApiKeys('short:read', 'E')).toThrow(/shorter than 16/);
    expect(() => parseApiKeys(`${KEY}:root`, 'E')).toThrow(/unknown scope "root"/);
    expect(() => parseApiKeys(KEY, 'E')).toThrow(/key:scope/);
    expect(() => parseApiKeys(`${KEY} x:read`, 'E')).toThrow(/printable ASCII/);
  });

  it('reads a JSON keys file with names, or lines with comments', () => {
    const json = JSON.stringify([
      { name: 'dashboard', key: KEY, scopes: ['read'] },
      { name: 'ingest', key: 'i'.repeat(16), scopes: ['write'] },
    ]);
    expect(parseApiKeysFile(json, 'keys.json').map((k) => k.name)).toEqual(['dashboard', 'ingest']);
    const lines = `# readers\n${KEY}:read\n\n${'a'.repeat(16)}:admin\n`;
    expect(parseApiKeysFile(lines, 'keys.txt')).toHaveLength(2);
    expect(() => parseApiKeysFile('[{"key": 3}]', 'keys.json')).toThrow(/\[0\]\.key/);
    expect(() =>
      parseApiKeysFile(
        JSON.stringify([
          { name: 'a', key: KEY, scopes: ['read'] },
          { name: 'a', key: KEY, scopes: ['read'] },
        ]),
        'k',
      ),
    ).toThrow(/used twice/);
  });
});

describe('serve config: network', () => {
  const heap = 4 * 2 ** 30;
  it('refuses a non-loopback address without keys unless --insecure', () => {
    expect(() => serveConfig({ host: '0.0.0.0' }, {}, heap)).toThrow(ConfigError);
    expect(() => serveConfig({ host: '0.0.0.0' }, {}, heap)).toThrow(/--insecure/);
    expect(serveConfig({ host: '0.0.0.0', insecure: true }, {}, heap).network.keys).toEqual([]);
    const keyed = serveConfig({ host: '0.0.0.0' }, { AISLE_API_KEYS: `${KEY}:write` }, heap);
    expect(keyed.network.keys).toHaveLength(1);
    expect(serveConfig({}, {}, heap).network.keys).toEqual([]);
  });

  it('reads keys from a file named by the flag, and refuses a bad one at start', () => {
    const files: Record<string, string> = { 'keys.txt': `${KEY}:read+write` };
    const c = serveConfig({ apiKeysFile: 'keys.txt' }, {}, heap, (p) => files[p]!);
    expect([...c.network.keys[0]!.scopes]).toEqual(['read', 'write']);
    expect(() => serveConfig({ apiKeysFile: 'keys.txt' }, {}, heap, () => 'x:read')).toThrow(
      /keys\.txt: key "key-1" is shorter/,
    );
  });

  it('checks rates, origins, log levels and --auth-reads', () => {
    expect(parseRate('r', '1000/min')).toEqual({ max: 1000, windowMs: 60_000 });
    expect(parseRate('r', '50/s')).toEqual({ max: 50, windowMs: 1000 });
    expect(parseRate('r', '0').max).toBe(0);
    expect(() => parseRate('--rate-limit', 'lots')).toThrow(/--rate-limit/);
    expect(() => serveConfig({ corsOrigin: 'shop.example' }, {}, heap)).toThrow(/--cors-origin/);
    expect(
      serveConfig({ corsOrigin: 'https://a.example,http://b.example:8080' }, {}, heap).network
        .corsOrigins,
    ).toEqual(['https://a.example', 'http://b.example:8080']);
    expect(() => serveConfig({ logLevel: 'loud' }, {}, heap)).toThrow(/--log-level/);
    expect(serveConfig({}, {}, heap).network.logLevel).toBe('info');
    expect(() => serveConfig({ authReads: true }, {}, heap)).toThrow(/needs API keys/);
  });
});

describe('guard helpers', () => {
  it('knows loopback binds and Host names', () => {
    expect(['127.0.0.1', '::1', '[::1]', 'localhost', '127.1.2.3'].every(isLoopbackHost)).toBe(
      true,
    );
    expect(['0.0.0.0', '10.0.0.1', '::', 'shop.example'].some(isLoopbackHost)).toBe(false);
    expect(hostName('LocalHost:7070')).toBe('localhost');
    expect(hostName('[::1]:7070')).toBe('[::1]');
    expect(hostName('127.0.0.1')).toBe('127.0.0.1');
  });

  it('puts each route under a scope', () => {
    expect(scopeOf('GET', '/healthz')).toBe('open');
    expect(scopeOf('GET', '/docs/static/index.html')).toBe('open');
    expect(scopeOf('POST', '/v1/events')).toBe('write');
    expect(scopeOf('POST', '/v1/models/factors/train')).toBe('admin');
    expect(scopeOf('GET', '/v1/analytics/group-by')).toBe('admin');
    expect(scopeOf('POST', '/v1/sessions/recommendations')).toBe('read');
    expect(scopeOf('GET', '/v1/users/:id/recommendations')).toBe('read');
  });
});
