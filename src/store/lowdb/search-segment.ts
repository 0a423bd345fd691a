import { newestFirst } from "../../core/newest-first.js";
import type { FeedEntry, SearchKeys } from "../../core/ports.js";
import { isPairKey } from "../../core/search-key.js";
import { pairFilter, pairFilterOfKeys } from "../pair-filter.js";
import { stringOrder } from "./key-order.js";
import type { IndexedRelease } from "./packed-releases.js";

/*
 * One segment of the persisted search index: some releases and, per key, the releases holding it.
 * Inside a segment each release appears once (its last entry) and entries are numbered newest
 * first (ordinal 0 is the segment's newest release), so a key's postings, kept ascending, list its
 * releases newest first: a query reads the front of a few postings, never the whole segment.
 *
 * Word pairs (`isPairKey`) get no postings: a release has about twice as many distinct pairs as
 * words, and posting them was most of the index's cost to build and to merge (an import of 20,000
 * releases merged millions of distinct pair keys at once). Each entry carries the Bloom filter of
 * its pairs instead (src/store/pair-filter.ts), and a pair's candidates are the releases holding
 * both its words whose filter may hold it (segment-candidates.ts): a few more, never fewer.
 * Segments of earlier versions post their pairs (`filtered` false); merging turns their pair
 * postings into filters (`withPairFilters`).
 *
 * Three encodings of that content:
 * - small segments written by a commit, inside its unit of work (a journal step is text): JSON
 *   `{"docs": [[id, date, updatedAt, filter (base64)]…], "keys": {key: [ordinal…]}}`, in commit
 *   order (numbered newest first when read); earlier versions wrote no filter and posted pairs;
 * - merged segments, `.idx` (search-segment-file.ts): binary, read piecemeal;
 * - `.bin` segments of earlier versions (search-segment-v1.ts): read whole, rewritten as `.idx` by
 *   the next writer.
 */

export interface Segment {
  /** Releases held. */
  readonly size: number;
  /** Ordinals of the releases holding `key`, ascending (newest first). */
  postings(key: string): Uint32Array;
  /** The entry at an ordinal. */
  doc(ord: number): FeedEntry;
  /** Whether the segment holds an entry of the release. */
  holds(id: string): boolean;
  /** Whether word pairs are in the entries' filters (`filter`) rather than posted (segments of earlier versions). */
  readonly filtered: boolean;
  /** The pair filter of the entry at an ordinal (a filtered segment). */
  filter(ord: number): Uint8Array;
  /** Every entry (by ordinal) and every key with its postings (merging). */
  contents(): Promise<SegmentContents>;
  /** Releases its file (a file segment keeps it open). */
  close(): void;
}

/**
 * A segment's content: entries newest first; keys sorted (JavaScript string order), key `i` holding
 * `postings[offsets[i]]…postings[offsets[i + 1] - 1]` (ascending). Flat, so that merging a hundred
 * thousand releases' keys makes no object per key. `filters` (one per entry) holds the entries'
 * word pairs, and then `keys` holds none; without it (an earlier version's segment) pairs are keys.
 */
export interface SegmentContents {
  readonly docs: readonly FeedEntry[];
  readonly keys: readonly string[];
  readonly offsets: Uint32Array;
  readonly postings: Uint32Array;
  readonly filters?: readonly Uint8Array[];
}

export { newestFirst };

const EMPTY = new Uint32Array(0);

/**
 * Each release's last entry, numbered newest first: `rank[ordinal]` is its place, -1 for an entry a
 * later one supersedes; `order[place]` is the ordinal at a place.
 */
export function rankNewestFirst(docs: readonly FeedEntry[]): { live: FeedEntry[]; rank: Int32Array; order: number[] } {
  const last = new Map<string, number>();
  docs.forEach((doc, i) => last.set(doc.id, i));
  const order = [...last.values()].sort((a, b) => newestFirst(docs[a]!, docs[b]!));
  const rank = new Int32Array(docs.length).fill(-1);
  order.forEach((ord, place) => {
    rank[ord] = place;
  });
  return { live: order.map((ord) => docs[ord]!), rank, order };
}

/** Postings laid end to end: each key's places are appended, sorted and kept once. */
class PostingsWriter {
  readonly keys: string[] = [];
  private readonly offsets: number[] = [0];
  private at = 0;
  private readonly out: Uint32Array;

  constructor(capacity: number, private readonly rank: Int32Array) {
    this.out = new Uint32Array(capacity);
  }

  /** Appends `ords` (ordinals into the joined entries, each `shift`ed) as places; a key with none left is dropped. */
  add(key: string, lists: readonly { ords: ArrayLike<number>; shift: number }[]): void {
    const from = this.at;
    for (const { ords, shift } of lists) {
      for (let i = 0; i < ords.length; i++) {
        const place = this.rank[ords[i]! + shift]!;
        if (place >= 0) this.out[this.at++] = place;
      }
    }
    if (this.at === from) return;
    const own = this.out.subarray(from, this.at).sort();
    // A key listed twice for one entry (a hand-made file) is kept once.
    let n = 1;
    for (let i = 1; i < own.length; i++) if (own[i] !== own[n - 1]) own[n++] = own[i]!;
    this.at = from + n;
    this.keys.push(key);
    this.offsets.push(this.at);
  }

  finish(docs: FeedEntry[], filters: readonly Uint8Array[] | undefined): SegmentContents {
    // The buffer itself when it is full (a merge whose entries all stay): a copy of a merge's
    // postings, most of its file, would stand beside them until both are written.
    const postings = this.at === this.out.length ? this.out : this.out.slice(0, this.at);
    return { docs, keys: this.keys, offsets: Uint32Array.from(this.offsets), postings, ...(filters ? { filters } : {}) };
  }
}

/**
 * Numbers entries newest first, keeping each release's last entry (a later entry of a release
 * supersedes its earlier ones, whose postings are dropped), and renumbers the postings. `keys` are
 * distinct, in any order; `listOf(key, k)` gives the ordinals into `docs` of the key `keys[k]`;
 * `filters`, when given, are the entries' pair filters (in the order of `docs`), and then `keys`
 * hold no pair. `postings`, when the caller knows it, is the sum of the lists' lengths (otherwise
 * each list is asked for twice).
 */
export function finishSegment(docs: readonly FeedEntry[], keys: readonly string[], listOf: (key: string, k: number) => ArrayLike<number>, filters?: readonly Uint8Array[], postings?: number): SegmentContents {
  const { live, rank, order } = rankNewestFirst(docs);
  let capacity = postings ?? 0;
  if (postings === undefined) keys.forEach((key, k) => (capacity += listOf(key, k).length));
  const writer = new PostingsWriter(capacity, rank);
  for (const k of stringOrder(keys)) writer.add(keys[k]!, [{ ords: listOf(keys[k]!, k), shift: 0 }]);
  return writer.finish(live, filters && order.map((ord) => filters[ord]!));
}

/**
 * The content with its word pairs in per-entry filters: as it is when it has them, otherwise (a
 * segment of an earlier version) its pair keys taken out and each entry's pairs made into its filter.
 */
export function withPairFilters(contents: SegmentContents): SegmentContents {
  if (contents.filters) return contents;
  const { keys, offsets, postings } = contents;
  const pairsOf: string[][] = contents.docs.map(() => []);
  const kept: string[] = [];
  const keptOffsets: number[] = [0];
  const keptPostings: Uint32Array[] = [];
  let at = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const own = postings.subarray(offsets[i]!, offsets[i + 1]!);
    if (isPairKey(key)) {
      for (const ord of own) pairsOf[ord]!.push(key);
      continue;
    }
    kept.push(key);
    keptPostings.push(own);
    keptOffsets.push((at += own.length));
  }
  const flat = new Uint32Array(at);
  let to = 0;
  for (const own of keptPostings) {
    flat.set(own, to);
    to += own.length;
  }
  return { docs: contents.docs, keys: kept, offsets: Uint32Array.from(keptOffsets), postings: flat, filters: pairsOf.map((pairs) => pairFilterOfKeys(pairs)) };
}

/** A key's postings in a segment's content (by binary search over its sorted keys). */
function postingsOf(contents: SegmentContents, key: string): Uint32Array {
  const { keys } = contents;
  let lo = 0;
  let hi = keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid]!;
    if (k === key) return contents.postings.subarray(contents.offsets[mid]!, contents.offsets[mid + 1]!);
    if (k < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return EMPTY;
}

/**
 * Joins segments' contents (oldest first) into one: a later segment's entry of a release supersedes
 * an earlier one's. Keys are merged in order, a key at a time, so no map of every key is built.
 */
export function joinContents(given: readonly SegmentContents[]): SegmentContents {
  const parts = given.map(withPairFilters);
  const docs = parts.flatMap((p) => p.docs);
  const filters = parts.flatMap((p) => p.filters!);
  const { live, rank, order } = rankNewestFirst(docs);
  const shifts: number[] = [];
  let shift = 0;
  for (const part of parts) {
    shifts.push(shift);
    shift += part.docs.length;
  }
  const writer = new PostingsWriter(parts.reduce((n, p) => n + p.postings.length, 0), rank);
  const at = parts.map(() => 0);
  for (;;) {
    let key: string | undefined;
    for (let p = 0; p < parts.length; p++) {
      const k = parts[p]!.keys[at[p]!];
      if (k !== undefined && (key === undefined || k < key)) key = k;
    }
    if (key === undefined) break;
    const lists: { ords: Uint32Array; shift: number }[] = [];
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p]!;
      const i = at[p]!;
      if (part.keys[i] !== key) continue;
      lists.push({ ords: part.postings.subarray(part.offsets[i]!, part.offsets[i + 1]!), shift: shifts[p]! });
      at[p] = i + 1;
    }
    writer.add(key, lists);
  }
  return writer.finish(live, order.map((ord) => filters[ord]!));
}

/** A segment held in memory (a JSON segment, or an earlier version's binary one). */
export function memorySegment(contents: SegmentContents): Segment {
  const ids = new Set(contents.docs.map((d) => d.id));
  const { filters } = contents;
  return {
    size: contents.docs.length,
    postings: (key) => postingsOf(contents, key),
    doc: (ord) => contents.docs[ord]!,
    holds: (id) => ids.has(id),
    filtered: filters !== undefined,
    filter: (ord) => filters![ord]!,
    contents: async () => contents,
    close: () => {},
  };
}

/** Docs and postings built in memory, from releases. */
export class SegmentBuilder {
  readonly docs: FeedEntry[] = [];
  /** Per entry, the filter of its word pairs. */
  private readonly filters: Uint8Array[] = [];
  /** Per key number (in the order first posted), the key; per key number, the entry it was last posted to. */
  private readonly keys: string[] = [];
  private lastOrd = new Int32Array(1 << 12);
  /**
   * Key numbers by key, for the keys not found through `byTerm`: unnumbered words (the `kind:`
   * key), and, once a segment's releases came in two numberings or none (`mixed`), every key.
   */
  private readonly numbers = new Map<string, number>();
  /** Whether every key is in `numbers` (see `mix`). */
  private mixed = false;
  /**
   * Every posting as it came, a key's number and an entry's ordinal side by side: no list per key
   * (a unit of an import posts half a million keys, most of them to one or two entries).
   */
  private posts = new Int32Array(1 << 16);
  private count = 0;
  /**
   * Per term number of the keys' numbering (`ReleaseKeys.numbers`), its key's number + 1 (0: not
   * known yet): a key is found so, not looked up by its string (a map of tens of thousands of keys
   * per segment, growing as they came, was a quarter of a build).
   */
  private byTerm = new Int32Array(0);
  private space: object | undefined;

  addRelease(release: IndexedRelease, keys: SearchKeys): void {
    const ord = this.docs.length;
    this.docs.push({ id: release.id, date: release.date, updatedAt: release.updatedAt });
    const { words, pairs, numbers } = keys(release);
    if (!numbers || (this.space !== undefined && numbers.space !== this.space)) this.mix();
    if (numbers && numbers.space !== this.space) {
      this.space = numbers.space;
      this.byTerm.fill(0);
    }
    // A repeated key is posted once (see post).
    if (!numbers) for (const key of words) this.post(key, ord);
    else {
      for (let i = 0; i < words.length; i++) {
        const id = numbers.ids[i]!;
        if (id < 0) {
          this.post(words[i]!, ord);
          continue;
        }
        if (id >= this.byTerm.length) this.byTerm = grownTo(this.byTerm, id + 1);
        const known = this.byTerm[id]!;
        if (known > 0) this.postNumber(known - 1, ord);
        else this.byTerm[id] = (this.mixed ? this.post(words[i]!, ord) : this.postNew(words[i]!, ord)) + 1;
      }
    }
    this.filters.push(pairFilter(pairs));
  }

  /**
   * From here on every key is found by its string: the keys numbered so far join `numbers`. A
   * numbering holds for one `space` only (a word numbered in one may come again in another), and a
   * release without one names its keys by string alone.
   */
  private mix(): void {
    if (this.mixed) return;
    this.mixed = true;
    this.keys.forEach((key, k) => this.numbers.set(key, k));
  }

  /** Ordinals must be posted in ascending order per key. Returns the key's number. */
  post(key: string, ord: number): number {
    let k = this.numbers.get(key);
    if (k === undefined) {
      k = this.newKey(key);
      this.numbers.set(key, k);
    }
    this.postNumber(k, ord);
    return k;
  }

  /**
   * Posts a numbered word not posted before under its numbering: within one numbering a word has
   * one number, and no unnumbered word equals a numbered one, so it is new to the segment.
   */
  private postNew(key: string, ord: number): number {
    const k = this.newKey(key);
    this.postNumber(k, ord);
    return k;
  }

  /** The number of a key not yet in the segment. */
  private newKey(key: string): number {
    const k = this.keys.length;
    this.keys.push(key);
    if (k === this.lastOrd.length) this.lastOrd = grown(this.lastOrd);
    return k;
  }

  /** Posts the key numbered `k`, once per entry. */
  private postNumber(k: number, ord: number): void {
    // `lastOrd` holds the entry a key was last posted to, + 1 (0: never).
    if (this.lastOrd[k] === ord + 1) return;
    this.lastOrd[k] = ord + 1;
    if (this.count * 2 === this.posts.length) this.posts = grown(this.posts);
    this.posts[this.count * 2] = k;
    this.posts[this.count * 2 + 1] = ord;
    this.count++;
  }

  /** Each key's ordinals, ascending: `ords[starts[k]]…ords[starts[k + 1] - 1]` for key number k (postings grouped by a counting sort). */
  private grouped(): { starts: Int32Array; ords: Int32Array } {
    const { posts, count } = this;
    const starts = new Int32Array(this.keys.length + 1);
    for (let i = 0; i < count; i++) starts[posts[i * 2]! + 1]!++;
    for (let k = 0; k < this.keys.length; k++) starts[k + 1]! += starts[k]!;
    const fill = starts.slice(0, this.keys.length);
    const ords = new Int32Array(count);
    // Postings came in ascending ordinal order, so each key's stay ascending.
    for (let i = 0; i < count; i++) ords[fill[posts[i * 2]!]!++] = posts[i * 2 + 1]!;
    return { starts, ords };
  }

  /** The JSON encoding (a commit's segment), entries in the order added. */
  toJson(): string {
    const { starts, ords } = this.grouped();
    const keys: Record<string, number[]> = {};
    this.keys.forEach((key, k) => {
      keys[key] = Array.from(ords.subarray(starts[k]!, starts[k + 1]!));
    });
    return JSON.stringify({ docs: this.docs.map((d, i) => [d.id, d.date, d.updatedAt, Buffer.from(this.filters[i]!).toString("base64")]), keys });
  }

  /** Each release once, newest first. */
  finish(): SegmentContents {
    const { starts, ords } = this.grouped();
    return finishSegment(this.docs, this.keys, (_, k) => ords.subarray(starts[k]!, starts[k + 1]!), this.filters, ords.length);
  }
}

/** A copy of `a` twice as long. */
function grown(a: Int32Array): Int32Array<ArrayBuffer> {
  return grownTo(a, a.length * 2);
}

/** A copy of `a` at least `length` long (at least twice as long as it was). */
function grownTo(a: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(Math.max(length, a.length * 2, 1024));
  out.set(a);
  return out;
}

/** A JSON segment (small: read whole); one of an earlier version has no filters and posts its pairs. */
export function parseJsonSegment(text: string): Segment {
  const data = JSON.parse(text) as { docs: ([string, string, string] | [string, string, string, string])[]; keys: Record<string, number[]> };
  const docs = data.docs.map(([id, date, updatedAt]) => ({ id, date, updatedAt }));
  const filtered = data.docs.length > 0 && data.docs.every((d) => typeof d[3] === "string");
  const filters = filtered ? data.docs.map((d) => Buffer.from(d[3]!, "base64")) : undefined;
  return memorySegment(finishSegment(docs, Object.keys(data.keys), (key) => data.keys[key]!, filters));
}
