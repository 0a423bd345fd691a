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

/** A segment's content: entries newest first, keys sorted, each with its ascending ordinals. */
export interface SegmentContents {
  readonly docs: readonly FeedEntry[];
  readonly keys: readonly string[];
  readonly postings: readonly Uint32Array[];
}

/** Newest first: London date, then latest update, then id (the order search shows). */
export function newestFirst(x: FeedEntry, y: FeedEntry): number {
  return x.date < y.date ? 1 : x.date > y.date ? -1 : x.updatedAt < y.updatedAt ? 1 : x.updatedAt > y.updatedAt ? -1 : x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
}

const EMPTY = new Uint32Array(0);

/**
 * Numbers entries newest first, keeping each release's last entry (a later entry of a release
 * supersedes its earlier ones, whose postings are dropped), and renumbers the postings. `lists`
 * gives each key once, with its ordinals into `docs`.
 */
export function finishSegment(docs: readonly FeedEntry[], lists: Iterable<readonly [string, ArrayLike<number>]>): SegmentContents {
  const last = new Map<string, number>();
  docs.forEach((doc, i) => last.set(doc.id, i));
  const live = [...last.values()].sort((a, b) => newestFirst(docs[a]!, docs[b]!));
  const rank = new Int32Array(docs.length).fill(-1);
  live.forEach((ord, place) => {
    rank[ord] = place;
  });
  const out: { key: string; postings: Uint32Array }[] = [];
  for (const [key, ords] of lists) {
    let n = 0;
    for (let i = 0; i < ords.length; i++) if (rank[ords[i]!]! >= 0) n++;
    if (n === 0) continue;
    const places = new Uint32Array(n);
    n = 0;
    for (let i = 0; i < ords.length; i++) {
      const place = rank[ords[i]!]!;
      if (place >= 0) places[n++] = place;
    }
    places.sort();
    // A key listed twice for one entry (a hand-made file) is kept once.
    let m = 1;
    for (let i = 1; i < places.length; i++) if (places[i] !== places[m - 1]) places[m++] = places[i]!;
    out.push({ key, postings: m === places.length ? places : places.slice(0, m) });
  }
  out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { docs: live.map((ord) => docs[ord]!), keys: out.map((e) => e.key), postings: out.map((e) => e.postings) };
}

/** A segment held in memory (a JSON segment, or an earlier version's binary one). */
export function memorySegment(contents: SegmentContents): Segment {
  const byKey = new Map<string, Uint32Array>();
  contents.keys.forEach((key, i) => byKey.set(key, contents.postings[i]!));
  const ids = new Set(contents.docs.map((d) => d.id));
  return {
    size: contents.docs.length,
    postings: (key) => byKey.get(key) ?? EMPTY,
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
    return finishSegment(this.docs, this.lists);
  }
}

/** A JSON segment (small: read whole). */
export function parseJsonSegment(text: string): Segment {
  const data = JSON.parse(text) as { docs: [string, string, string][]; keys: Record<string, number[]> };
  const docs = data.docs.map(([id, date, updatedAt]) => ({ id, date, updatedAt }));
  return memorySegment(finishSegment(docs, Object.entries(data.keys)));
}
