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

import { pairHashes } from "../core/search-key.js";

/** Bits of filter per distinct pair, and bits set per pair (k = 5: about 1% false positives at 10 bits). */
const BITS_PER_PAIR = 10;
export const PAIR_PROBES = 5;
/** The smallest filter, and filters grow in steps of 8 bytes. */
const MIN_BYTES = 16;

/**
 * The filter of a release's pairs, given as their `pairHashes` (two numbers a pair, each pair once):
 * bit n is bit n % 8 (least significant first) of byte n / 8, as PostgreSQL's get_bit reads it.
 */
export function pairFilter(hashes: Uint32Array): Buffer {
  const pairs = hashes.length >>> 1;
  const bytes = Math.max(MIN_BYTES, Math.ceil((pairs * BITS_PER_PAIR) / 64) * 8);
  const bits = bytes * 8;
  const out = Buffer.alloc(bytes);
  for (let p = 0; p < hashes.length; p += 2) {
    // Probe i is (h1 + i * h2) % bits, stepped without a modulo of a large number per probe.
    let n = hashes[p]! % bits;
    const step = hashes[p + 1]! % bits;
    for (let i = 0; i < PAIR_PROBES; i++) {
      out[n >>> 3]! |= 1 << (n & 7);
      n += step;
      if (n >= bits) n -= bits;
    }
  }
  return out;
}

/** The filter of pairs given as keys (`pairKey`). */
export function pairFilterOfKeys(pairs: readonly string[]): Buffer {
  const hashes = new Uint32Array(pairs.length * 2);
  pairs.forEach((pair, i) => hashes.set(pairHashes(pair), i * 2));
  return pairFilter(hashes);
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
