import type { Logger } from "../../core/logger.js";
import type { SearchCandidates, SearchIndexStore, SearchKeys } from "../../core/ports.js";
import type { StoredRelease } from "../../core/release.js";
import type { Ctx } from "./context.js";
import { yieldNow } from "./disk.js";
import type { LowReleases } from "./releases.js";
import { joinContents, parseJsonSegment, SegmentBuilder, type Segment, type SegmentContents } from "./search-segment.js";
import { openFileSegment, writeSegmentFile } from "./search-segment-file.js";
import { readV1Segment } from "./search-segment-v1.js";
import { candidatesIn, mergeCandidates } from "./segment-candidates.js";
import { SegmentWorker, workerCanBuild } from "./segment-worker.js";

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
 *
 * A process holding the state for itself (an import, a run) builds its big commits' segments on a
 * worker thread (segment-worker.ts) while it goes on storing: the unit lists the segment as
 * `pending`, and the worker writes the file (atomically) a little later. A pending segment whose
 * file is there is whole. Queries of this process wait for its builds; the next manifest written
 * drops the flag; merges take only segments that are built; closing the store waits for every
 * build. A pending segment whose file never came (a crash, or a failed build) leaves the index
 * incomplete: search rebuilds it, as for a state from before the index. A commit that finds the
 * worker busy (JOBS_IN_FLIGHT) builds its segment in-thread instead of waiting.
 *
 * That process also merges `.idx` segments on the worker: the manifest reserves the merged file's
 * number, the worker writes it, and the first mergeDue after that lists it in place of its inputs,
 * then removes them. A crash leaves at worst files the manifest does not list; `finish` removes them.
 * Closing starts no merge: what is then due waits for the next writer.
 */

export const SEARCH_MANIFEST = "search/manifest.json";
/**
 * Segments of one size class (a factor of 4 in releases) merged at once. An import's units of 500
 * become segments of 2,000 to 3,000 (MAX_MERGED_DOCS stops them there).
 */
const MERGE_FANIN = 4;
/**
 * Segments are not merged into one of more releases than this: a merge holds its inputs and its
 * output in memory (whole files, then the postings, then the file's pieces). Merges into 8,500–11,000
 * of the bench's releases (segments of 30–34 MB) lifted external memory by about 170 MB each, and
 * an import of 100,000 peaked at 459–507 MB of RSS; at this cap, 372 MB, in the same time (118 s
 * against 122–146 s). Past it segments pile up, one per 2,000–4,000 releases (44 at 100,000, against
 * 14), and a query reads each: `pressroom search` answered in 385–714 ms against 435–804 ms.
 * A streaming merge would lift the cap without the memory.
 */
export const MAX_MERGED_DOCS = 4_096;
/** Releases from which a commit writes its segment in the binary form (a JSON segment of earlier versions that big is rewritten). */
const BINARY_FROM = 256;
/**
 * Jobs (builds and merges) on the worker at once: one running, one waiting. A commit that finds the
 * worker this busy builds its segment on its own thread instead of waiting, so the two threads
 * share the building. Waiting for the worker left the main thread idle 88 s of an import of 100,000
 * (255 s); with one job at a time, the worker sat idle while the main thread built; with two, the
 * import took 226 s for the same CPU (358–364 s), all three in one noisy hour.
 */
const JOBS_IN_FLIGHT = 2;
/** How long a query of another process waits for a pending segment's file before it calls the index incomplete. */
const PENDING_WAIT_MS = 2_000;

interface ManifestSegment {
  file: string;
  docs: number;
  /** Listed before its file is written (by a worker thread); whole once the file is there. */
  pending?: true;
}

interface Manifest {
  /** False once a release was stored without being indexed (an old state, a handle without SearchKeys, a lost build). */
  complete: boolean;
  /** The word terms the segments hold (`SEARCH_TERMS`); a manifest of other terms reads as incomplete. */
  terms?: number;
  /** Number of the next segment file. */
  next: number;
  segments: ManifestSegment[];
}

/**
 * Version of the word terms (src/match/tokenize.ts, stem.ts) the segments are keyed by. 2: `-eed`
 * and `-ff` words keep their ending, `ł ø đ œ æ ß þ` fold, soft hyphens and `‘` join a word.
 */
const SEARCH_TERMS = 2;

/** The manifest as written, stamped with the terms its segments hold. */
const manifestText = (m: Manifest): string => JSON.stringify({ ...m, terms: SEARCH_TERMS });

const sizeClass = (docs: number): number => Math.floor(Math.log2(Math.max(1, docs)) / 2);

/**
 * The last run of at least MERGE_FANIN segments side by side of one size class, holding at most
 * MAX_MERGED_DOCS releases in all; undefined when there is none. Not only a run at the end: an
 * import leaves its last segments unmerged at close, and a later small commit then ends the list.
 */
function lastDueRun(segments: readonly { readonly docs: number }[]): { from: number; to: number } | undefined {
  for (let to = segments.length; to > 0; ) {
    const size = sizeClass(segments[to - 1]!.docs);
    let from = to;
    let docs = 0;
    while (from > 0 && sizeClass(segments[from - 1]!.docs) === size) docs += segments[--from]!.docs;
    if (to - from >= MERGE_FANIN && docs <= MAX_MERGED_DOCS) return { from, to };
    to = from;
  }
  return undefined;
}
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

  /** The worker thread building big commits' segments; undefined when they are built in-thread. */
  private readonly worker: SegmentWorker | undefined;
  /**
   * Segments being built, by file; each settles (never rejects) once its file is durable or its
   * build failed. A failed build leaves no file (any file of that name was removed before it began),
   * so whether a segment was built is whether its file is there.
   */
  private readonly building = new Map<string, Promise<void>>();
  /** Entries of segments built since their manifest entry was last settled, by file. */
  private readonly built = new Map<string, number>();
  /**
   * Merges on the worker not yet in the manifest, by output file. One no longer `building` has
   * ended: its file is durable (`docs`), or it failed (`docs` undefined; the inputs then simply stay).
   */
  private readonly merges = new Map<string, { inputs: readonly string[]; docs?: number }>();
  /** Set once a merge failed on the worker (it may have run out of its heap): merges are then done in-thread. */
  private mergesInThread = false;

  /**
   * `exclusive`: this process holds the state for itself (nobody else builds segments meanwhile), so
   * it builds big commits' segments on a worker thread when the keys allow, and settles pending
   * segments it finds (`settled`).
   */
  constructor(private readonly ctx: Ctx, private readonly releases: LowReleases, private readonly keys: SearchKeys | undefined, private readonly log: Logger, private readonly exclusive = false) {
    this.worker = exclusive && workerCanBuild(keys) ? new SegmentWorker({ root: ctx.disk.root, keys: keys.from }) : undefined;
  }

  /** Writes a segment as `.idx`, durably. */
  private async writeSegment(file: string, contents: SegmentContents): Promise<void> {
    await writeSegmentFile(this.ctx.disk, file, contents);
  }

  /**
   * Starts building `file` on the worker. A build that fails (the worker cannot start, runs out of
   * its heap) leaves the index incomplete, so the next search rebuilds it; the releases are not held
   * here for a second try.
   */
  private async startBuild(worker: SegmentWorker, file: string, releases: readonly StoredRelease[]): Promise<void> {
    // A build of this name still running is a failed commit's: its unit never listed the file, so
    // the name came round again. It ends first; else its file landed over this one's, and its end
    // took this build out of `building` (queries and close then read the failed commit's releases).
    await this.building.get(file);
    // A crash may have left a file of this name that no manifest lists (the worker wrote it before its unit).
    await this.ctx.disk.remove(file);
    const job = worker
      .build(file, releases)
      .then(
        (docs) => {
          this.built.set(file, docs);
        },
        (error: unknown) => {
          this.log.warn("search worker failed: the index misses this segment until search rebuilds it", { file, error: String(error) });
        },
      )
      .finally(() => this.building.delete(file));
    this.building.set(file, job);
  }

  /**
   * Starts merging `inputs` (built segments, in order) into `file` on the worker, behind its other
   * jobs; the next mergeDue after it ends lists it in their place.
   */
  private startMerge(worker: SegmentWorker, file: string, inputs: readonly string[]): void {
    const merge: { inputs: readonly string[]; docs?: number } = { inputs };
    this.merges.set(file, merge);
    const job = worker
      .merge(file, inputs)
      .then(
        (docs) => {
          merge.docs = docs;
          this.log.debug("search segments merged on the worker", { file, docs, inputs: inputs.length });
        },
        (error: unknown) => {
          this.mergesInThread = true;
          this.log.warn("search index merge failed on the worker: its segments stay as they are, and later merges run in-thread", { file, error: String(error) });
        },
      )
      .finally(() => this.building.delete(file));
    this.building.set(file, job);
  }

  /**
   * The manifest with the merges that ended on the worker put in place of their inputs, and the
   * files to remove once it is durable: the inputs, and the file of a merge that failed (or whose
   * inputs are no longer listed as it expected).
   */
  private mergesEnded(m: Manifest): { manifest: Manifest; remove: string[] } {
    let segments = m.segments;
    const remove: string[] = [];
    for (const [file, merge] of this.merges) {
      if (this.building.has(file)) continue;
      this.merges.delete(file);
      const from = segments.findIndex((s) => s.file === merge.inputs[0]);
      const inPlace = from >= 0 && merge.inputs.every((input, i) => segments[from + i]?.file === input && !segments[from + i]!.pending);
      if (merge.docs === undefined || !inPlace) {
        remove.push(file);
        continue;
      }
      segments = [...segments.slice(0, from), { file, docs: merge.docs }, ...segments.slice(from + merge.inputs.length)];
      remove.push(...merge.inputs);
    }
    return { manifest: remove.length ? { ...m, segments } : m, remove };
  }

  /** The manifest's segments as they will be once the merges running on the worker end: each merge's inputs as one pending segment. */
  private withMergesRunning(segments: readonly ManifestSegment[]): ManifestSegment[] {
    const out = [...segments];
    for (const [file, merge] of this.merges) {
      const from = out.findIndex((s) => s.file === merge.inputs[0]);
      if (from < 0) continue;
      const docs = out.slice(from, from + merge.inputs.length).reduce((n, s) => n + s.docs, 0);
      out.splice(from, merge.inputs.length, { file, docs, pending: true });
    }
    return out;
  }

  /**
   * The manifest with its pending segments settled where their builds ended: a built one loses its
   * flag; one whose build failed, or whose file a crash lost (not building here, no file), is
   * dropped and the index becomes incomplete. Only a process holding the state for itself calls this.
   */
  private async settled(m: Manifest): Promise<Manifest> {
    if (!m.segments.some((s) => s.pending)) return m;
    let complete = m.complete;
    const segments: ManifestSegment[] = [];
    for (const s of m.segments) {
      if (!s.pending || this.building.has(s.file)) segments.push(s);
      else if (await this.ctx.disk.exists(s.file)) segments.push({ file: s.file, docs: this.built.get(s.file) ?? s.docs });
      else complete = false;
      this.built.delete(s.file);
    }
    return { ...m, complete, segments };
  }

  /** Waits for every build of this process to end. */
  private async builds(): Promise<void> {
    while (this.building.size > 0) await Promise.all(this.building.values());
  }

  private async manifest(): Promise<Manifest | undefined> {
    const m = await this.ctx.disk.readJson<Manifest>(SEARCH_MANIFEST);
    // Segments keyed by other word terms would miss words whose terms changed: rebuilt like an old state's.
    return m && m.complete && m.terms !== SEARCH_TERMS ? { ...m, complete: false } : m;
  }

  /**
   * Files to add to the unit that stores `releases` (call before staging them), and what to do
   * once that unit is durable (merge segments).
   */
  async stage(releases: readonly StoredRelease[]): Promise<{ files: { path: string; data: string }[]; after: () => Promise<void> }> {
    const none = { files: [], after: async () => {} };
    if (releases.length === 0) return none;
    const held = await this.manifest();
    const m: Manifest = held ? await this.settledHere(held) : { complete: (await this.releases.count()) === 0, next: 1, segments: [] };
    if (!this.keys || !m.complete) {
      if (held && !held.complete) return none;
      return { files: [{ path: SEARCH_MANIFEST, data: manifestText({ ...m, complete: false }) }], after: none.after };
    }
    const after = (next: Manifest) => () => this.mergeDue(next).catch((error: unknown) => this.log.warn("search index merge failed", { error: String(error) }));
    if (this.worker && releases.length >= BINARY_FROM && this.building.size < JOBS_IN_FLIGHT) {
      // The worker writes the file while this process goes on; the unit lists it as pending.
      const file = segmentFile(m.next, "idx");
      await this.startBuild(this.worker, file, releases);
      const next: Manifest = { complete: true, next: m.next + 1, segments: [...m.segments, { file, docs: releases.length, pending: true }] };
      return { files: [{ path: SEARCH_MANIFEST, data: manifestText(next) }], after: after(next) };
    }
    const builder = new SegmentBuilder();
    for (const release of releases) builder.addRelease(release, this.keys);
    if (builder.docs.length >= BINARY_FROM) {
      // A big commit (a chunk of an import): its segment is written as `.idx` now, durably, and the
      // unit adds only the manifest that lists it. Until the unit is durable the file is listed
      // nowhere; a crash leaves it unlisted, and the next commit writes over it (`next` did not move).
      const file = segmentFile(m.next, "idx");
      const contents = builder.finish();
      // As in startBuild: a failed commit's build of this name, still running on the worker, ends first.
      await this.building.get(file);
      await this.writeSegment(file, contents);
      const next: Manifest = { complete: true, next: m.next + 1, segments: [...m.segments, { file, docs: contents.docs.length }] };
      return { files: [{ path: SEARCH_MANIFEST, data: manifestText(next) }], after: after(next) };
    }
    const file = segmentFile(m.next, "json");
    const next: Manifest = { complete: true, next: m.next + 1, segments: [...m.segments, { file, docs: builder.docs.length }] };
    return { files: [{ path: file, data: builder.toJson() }, { path: SEARCH_MANIFEST, data: manifestText(next) }], after: after(next) };
  }

  /**
   * Writes the manifest with the builds and merges that ended settled in it (`settledHere`,
   * `mergesEnded`), removes the files they leave unlisted, and returns it.
   */
  private async settle(m: Manifest): Promise<Manifest> {
    const ended = this.mergesEnded(await this.settledHere(m));
    if (JSON.stringify(ended.manifest) !== JSON.stringify(m)) await this.ctx.disk.write(SEARCH_MANIFEST, manifestText(ended.manifest));
    for (const file of ended.remove) {
      await this.ctx.disk.remove(file);
      this.retire(file);
    }
    return ended.manifest;
  }

  /**
   * After `settle`: segments of an earlier version are rewritten as `.idx`; a big JSON segment (a
   * large import) is rewritten at once, so that a query reads only the postings it needs; then,
   * while the built segments hold MERGE_FANIN side by side of one size class, the last such run is
   * merged.
   */
  private async mergeDue(m: Manifest): Promise<void> {
    let manifest = await this.settle(m);
    for (let i = 0; i < manifest.segments.length; i++) if (isOldSegment(manifest.segments[i]!.file)) manifest = await this.merge(manifest, i, i + 1);
    const count = manifest.segments.length;
    const last = manifest.segments[count - 1];
    if (last && last.file.endsWith(".json") && last.docs >= BINARY_FROM) manifest = await this.merge(manifest, count - 1, count);
    for (;;) {
      // Segments still being built or merged wait for a later merge; the prefix before them is as listed.
      const planned = this.withMergesRunning(manifest.segments);
      const ready = planned.findIndex((s) => s.pending);
      const tail = ready < 0 ? planned : planned.slice(0, ready);
      const due = lastDueRun(tail);
      if (!due) return;
      const inputs = tail.slice(due.from, due.to);
      if (this.worker && !this.mergesInThread && inputs.every((s) => s.file.endsWith(".idx"))) {
        // The worker merges behind its builds; the manifest only reserves the file's number now.
        const file = segmentFile(manifest.next, "idx");
        manifest = { ...manifest, next: manifest.next + 1 };
        await this.ctx.disk.write(SEARCH_MANIFEST, manifestText(manifest));
        this.startMerge(this.worker, file, inputs.map((s) => s.file));
      } else manifest = await this.merge(manifest, due.from, due.to);
    }
  }

  /** `settled`, in a process holding the state for itself (others leave pending segments to the process building them). */
  private async settledHere(m: Manifest): Promise<Manifest> {
    return this.exclusive ? this.settled(m) : m;
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
    await this.ctx.disk.write(SEARCH_MANIFEST, manifestText(next));
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
    for (const s of m.segments) if (s.pending && !(await this.pendingWritten(s.file))) return undefined;
    const segments: Segment[] = [];
    for (const s of m.segments) segments.push(await this.segment(s.file));
    const listed = new Set(m.segments.map((s) => s.file));
    for (const file of [...this.segments.keys()]) if (!listed.has(file)) this.retire(file);
    return segments;
  }

  /** Whether a pending segment's file is written: this process's build awaited, another's waited for a while. */
  private async pendingWritten(file: string): Promise<boolean> {
    const job = this.building.get(file);
    if (job) await job;
    for (let waited = 0; ; waited += 50) {
      if (await this.ctx.disk.exists(file)) return true;
      if (this.exclusive || waited >= PENDING_WAIT_MS) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
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
      // No build or merge of this process writes a file after the old ones are removed.
      await this.builds();
      this.merges.clear();
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
      await this.ctx.disk.write(SEARCH_MANIFEST, manifestText({ complete: true, next: next + 1, segments: [{ file, docs: contents.docs.length }] }));
      // Segments of the old manifest, and any a crash left unlisted.
      for (const rel of await this.segmentFiles()) {
        if (rel === file) continue;
        await this.ctx.disk.remove(rel);
        this.retire(rel);
      }
      return contents.docs.length;
    });
  }

  /**
   * Waits for this process's builds and merges, writes the manifest without their pending flags
   * and with the merges that ended in place of their inputs, removes segment files the manifest
   * does not list (left by a crash), and stops the worker. Before the store lets go of the state.
   * It starts no merge: segments then due wait for the next writer's commit (an import of 2,000
   * waited about 200 ms at close for the worker to merge its four segments).
   */
  async finish(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    try {
      await this.builds();
      await this.ctx.write(async () => {
        const m = await this.manifest();
        if (m) await this.settle(m).catch((error: unknown) => this.log.warn("search index not settled", { error: String(error) }));
        await this.sweep();
      });
    } finally {
      await worker.close();
    }
  }

  /** Removes segment files the manifest does not list: a crash left them between a segment's file and its manifest. */
  private async sweep(): Promise<void> {
    const m = await this.manifest();
    if (!m) return;
    const listed = new Set(m.segments.map((s) => s.file));
    for (const rel of await this.segmentFiles()) if (!listed.has(rel) && !this.building.has(rel)) await this.ctx.disk.remove(rel);
  }

  /** Every segment file under `search/`, listed or not (paths relative to the state folder). */
  private async segmentFiles(): Promise<string[]> {
    return (await this.ctx.disk.list("search")).filter((name) => /^seg-\d+\.(json|bin|idx)$/.test(name)).map((name) => `search/${name}`);
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
