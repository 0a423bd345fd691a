import type { FeedEntry, SearchCandidates } from "../../core/ports.js";
import { isPairKey } from "../../core/search-key.js";
import { filterMayHold } from "../pair-filter.js";
import { newestFirst, type Segment } from "./search-segment.js";

/*
 * A query's candidates over the index's segments. In each segment the candidates are the ordinals
 * in a posting of every clause and in none of `without`: sorted lists joined, intersected and
 * subtracted, and since ordinals run newest first, so do they. The segments' lists are then merged
 * newest first, one entry at a time, as far as the caller reads. An entry is skipped when a later
 * segment holds the same release: only a release's newest entry (its current text) counts, so the
 * candidates are exactly the releases whose current text holds a key of every clause and none of
 * `without`, except that a word pair of a filtered segment stands for the releases holding both its
 * words whose pair filter may hold it (a few more, never fewer: `without` names no pairs).
 */

/** Ascending, without repeats: the ordinals in either list. */
export function unionSorted(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x < y) {
      out[n++] = x;
      i++;
    } else if (y < x) {
      out[n++] = y;
      j++;
    } else {
      out[n++] = x;
      i++;
      j++;
    }
  }
  while (i < a.length) out[n++] = a[i++]!;
  while (j < b.length) out[n++] = b[j++]!;
  return out.subarray(0, n);
}

/** First index in `list` at or after `from` whose value is at least `value`. */
function seek(list: Uint32Array, value: number, from: number): number {
  let step = 1;
  let hi = from;
  while (hi < list.length && list[hi]! < value) {
    from = hi + 1;
    hi += step;
    step *= 2;
  }
  hi = Math.min(hi, list.length);
  while (from < hi) {
    const mid = (from + hi) >>> 1;
    if (list[mid]! < value) from = mid + 1;
    else hi = mid;
  }
  return from;
}

/** Ascending: the ordinals in both lists (galloping through the longer one). */
export function intersectSorted(a: Uint32Array, b: Uint32Array): Uint32Array {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  const out = new Uint32Array(short.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < short.length && j < long.length; i++) {
    const x = short[i]!;
    j = seek(long, x, j);
    if (long[j] === x) out[n++] = x;
  }
  return out.subarray(0, n);
}

/** Ascending: the ordinals of `a` not in `b`. */
export function subtractSorted(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length === 0 || b.length === 0) return a;
  const out = new Uint32Array(a.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    j = seek(b, x, j);
    if (b[j] !== x) out[n++] = x;
  }
  return out.subarray(0, n);
}

/**
 * Ordinals of the entries that may hold a key, ascending: its postings, or for a word pair of a
 * filtered segment, the entries holding both words whose filter may hold the pair.
 */
export function keyPostings(segment: Segment, key: string): Uint32Array {
  if (!segment.filtered || !isPairKey(key)) return segment.postings(key);
  const space = key.indexOf(" ");
  const both = intersectSorted(segment.postings(key.slice(0, space)), segment.postings(key.slice(space + 1)));
  let n = 0;
  for (let i = 0; i < both.length; i++) if (filterMayHold(segment.filter(both[i]!), key)) both[n++] = both[i]!;
  return both.subarray(0, n);
}

/** Ordinals of one segment's candidates, ascending (newest first). */
export function candidatesIn(segment: Segment, clauses: readonly (readonly string[])[], without: readonly string[]): Uint32Array {
  let result: Uint32Array | undefined;
  for (const clause of clauses) {
    let union: Uint32Array = new Uint32Array(0);
    for (const key of new Set(clause)) union = unionSorted(union, keyPostings(segment, key));
    result = result ? intersectSorted(result, union) : union;
    if (result.length === 0) return result;
  }
  if (!result) {
    result = new Uint32Array(segment.size);
    for (let i = 0; i < result.length; i++) result[i] = i;
  }
  for (const key of new Set(without)) {
    result = subtractSorted(result, segment.postings(key));
    if (result.length === 0) break;
  }
  return result;
}

/** The candidates of every segment (oldest first, as the manifest lists them), merged newest first. */
export function mergeCandidates(segments: readonly Segment[], lists: readonly Uint32Array[]): SearchCandidates {
  const at = new Array<number>(segments.length).fill(0);
  const heads: (FeedEntry | undefined)[] = segments.map((segment, s) => (lists[s]!.length > 0 ? segment.doc(lists[s]![0]!) : undefined));
  const superseded = (s: number, id: string): boolean => {
    for (let t = s + 1; t < segments.length; t++) if (segments[t]!.holds(id)) return true;
    return false;
  };
  return {
    next: async (n) => {
      const out: FeedEntry[] = [];
      while (out.length < n) {
        let best = -1;
        for (let s = 0; s < heads.length; s++) {
          const head = heads[s];
          if (head && (best < 0 || newestFirst(head, heads[best]!) < 0)) best = s;
        }
        if (best < 0) break;
        const entry = heads[best]!;
        const list = lists[best]!;
        const next = ++at[best]!;
        heads[best] = next < list.length ? segments[best]!.doc(list[next]!) : undefined;
        if (!superseded(best, entry.id)) out.push(entry);
      }
      return out;
    },
  };
}
