/*
 * The shapes of search keys: made by src/match (`releaseSearchKeys`, query clauses) and stored by
 * the engines, which may treat word pairs apart (PostgreSQL does not index them).
 */

/** The key of a `kind:` value; terms are alphanumeric, so it cannot clash with a term (a kind of several words holds spaces). */
export function kindKey(value: string): string {
  return `kind:${value}`;
}

/** The key of two terms next to each other in one piece of text (terms hold no space, so it is no term). */
export function pairKey(first: string, second: string): string {
  return `${first} ${second}`;
}

/** Whether a key is a word pair (`pairKey`): it holds a space and is no `kind:` key. */
export function isPairKey(key: string): boolean {
  return key.includes(" ") && !key.startsWith("kind:");
}

/**
 * A release's keys as the engines keep them: its words and `kind:` keys, each once, to index one
 * by one, and its distinct word pairs as their `pairHashes` (two numbers a pair), for the filter
 * that stands in for indexing them (src/store/pair-filter.ts).
 */
export interface ReleaseKeys {
  readonly words: readonly string[];
  readonly pairs: Uint32Array;
}

/**
 * Two 32-bit hashes of a pair key's UTF-16 code units (FNV-1a and a multiply-xorshift), the second
 * odd. Both engines store filters made from them: changing them needs every filter written again.
 */
export function pairHashes(key: string): [number, number] {
  let a = 0x811c9dc5 | 0;
  let b = 0x9747b28c | 0;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  return [a >>> 0, (b | 1) >>> 0];
}

/** `ReleaseKeys` from keys given as strings (word pairs as `pairKey`), in the order given. */
export function releaseKeysOf(keys: Iterable<string>): ReleaseKeys {
  const words: string[] = [];
  const hashes: number[] = [];
  for (const key of keys) {
    if (!isPairKey(key)) words.push(key);
    else hashes.push(...pairHashes(key));
  }
  return { words, pairs: Uint32Array.from(hashes) };
}
