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
  /**
   * Optionally, a number per word (-1: none) from a numbering of terms that holds while `space` is
   * the same object: a builder that has seen a term's number finds the term's place by it, without
   * looking the string up (src/match numbers its terms so). Within one `space`, a word has one
   * number, and no unnumbered word equals a numbered one.
   */
  readonly numbers?: { readonly ids: Int32Array; readonly space: object };
}

/** The two hashes' states before the first code unit (`pairHashes`). */
export const PAIR_HASH_SEED_A = 0x811c9dc5 | 0;
export const PAIR_HASH_SEED_B = 0x9747b28c | 0;

/** The first hash's state after one more code unit. */
export function pairHashStepA(a: number, c: number): number {
  return Math.imul(a ^ c, 0x01000193);
}

/** The second hash's state after one more code unit. */
export function pairHashStepB(b: number, c: number): number {
  const m = Math.imul(b ^ c, 0x5bd1e995);
  return m ^ (m >>> 13);
}

/** The first hash of a key from its state after the key's last code unit. */
export function pairHashEndA(a: number): number {
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  return a >>> 0;
}

/** The second hash (odd) from its state after the key's last code unit. */
export function pairHashEndB(b: number): number {
  return (b | 1) >>> 0;
}

/**
 * Two 32-bit hashes of a pair key's UTF-16 code units (FNV-1a and a multiply-xorshift), the second
 * odd. Both engines store filters made from them: changing them needs every filter written again.
 * (In steps above, so the key tables of src/match can hash many pairs sharing a first term.)
 */
export function pairHashes(key: string): [number, number] {
  const [a, b] = pairHashStates(key);
  return [pairHashEndA(a), pairHashEndB(b)];
}

/** The two hashes' states after reading `text` (not yet ended). */
export function pairHashStates(text: string): [number, number] {
  let a = PAIR_HASH_SEED_A;
  let b = PAIR_HASH_SEED_B;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = pairHashStepA(a, c);
    b = pairHashStepB(b, c);
  }
  return [a, b];
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
