import type { Logger } from "../../core/logger.js";
import type { FeedEntry, SearchIndexStore, SearchKeys } from "../../core/ports.js";
import type { StoredRelease } from "../../core/release.js";
import type { Ctx } from "./context.js";
import { yieldNow } from "./disk.js";
import type { LowReleases } from "./releases.js";
import { openBinarySegment, parseJsonSegment, SegmentBuilder, type Segment } from "./search-segment.js";

/*
 * The lowdb engine's search index: segments under `search/`, listed oldest first by
 * `search/manifest.json`. A commit of releases adds one small JSON segment and the new manifest to
 * its own unit of work (so the index never disagrees with the releases); afterwards, when eight
 * segments of one size class pile up at the tail, they are merged into one binary segment (a
 * derived file: written, then the manifest, then the inputs removed; a crash in between leaves
 * only an unlisted file). Work per release stays logarithmic: nothing rewrites the whole index
 * to record one release.
 */

export const SEARCH_MANIFEST = "search/manifest.json";
const MERGE_FANIN = 8;
/** Releases from which a commit's JSON segment is rewritten in the binary form. */
const BINARY_FROM = 256;

interface Manifest {
  /** False once a release was stored without being indexed (an old state, a handle without SearchKeys). */
  complete: boolean;
  /** Number of the next segment file. */
  next: number;
  segments: { file: string; docs: number }[];
}

/** Newest first: London date, then latest update, then id (the order search shows). */
function newestFirst(x: FeedEntry, y: FeedEntry): number {
  return x.date < y.date ? 1 : x.date > y.date ? -1 : x.updatedAt < y.updatedAt ? 1 : x.updatedAt > y.updatedAt ? -1 : x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
}

const sizeClass = (docs: number): number => Math.floor(Math.log2(Math.max(1, docs)) / 3);
const segmentFile = (n: number, ext: "json" | "bin") => `search/seg-${String(n).padStart(8, "0")}.${ext}`;

interface View {
  readonly key: string;
  /** The newest entry of every indexed release. */
  readonly docs: FeedEntry[];
  readonly segments: Segment[];
  /** Per segment: local ordinal → index into `docs`. */
  readonly maps: Int32Array[];
  /** The same, -1 where a later entry of the release supersedes this one (its text is not current). */
  readonly current: Int32Array[];
}

export class LowSearchIndex implements SearchIndexStore {
  private readonly segments = new Map<string, Segment>();
  private view: View | undefined;

  constructor(private readonly ctx: Ctx, private readonly releases: LowReleases, private readonly keys: SearchKeys | undefined, private readonly log: Logger) {}

  private async manifest(): Promise<Manifest | undefined> {
    return this.ctx.disk.readJson<Manifest>(SEARCH_MANIFEST);
  }

  /**
   * Files to add to the unit that stores `releases` (call before staging them), and what to do
   * once that unit is durable (merge segments).
   */
  async stage(releases: readonly StoredRelease[]): Promise<{ files: { path: string; data: string }[]; after: () => Promise<void> }> {
    const none = { files: [], after: async () => {} };
    if (releases.length === 0) return none;
    const held = await this.manifest();
    const m: Manifest = held ?? { complete: (await this.releases.count()) === 0, next: 1, segments: [] };
    if (!this.keys || !m.complete) {
      if (held && !held.complete) return none;
      return { files: [{ path: SEARCH_MANIFEST, data: JSON.stringify({ ...m, complete: false }) }], after: none.after };
    }
    const builder = new SegmentBuilder();
    for (const release of releases) builder.addRelease(release, this.keys);
    const file = segmentFile(m.next, "json");
    const next: Manifest = { complete: true, next: m.next + 1, segments: [...m.segments, { file, docs: builder.docs.length }] };
    return {
      files: [{ path: file, data: builder.toJson() }, { path: SEARCH_MANIFEST, data: JSON.stringify(next) }],
      after: () => this.mergeDue(next).catch((error: unknown) => this.log.warn("search index merge failed", { error: String(error) })),
    };
  }

  /**
   * A big JSON segment (a large import) is rewritten as a binary one at once, so that a query reads
   * only the postings it needs; then the tail is merged while it holds MERGE_FANIN segments of one
   * size class.
   */
  private async mergeDue(m: Manifest): Promise<void> {
    let manifest = m;
    const last = manifest.segments[manifest.segments.length - 1];
    if (last && last.file.endsWith(".json") && last.docs >= BINARY_FROM) manifest = await this.merge(manifest, manifest.segments.length - 1);
    for (;;) {
      const tail = manifest.segments;
      if (tail.length < MERGE_FANIN) return;
      const last = sizeClass(tail[tail.length - 1]!.docs);
      let from = tail.length;
      while (from > 0 && sizeClass(tail[from - 1]!.docs) === last) from--;
      if (tail.length - from < MERGE_FANIN) return;
      manifest = await this.merge(manifest, from);
    }
  }

  private async merge(m: Manifest, from: number): Promise<Manifest> {
    const inputs = m.segments.slice(from);
    const builder = new SegmentBuilder();
    const ordOf = new Map<string, number>();
    const maps: Int32Array[] = [];
    const loaded: Segment[] = [];
    for (const input of inputs) loaded.push(await this.segment(input.file));
    // The newest entry of a release wins; its older postings are dropped (the newest segment holds all its keys).
    for (let s = loaded.length - 1; s >= 0; s--) {
      const docs = loaded[s]!.docs;
      const map = new Int32Array(docs.length).fill(-1);
      // Within a segment too, the later entry of a release committed twice at once wins.
      for (let i = docs.length - 1; i >= 0; i--) {
        const doc = docs[i]!;
        if (ordOf.has(doc.id)) continue;
        const ord = builder.addDoc(doc);
        ordOf.set(doc.id, ord);
        map[i] = ord;
      }
      maps[s] = map;
    }
    const lists = new Map<string, number[]>();
    for (let s = 0; s < loaded.length; s++) {
      const map = maps[s]!;
      for (const [key, ids] of await loaded[s]!.entries()) {
        let list = lists.get(key);
        if (!list) lists.set(key, (list = []));
        for (let i = 0; i < ids.length; i++) {
          const ord = map[ids[i]!]!;
          if (ord >= 0) list.push(ord);
        }
      }
      await yieldNow();
    }
    for (const [key, list] of lists) {
      list.sort((a, b) => a - b);
      for (const ord of list) builder.post(key, ord);
    }
    const file = segmentFile(m.next, "bin");
    await this.ctx.disk.write(file, builder.toBinary());
    const next: Manifest = { complete: m.complete, next: m.next + 1, segments: [...m.segments.slice(0, from), { file, docs: builder.docs.length }] };
    await this.ctx.disk.write(SEARCH_MANIFEST, JSON.stringify(next));
    for (const input of inputs) {
      await this.ctx.disk.remove(input.file);
      this.segments.delete(input.file);
    }
    return next;
  }

  private async segment(file: string): Promise<Segment> {
    const held = this.segments.get(file);
    if (held) return held;
    let segment: Segment;
    if (file.endsWith(".bin")) segment = await openBinarySegment(this.ctx.disk.path(file));
    else {
      const text = await this.ctx.disk.readText(file);
      if (text === undefined) throw Object.assign(new Error(`${file} is missing`), { code: "ENOENT" });
      segment = parseJsonSegment(text);
    }
    this.segments.set(file, segment);
    return segment;
  }

  /** The segments the manifest lists, with the newest entry of each release; undefined when the index is incomplete. */
  private async current(): Promise<View | undefined> {
    const m = await this.manifest();
    if (!m) return (await this.releases.count()) === 0 ? { key: "", docs: [], segments: [], maps: [], current: [] } : undefined;
    if (!m.complete) return undefined;
    const key = m.segments.map((s) => s.file).join(" ");
    if (this.view?.key === key) return this.view;
    const segments: Segment[] = [];
    for (const s of m.segments) segments.push(await this.segment(s.file));
    const docs: FeedEntry[] = [];
    const at = new Map<string, number>();
    const maps: Int32Array[] = new Array(segments.length);
    const current: Int32Array[] = new Array(segments.length);
    for (let s = segments.length - 1; s >= 0; s--) {
      const own = segments[s]!.docs;
      const map = new Int32Array(own.length);
      const live = new Int32Array(own.length).fill(-1);
      for (let i = own.length - 1; i >= 0; i--) {
        const doc = own[i]!;
        let g = at.get(doc.id);
        if (g === undefined) {
          g = docs.push(doc) - 1;
          at.set(doc.id, g);
          live[i] = g;
        }
        map[i] = g;
      }
      maps[s] = map;
      current[s] = live;
    }
    // Newest first once here, so a query's candidates come out in that order by a numeric sort.
    const rank = docs.map((_, i) => i).sort((a, b) => newestFirst(docs[a]!, docs[b]!));
    const placeOf = new Int32Array(docs.length);
    rank.forEach((g, place) => {
      placeOf[g] = place;
    });
    const sorted = rank.map((g) => docs[g]!);
    for (const map of maps) for (let i = 0; i < map.length; i++) map[i] = placeOf[map[i]!]!;
    for (const live of current) for (let i = 0; i < live.length; i++) if (live[i]! >= 0) live[i] = placeOf[live[i]!]!;
    // Files no longer listed are dropped from memory.
    const listed = new Set(m.segments.map((s) => s.file));
    for (const file of this.segments.keys()) if (!listed.has(file)) this.segments.delete(file);
    this.view = { key, docs: sorted, segments, maps, current };
    return this.view;
  }

  async candidates(clauses: readonly (readonly string[])[], without: readonly string[] = []): Promise<FeedEntry[] | undefined> {
    await this.ctx.before();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.match(clauses, without);
      } catch (error) {
        // A merge by the writer removed a segment between reading the manifest and the file.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 2) throw error;
        this.view = undefined;
      }
    }
  }

  private async match(clauses: readonly (readonly string[])[], without: readonly string[]): Promise<FeedEntry[] | undefined> {
    const view = await this.current();
    if (!view) return undefined;
    // Releases whose current text holds a key of `without` (postings of superseded entries do not count).
    const excluded = new Uint8Array(view.docs.length);
    for (const key of new Set(without)) {
      for (let s = 0; s < view.segments.length; s++) {
        const ids = await view.segments[s]!.postings(key);
        const live = view.current[s]!;
        for (let i = 0; i < ids.length; i++) {
          const g = live[ids[i]!]!;
          if (g >= 0) excluded[g] = 1;
        }
      }
    }
    if (clauses.length === 0) return view.docs.filter((_, g) => excluded[g] === 0);
    let result: Set<number> | undefined;
    let steps = 0;
    for (const clause of clauses) {
      const union = new Set<number>();
      for (const key of new Set(clause)) {
        for (let s = 0; s < view.segments.length; s++) {
          const ids = await view.segments[s]!.postings(key);
          // A server answers other requests between the postings of a common word.
          if ((steps += ids.length) > 20_000) {
            steps = 0;
            await yieldNow();
          }
          const map = view.maps[s]!;
          for (let i = 0; i < ids.length; i++) {
            const g = map[ids[i]!]!;
            if (excluded[g] === 0 && (!result || result.has(g))) union.add(g);
          }
        }
      }
      result = union;
      if (result.size === 0) break;
    }
    const places = Int32Array.from(result ?? []).sort();
    return Array.from(places, (g) => view.docs[g]!);
  }

  async rebuild(): Promise<number> {
    const keys = this.keys;
    if (!keys) throw new Error("store: the search index cannot be rebuilt by a handle opened without search keys");
    return this.ctx.write(async () => {
      const old = await this.manifest();
      const builder = new SegmentBuilder();
      let n = 0;
      for await (const release of this.releases.all()) {
        builder.addRelease(release, keys);
        if (++n % 500 === 0) await yieldNow();
      }
      const next = old?.next ?? 1;
      const file = segmentFile(next, "bin");
      await this.ctx.disk.write(file, builder.toBinary());
      await this.ctx.disk.write(SEARCH_MANIFEST, JSON.stringify({ complete: true, next: next + 1, segments: [{ file, docs: builder.docs.length }] } satisfies Manifest));
      // Segments of the old manifest, and any a crash left unlisted.
      for (const name of await this.ctx.disk.list("search")) {
        const rel = `search/${name}`;
        if (rel !== file && rel !== SEARCH_MANIFEST && /^seg-\d+\.(json|bin)$/.test(name)) await this.ctx.disk.remove(rel);
      }
      this.segments.clear();
      this.view = undefined;
      return builder.docs.length;
    });
  }
}
