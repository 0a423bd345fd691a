import { newestFirst } from "../../core/newest-first.js";
import type { FeedEntry, SearchKeys } from "../../core/ports.js";
import type { StoredRelease } from "../../core/release.js";

/*
 * One segment of the persisted search index: some releases and, per key, the releases holding it.
 * Inside a segment each release appears once (its last entry) and entries are numbered newest
 * first (ordinal 0 is the segment's newest release), so a key's postings, kept ascending, list its
 * releases newest first: a query reads the front of a few postings, never the whole segment.
 *
 * Three encodings of that content:
 * - small segments written by a commit, inside its unit of work (a journal step is text): JSON
 *   `{"docs": [[id, date, updatedAt]…], "keys": {key: [ordinal…]}}`, in commit order (numbered
 *   newest first when read);
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
  /** Every entry (by ordinal) and every key with its postings (merging). */
  contents(): Promise<SegmentContents>;
  /** Releases its file (a file segment keeps it open). */
  close(): void;
}

/**
 * A segment's content: entries newest first; keys sorted (JavaScript string order), key `i` holding
 * `postings[offsets[i]]…postings[offsets[i + 1] - 1]` (ascending). Flat, so that merging a hundred
 * thousand releases' keys makes no object per key.
 */
export interface SegmentContents {
  readonly docs: readonly FeedEntry[];
  readonly keys: readonly string[];
  readonly offsets: Uint32Array;
  readonly postings: Uint32Array;
}

export { newestFirst };

const EMPTY = new Uint32Array(0);
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Each release's last entry, numbered newest first: `rank[ordinal]` is its place, -1 for an entry a later one supersedes. */
export function rankNewestFirst(docs: readonly FeedEntry[]): { live: FeedEntry[]; rank: Int32Array } {
  const last = new Map<string, number>();
  docs.forEach((doc, i) => last.set(doc.id, i));
  const order = [...last.values()].sort((a, b) => newestFirst(docs[a]!, docs[b]!));
  const rank = new Int32Array(docs.length).fill(-1);
  order.forEach((ord, place) => {
    rank[ord] = place;
  });
  return { live: order.map((ord) => docs[ord]!), rank };
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

  finish(docs: FeedEntry[]): SegmentContents {
    return { docs, keys: this.keys, offsets: Uint32Array.from(this.offsets), postings: this.out.slice(0, this.at) };
  }
}

/**
 * Numbers entries newest first, keeping each release's last entry (a later entry of a release
 * supersedes its earlier ones, whose postings are dropped), and renumbers the postings. `keys` are
 * distinct, in any order; `listOf(key)` gives a key's ordinals into `docs`.
 */
export function finishSegment(docs: readonly FeedEntry[], keys: readonly string[], listOf: (key: string) => ArrayLike<number>): SegmentContents {
  const { live, rank } = rankNewestFirst(docs);
  let capacity = 0;
  for (const key of keys) capacity += listOf(key).length;
  const writer = new PostingsWriter(capacity, rank);
  for (const key of [...keys].sort(byString)) writer.add(key, [{ ords: listOf(key), shift: 0 }]);
  return writer.finish(live);
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
export function joinContents(parts: readonly SegmentContents[]): SegmentContents {
  const docs = parts.flatMap((p) => p.docs);
  const { live, rank } = rankNewestFirst(docs);
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
  return writer.finish(live);
}

/** A segment held in memory (a JSON segment, or an earlier version's binary one). */
export function memorySegment(contents: SegmentContents): Segment {
  const ids = new Set(contents.docs.map((d) => d.id));
  return {
    size: contents.docs.length,
    postings: (key) => postingsOf(contents, key),
    doc: (ord) => contents.docs[ord]!,
    holds: (id) => ids.has(id),
    contents: async () => contents,
    close: () => {},
  };
}

/** Docs and postings built in memory, from releases or by merging segments. */
export class SegmentBuilder {
  readonly docs: FeedEntry[] = [];
  /** Per key, its ordinals (plain arrays: most keys, word pairs above all, hold one or two). */
  private readonly lists = new Map<string, number[]>();

  addRelease(release: StoredRelease, keys: SearchKeys): void {
    const ord = this.docs.length;
    this.docs.push({ id: release.id, date: release.date, updatedAt: release.updatedAt });
    for (const key of keys(release)) this.post(key, ord); // a repeated key is posted once (see post)
  }

  /** Ordinals must be posted in ascending order per key. */
  post(key: string, ord: number): void {
    const list = this.lists.get(key);
    if (!list) this.lists.set(key, [ord]);
    else if (list[list.length - 1] !== ord) list.push(ord);
  }

  /** The JSON encoding (a commit's segment), entries in the order added. */
  toJson(): string {
    const keys: Record<string, number[]> = {};
    for (const [key, list] of this.lists) keys[key] = list;
    return JSON.stringify({ docs: this.docs.map((d) => [d.id, d.date, d.updatedAt]), keys });
  }

  /** Each release once, newest first. */
  finish(): SegmentContents {
    return finishSegment(this.docs, [...this.lists.keys()], (key) => this.lists.get(key)!);
  }
}

/** A JSON segment (small: read whole). */
export function parseJsonSegment(text: string): Segment {
  const data = JSON.parse(text) as { docs: [string, string, string][]; keys: Record<string, number[]> };
  const docs = data.docs.map(([id, date, updatedAt]) => ({ id, date, updatedAt }));
  return memorySegment(finishSegment(docs, Object.keys(data.keys), (key) => data.keys[key]!));
}
