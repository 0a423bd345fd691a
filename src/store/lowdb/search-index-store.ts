import type { Logger } from "../../core/logger.js";
import type { SearchCandidates, SearchIndexStore, SearchKeys } from "../../core/ports.js";
import type { StoredRelease } from "../../core/release.js";
import type { Ctx } from "./context.js";
import { yieldNow } from "./disk.js";
import type { LowReleases } from "./releases.js";
import { joinContents, parseJsonSegment, SegmentBuilder, type Segment, type SegmentContents } from "./search-segment.js";
import { openFileSegment, segmentPieces } from "./search-segment-file.js";
import { readV1Segment } from "./search-segment-v1.js";
import { candidatesIn, mergeCandidates } from "./segment-candidates.js";

/*
 * The lowdb engine's search index: segments under `search/`, listed oldest first by
 * `search/manifest.json`. A commit of releases adds one small JSON segment and the new manifest to
 * its own unit of work (so the index never disagrees with the releases); a big commit (an import)
 * writes its segment as `.idx` just before its unit, which adds the manifest listing it. Afterwards, when four
 * segments of one size class pile up at the tail, they are merged into one `.idx` segment (a
 * derived file: written, then the manifest, then the inputs removed; a crash in between leaves
 * only an unlisted file), up to MAX_MERGED_DOCS releases a segment. Work per release stays
 * logarithmic: nothing rewrites the whole index to record one release. A query opens each segment cheaply and reads only the postings of its
 * keys, newest first (segment-candidates.ts). `.bin` segments of earlier versions still answer,
 * read whole, until the next writer rewrites them as `.idx`.
 */

export const SEARCH_MANIFEST = "search/manifest.json";
/**
 * Segments of one size class (a factor of 4 in releases) merged at once. An import's units of 500
 * become segments of 2,000, then of 8,000; with eight of a factor of 8, 500 became 4,000 and then
 * nothing more (eight of those would pass MAX_MERGED_DOCS), leaving twice as many segments to read.
 */
const MERGE_FANIN = 4;
/**
 * Segments are not merged into one of more releases than this: a merge holds its inputs and its
 * output in memory, and merging eight segments of 8,000 releases (169 MB on disk) took an import of
 * 100,000 from 393 to 802 MB of peak RSS. Past this size segments pile up instead, one per about
 * 8,000 releases, and a query reads each.
 */
export const MAX_MERGED_DOCS = 16_384;
/** Releases from which a commit writes its segment in the binary form (a JSON segment of earlier versions that big is rewritten). */
const BINARY_FROM = 256;

interface Manifest {
  /** False once a release was stored without being indexed (an old state, a handle without SearchKeys). */
  complete: boolean;
  /** Number of the next segment file. */
  next: number;
  segments: { file: string; docs: number }[];
}

const sizeClass = (docs: number): number => Math.floor(Math.log2(Math.max(1, docs)) / 2);
const segmentFile = (n: number, ext: "json" | "idx") => `search/seg-${String(n).padStart(8, "0")}.${ext}`;
/** A segment of an earlier version, rewritten by the next writer. */
const isOldSegment = (file: string) => file.endsWith(".bin");

/** How long a segment the manifest no longer lists stays open for a query still reading it. */
const RETIRE_MS = 5 * 60_000;
const UPGRADE_RETRY_MS = 10 * 60_000;

export class LowSearchIndex implements SearchIndexStore {
  /** Open segments by file (an `.idx` segment holds its file open). */
  private readonly segments = new Map<string, Segment>();
  /** When rewriting segments of an earlier version last failed (tried again after UPGRADE_RETRY_MS). */
  private upgradeFailedAt = Number.NEGATIVE_INFINITY;
  /** Segments dropped from the manifest, closed a while later (a query may still be reading one). */
  private readonly retiring = new Set<{ segment: Segment; timer: NodeJS.Timeout }>();

  constructor(private readonly ctx: Ctx, private readonly releases: LowReleases, private readonly keys: SearchKeys | undefined, private readonly log: Logger) {}

  /** Writes a segment as `.idx`, durably, its pieces one after another (no copy of the whole file). */
  private async writeSegment(file: string, contents: SegmentContents): Promise<void> {
    const pieces = segmentPieces(contents);
    await this.ctx.disk.write(file, (async function* () {
      yield* pieces;
    })());
  }

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
    const after = (next: Manifest) => () => this.mergeDue(next).catch((error: unknown) => this.log.warn("search index merge failed", { error: String(error) }));
    if (builder.docs.length >= BINARY_FROM) {
      // A big commit (a chunk of an import): its segment is written as `.idx` now, durably, and the
      // unit adds only the manifest that lists it. Until the unit is durable the file is listed
      // nowhere; a crash leaves it unlisted, and the next commit writes over it (`next` did not move).
      const file = segmentFile(m.next, "idx");
      const contents = builder.finish();
      await this.writeSegment(file, contents);
      const next: Manifest = { complete: true, next: m.next + 1, segments: [...m.segments, { file, docs: contents.docs.length }] };
      return { files: [{ path: SEARCH_MANIFEST, data: JSON.stringify(next) }], after: after(next) };
    }
    const file = segmentFile(m.next, "json");
    const next: Manifest = { complete: true, next: m.next + 1, segments: [...m.segments, { file, docs: builder.docs.length }] };
    return { files: [{ path: file, data: builder.toJson() }, { path: SEARCH_MANIFEST, data: JSON.stringify(next) }], after: after(next) };
  }

  /**
   * Segments of an earlier version are rewritten as `.idx`; a big JSON segment (a large import) is
   * rewritten at once, so that a query reads only the postings it needs; then the tail is merged
   * while it holds MERGE_FANIN segments of one size class.
   */
  private async mergeDue(m: Manifest): Promise<void> {
    let manifest = m;
    for (let i = 0; i < manifest.segments.length; i++) if (isOldSegment(manifest.segments[i]!.file)) manifest = await this.merge(manifest, i, i + 1);
    const count = manifest.segments.length;
    const last = manifest.segments[count - 1];
    if (last && last.file.endsWith(".json") && last.docs >= BINARY_FROM) manifest = await this.merge(manifest, count - 1, count);
    for (;;) {
      const tail = manifest.segments;
      if (tail.length < MERGE_FANIN) return;
      const last = sizeClass(tail[tail.length - 1]!.docs);
      let from = tail.length;
      while (from > 0 && sizeClass(tail[from - 1]!.docs) === last) from--;
      if (tail.length - from < MERGE_FANIN) return;
      if (tail.slice(from).reduce((n, s) => n + s.docs, 0) > MAX_MERGED_DOCS) return;
      manifest = await this.merge(manifest, from, tail.length);
    }
  }

  /** Replaces segments `from`…`to - 1` of the manifest by one `.idx` segment in their place. */
  private async merge(m: Manifest, from: number, to: number): Promise<Manifest> {
    const inputs = m.segments.slice(from, to);
    const parts: SegmentContents[] = [];
    for (const input of inputs) {
      parts.push(await (await this.segment(input.file)).contents());
      await yieldNow();
    }
    const merged = joinContents(parts);
    const file = segmentFile(m.next, "idx");
    await this.writeSegment(file, merged);
    const next: Manifest = { complete: m.complete, next: m.next + 1, segments: [...m.segments.slice(0, from), { file, docs: merged.docs.length }, ...m.segments.slice(to)] };
    await this.ctx.disk.write(SEARCH_MANIFEST, JSON.stringify(next));
    for (const input of inputs) {
      await this.ctx.disk.remove(input.file);
      this.retire(input.file);
    }
    return next;
  }

  private async segment(file: string): Promise<Segment> {
    const held = this.segments.get(file);
    if (held) return held;
    let segment: Segment;
    if (file.endsWith(".idx")) segment = openFileSegment(this.ctx.disk.path(file));
    else if (isOldSegment(file)) segment = await readV1Segment(this.ctx.disk.path(file));
    else {
      const text = await this.ctx.disk.readText(file);
      if (text === undefined) throw Object.assign(new Error(`${file} is missing`), { code: "ENOENT" });
      segment = parseJsonSegment(text);
    }
    // Another query may have opened it meanwhile: keep one.
    const again = this.segments.get(file);
    if (again) {
      segment.close();
      return again;
    }
    this.segments.set(file, segment);
    return segment;
  }

  private retire(file: string): void {
    const segment = this.segments.get(file);
    if (!segment) return;
    this.segments.delete(file);
    const entry = {
      segment,
      timer: setTimeout(() => {
        this.retiring.delete(entry);
        segment.close();
      }, RETIRE_MS).unref(),
    };
    this.retiring.add(entry);
  }

  /**
   * Rewrites segments of an earlier version as `.idx` now, if this process may write without waiting
   * (a `pressroom search` beside a running daemon does not wait: the daemon's next commit does it).
   */
  private async upgrade(): Promise<Manifest | undefined> {
    return this.ctx.write(async () => {
      let m = await this.manifest();
      for (let i = 0; m?.complete && i < m.segments.length; i++) if (isOldSegment(m.segments[i]!.file)) m = await this.merge(m, i, i + 1);
      return m;
    }, { noWait: true });
  }

  /** The segments the manifest lists, oldest first; undefined when the index is incomplete. */
  private async current(): Promise<Segment[] | undefined> {
    let m = await this.manifest();
    if (!m) return (await this.releases.count()) === 0 ? [] : undefined;
    if (!m.complete) return undefined;
    if (m.segments.some((s) => isOldSegment(s.file)) && Date.now() - this.upgradeFailedAt >= UPGRADE_RETRY_MS) {
      try {
        m = (await this.upgrade()) ?? m;
      } catch (error) {
        // A read-only state, or the lock busy: the old segments answer, more slowly.
        this.upgradeFailedAt = Date.now();
        this.log.info("search index left in its earlier format for now", { error: String(error) });
        m = (await this.manifest()) ?? m;
      }
      if (!m.complete) return undefined;
    }
    const segments: Segment[] = [];
    for (const s of m.segments) segments.push(await this.segment(s.file));
    const listed = new Set(m.segments.map((s) => s.file));
    for (const file of [...this.segments.keys()]) if (!listed.has(file)) this.retire(file);
    return segments;
  }

  async candidates(clauses: readonly (readonly string[])[], without: readonly string[] = []): Promise<SearchCandidates | undefined> {
    await this.ctx.before();
    for (let attempt = 0; ; attempt++) {
      try {
        const segments = await this.current();
        if (!segments) return undefined;
        return mergeCandidates(segments, segments.map((segment) => candidatesIn(segment, clauses, without)));
      } catch (error) {
        // A merge by the writer removed a segment between reading the manifest and the file.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 2) throw error;
      }
    }
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
      const file = segmentFile(next, "idx");
      const contents = builder.finish();
      await this.writeSegment(file, contents);
      await this.ctx.disk.write(SEARCH_MANIFEST, JSON.stringify({ complete: true, next: next + 1, segments: [{ file, docs: contents.docs.length }] } satisfies Manifest));
      // Segments of the old manifest, and any a crash left unlisted.
      for (const name of await this.ctx.disk.list("search")) {
        const rel = `search/${name}`;
        if (rel !== file && rel !== SEARCH_MANIFEST && /^seg-\d+\.(json|bin|idx)$/.test(name)) {
          await this.ctx.disk.remove(rel);
          this.retire(rel);
        }
      }
      return contents.docs.length;
    });
  }

  /** Closes the segments' files. */
  close(): void {
    for (const segment of this.segments.values()) segment.close();
    this.segments.clear();
    for (const entry of this.retiring) {
      clearTimeout(entry.timer);
      entry.segment.close();
    }
    this.retiring.clear();
  }
}
