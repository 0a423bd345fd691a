/*
 * The word pairs of a release as a Bloom filter (`search_docs.pairs`, bytea), so a phrase narrows
 * its candidates without pairs under the GIN index (most of the cost of storing a release there):
 * the filter is one small value per row, tested in SQL as the newest-first walk reads the row. It
 * may say a pair is there when it is not (about 1 in 100 at 10 bits a pair), which only adds a
 * candidate that search's own test rejects; it never says a pair is missing when it is there, and
 * it is only ever used to keep a release, never to leave one out. The hashes are part of the stored
 * format: changing them needs a migration that writes every filter again.
 */

/** Bits of filter per distinct pair, and bits set per pair (k = 5: about 1% false positives at 10 bits). */
const BITS_PER_PAIR = 10;
const PROBES = 5;
/** The smallest filter, and filters grow in steps of 8 bytes. */
const MIN_BYTES = 16;

/** Two 32-bit hashes of a key's UTF-16 code units (FNV-1a and a multiply-xorshift), the second odd. */
function hashes(key: string): [number, number] {
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
    const [h1, h2] = hashes(pair);
    for (let i = 0; i < PROBES; i++) {
      const n = (h1 + i * h2) % bits;
      out[n >>> 3]! |= 1 << (n & 7);
    }
  }
  return out;
}

/** Whether a filter may hold a pair (the test SQL makes, for tests and for reading a filter here). */
export function filterMayHold(filter: Buffer, pair: string): boolean {
  const bits = filter.length * 8;
  const [h1, h2] = hashes(pair);
  for (let i = 0; i < PROBES; i++) {
    const n = (h1 + i * h2) % bits;
    if ((filter[n >>> 3]! & (1 << (n & 7))) === 0) return false;
  }
  return true;
}

/**
 * SQL true when the filter in `column` may hold `pair`: the probes as integer literals (made here
 * from numbers, never from the pair's text), each taken modulo the row's filter size.
 */
export function mayHoldSql(column: string, pair: string): string {
  const [h1, h2] = hashes(pair);
  const probes: string[] = [];
  for (let i = 0; i < PROBES; i++) probes.push(`get_bit(${column}, (${h1 + i * h2}::int8 % (octet_length(${column}) * 8))::int) = 1`);
  return probes.join(" and ");
}
