import { pairHashes } from "../../core/search-key.js";
import { PAIR_PROBES } from "../pair-filter.js";

/**
 * SQL true when the filter in `column` may hold `pair`: the probes as integer literals (made here
 * from numbers, never from the pair's text), each taken modulo the row's filter size.
 */
export function mayHoldSql(column: string, pair: string): string {
  const [h1, h2] = pairHashes(pair);
  const probes: string[] = [];
  for (let i = 0; i < PAIR_PROBES; i++) probes.push(`get_bit(${column}, (${h1 + i * h2}::int8 % (octet_length(${column}) * 8))::int) = 1`);
  return probes.join(" and ");
}
