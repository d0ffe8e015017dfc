/**
 * The key a search query is kept under in the query dictionary. Queries may be 1,024 characters
 * long, and a flood of long unique ones would make the dictionary's strings most of the heap;
 * real search terms are short. A query of up to 128 characters is its own key; a longer one is
 * kept as its first 112 characters and a 64-bit hash of the whole, so distinct long queries stay
 * distinct (up to hash collisions) at a tenth of the bytes.
 */
export const QUERY_KEY_LENGTH = 128;
const PREFIX = 112;

export function queryKey(query: string): string {
  if (query.length <= QUERY_KEY_LENGTH) return query;
  return `${copyPrefix(query, PREFIX)}…#${hash64(query)}`;
}

/**
 * The first `n` UTF-16 units of `s` as a string of their own. `slice` would give a view that
 * keeps the whole 1,024-character query alive for as long as the dictionary holds the key.
 */
function copyPrefix(s: string, n: number): string {
  const units = new Array<number>(n);
  for (let i = 0; i < n; i++) units[i] = s.charCodeAt(i);
  return String.fromCharCode(...units);
}

/** FNV-1a over UTF-16 units, two 32-bit lanes with different offsets: 16 hex digits. */
function hash64(s: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
