/*
 * The word pairs of a release as a Bloom filter, so a phrase narrows its candidates without an
 * index entry per pair (a release has about twice as many distinct pairs as words, and indexing
 * them was most of the cost of storing a release on either engine). PostgreSQL keeps the filter in
 * `search_docs.pairs` (bytea) and tests it in SQL as its newest-first walk reads a row; lowdb keeps
 * one per entry of a search segment and tests it on the releases holding both words. It may say a
 * pair is there when it is not (about 1 in 100 at 10 bits a pair), which only adds a candidate that
 * search's own test rejects; it never says a pair is missing when it is there, and it is only ever
 * used to keep a release, never to leave one out. The hashes are part of both stored formats:
 * changing them needs every filter written again.
 */

import { isPairKey } from "../core/search-key.js";

/** Bits of filter per distinct pair, and bits set per pair (k = 5: about 1% false positives at 10 bits). */
const BITS_PER_PAIR = 10;
export const PAIR_PROBES = 5;
/** The smallest filter, and filters grow in steps of 8 bytes. */
const MIN_BYTES = 16;

/** Two 32-bit hashes of a key's UTF-16 code units (FNV-1a and a multiply-xorshift), the second odd. */
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

/** The filter of a release's pairs: bit n is bit n % 8 (least significant first) of byte n / 8, as PostgreSQL's get_bit reads it. */
export function pairFilter(pairs: readonly string[]): Buffer {
  const bytes = Math.max(MIN_BYTES, Math.ceil((pairs.length * BITS_PER_PAIR) / 64) * 8);
  const bits = bytes * 8;
  const out = Buffer.alloc(bytes);
  for (const pair of pairs) {
    const [h1, h2] = pairHashes(pair);
    for (let i = 0; i < PAIR_PROBES; i++) {
      const n = (h1 + i * h2) % bits;
      out[n >>> 3]! |= 1 << (n & 7);
    }
  }
  return out;
}

/** Whether a filter may hold a pair (the test SQL makes, for tests and for reading a filter here). */
export function filterMayHold(filter: Uint8Array, pair: string): boolean {
  const bits = filter.length * 8;
  const [h1, h2] = pairHashes(pair);
  for (let i = 0; i < PAIR_PROBES; i++) {
    const n = (h1 + i * h2) % bits;
    if ((filter[n >>> 3]! & (1 << (n & 7))) === 0) return false;
  }
  return true;
}

/**
 * A release's keys as both engines keep them: its words and `kind:` keys, indexed one by one, and
 * the filter of its word pairs (`isPairKey`), in the order given.
 */
export function splitPairs(keys: Iterable<string>): { words: string[]; filter: Buffer } {
  const words: string[] = [];
  const pairs: string[] = [];
  for (const key of keys) (isPairKey(key) ? pairs : words).push(key);
  return { words, filter: pairFilter(pairs) };
}
