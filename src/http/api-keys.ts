/**
 * API keys and their scopes: parsed from `AISLE_API_KEYS` or a keys file, and checked in
 * constant time. A key is only ever held as its SHA-256 digest once parsed, so a heap dump or a
 * log line shows no key.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKey {
  /** Shown in logs and rate-limit buckets instead of the key. */
  name: string;
  /** SHA-256 of the key. */
  digest: Buffer;
  scopes: ReadonlySet<Scope>;
}

/** Shorter keys can be guessed; longer ones are fine. */
export const MIN_KEY_LENGTH = 16;

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

function makeKey(key: string, scopes: readonly string[], name: string, where: string): ApiKey {
  if (key.length < MIN_KEY_LENGTH) {
    throw new Error(`${where}: key "${name}" is shorter than ${MIN_KEY_LENGTH} characters`);
  }
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new Error(`${where}: key "${name}" must be printable ASCII without spaces`);
  }
  if (scopes.length === 0) throw new Error(`${where}: key "${name}" has no scope`);
  for (const s of scopes) {
    if (!(SCOPES as readonly string[]).includes(s)) {
      throw new Error(
        `${where}: key "${name}" has unknown scope "${s}" (use ${SCOPES.join(', ')})`,
      );
    }
  }
  return { name, digest: digest(key), scopes: new Set(scopes as Scope[]) };
}

/**
 * `AISLE_API_KEYS`: comma-separated `key:scope+scope` entries, e.g.
 * `k1...:read,k2...:read+write+admin`. Keys are named `key-1`, `key-2`, ... in order.
 */
export function parseApiKeys(raw: string, where: string): ApiKey[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((entry, i) => {
      const at = entry.lastIndexOf(':');
      const name = `key-${i + 1}`;
      if (at <= 0) throw new Error(`${where}: entry ${i + 1} must be key:scope[+scope...]`);
      return makeKey(entry.slice(0, at), entry.slice(at + 1).split('+'), name, where);
    });
}

/**
 * A keys file: JSON, `[{ "name": "dashboard", "key": "...", "scopes": ["read"] }, ...]`, or
 * lines in the `AISLE_API_KEYS` form (`key:scope+scope`, `#` comments).
 */
export function parseApiKeysFile(text: string, where: string): ApiKey[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) {
    const lines = trimmed
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0 && !l.startsWith('#'));
    return parseApiKeys(lines.join(','), where);
  }
  let entries: unknown;
  try {
    entries = JSON.parse(trimmed);
  } catch (err) {
    throw new Error(`${where}: not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(entries)) throw new Error(`${where}: must be a JSON array of keys`);
  const names = new Set<string>();
  return entries.map((e: unknown, i) => {
    const o = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
    const name = typeof o.name === 'string' && o.name !== '' ? o.name : `key-${i + 1}`;
    if (names.has(name)) throw new Error(`${where}: key name "${name}" is used twice`);
    names.add(name);
    if (typeof o.key !== 'string') throw new Error(`${where}: [${i}].key must be a string`);
    if (!Array.isArray(o.scopes) || !o.scopes.every((s) => typeof s === 'string')) {
      throw new Error(`${where}: [${i}].scopes must be a list of scopes`);
    }
    return makeKey(o.key, o.scopes as string[], name, where);
  });
}

/**
 * The key a bearer token names, or undefined. Every key is compared (digests of equal length,
 * `timingSafeEqual`), so the time taken says nothing about which key, or how much of one, matched.
 */
export function findKey(keys: readonly ApiKey[], token: string): ApiKey | undefined {
  const d = digest(token);
  let found: ApiKey | undefined;
  for (const k of keys) if (timingSafeEqual(k.digest, d) && found === undefined) found = k;
  return found;
}

/** Whether `host` (a bind address) is a loopback one. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
