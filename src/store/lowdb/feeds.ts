import type { DirtyMark, FeedDocument, FeedEntry, FeedRender, FeedStore } from "../../core/ports.js";
import type { TextPieces } from "../../core/text-pieces.js";
import { feedChangedAt } from "../feed-updated.js";
import { sha256OfText } from "../text-sha.js";
import type { Ctx } from "./context.js";
import { inParallel } from "./disk.js";
import { checkFeedName, DIRTY, feedIndexFile, FEEDS, feedXmlFile } from "./layout.js";

interface FeedIndexDoc {
  name: string;
  /** Newest first, capped. */
  entries: FeedEntry[];
}
interface DirtyDoc {
  /** Feeds waiting to be (re)rendered. */
  dirty: string[];
}
interface FeedsDoc {
  /** Stored documents: their ETag, when the bytes last changed, entry count and content hash. */
  docs: Record<string, { etag: string; updated: string; entries: number; sha: string }>;
}

export function compareEntries(a: FeedEntry, b: FeedEntry): number {
  return b.date.localeCompare(a.date) || b.updatedAt.localeCompare(a.updatedAt) || a.id.localeCompare(b.id);
}

/**
 * Puts `entry` in its place in a capped, ordered entry list (replacing the release's entry), by
 * binary search instead of a sort. Returns whether the list changed.
 */
function placeEntry(doc: FeedIndexDoc, entry: FeedEntry, cap: number): boolean {
  const old = doc.entries;
  const at = old.findIndex((e) => e.id === entry.id);
  const held = at >= 0 ? old[at]! : undefined;
  if (held && held.date === entry.date && held.updatedAt === entry.updatedAt && old.length <= cap) return false;
  const list = at >= 0 ? old.filter((_, i) => i !== at) : [...old];
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntries(list[mid]!, entry) < 0) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= cap && !held && old.length <= cap) return false;
  list.splice(lo, 0, entry);
  doc.entries = list.slice(0, cap);
  return true;
}

/**
 * Feed entry lists (`feed-index/<name>.json`, newest `cap` entries), dirty marks
 * (`dirty-feeds.json`), document metadata (`feeds.json`), and the rendered documents themselves as plain files
 * (`feeds/<name>.atom`) a static web server can serve.
 */
export class LowFeeds implements FeedStore {
  private names_: Set<string> | undefined;

  constructor(private readonly ctx: Ctx, private readonly cap: number) {}

  /** Forgets the list of feed names (another process may have added one). */
  forget(): void {
    this.names_ = undefined;
  }

  private async nameSet(): Promise<Set<string>> {
    if (!this.names_) {
      const files = await this.ctx.disk.list("feed-index");
      this.names_ = new Set(files.filter((f) => f.endsWith(".json")).map((f) => decodeURIComponent(f.slice(0, -5))));
    }
    return this.names_;
  }
  private index(feed: string) {
    return this.ctx.docs.get<FeedIndexDoc>(feedIndexFile(feed), () => ({ name: feed, entries: [] }));
  }
  feedsDoc() {
    return this.ctx.docs.get<FeedsDoc>(FEEDS, () => ({ docs: {} }));
  }
  dirtyDoc() {
    return this.ctx.docs.get<DirtyDoc>(DIRTY, () => ({ dirty: [] }));
  }

  /** Stages placements, removals, new empty feeds and dirty marks; returns the feeds whose entry lists changed. */
  async stage(
    placements: readonly { feed: string; entry: FeedEntry }[],
    ensure: readonly string[],
    dirty: readonly string[],
    removals: readonly { feed: string; id: string }[] = [],
  ): Promise<string[]> {
    const names = await this.nameSet();
    const added: string[] = [];
    for (const feed of ensure) {
      checkFeedName(feed);
      if (names.has(feed) || added.includes(feed)) continue;
      await this.index(feed);
      this.ctx.docs.touch(feedIndexFile(feed));
      added.push(feed);
    }
    const changed = new Set<string>();
    for (const { feed, id } of removals) {
      // First, as PostgreSQL does: a place freed here is not taken by a trim of the placements below.
      // A feed without an entry list holds nothing to take out (and gets no empty list from it).
      if (!names.has(checkFeedName(feed)) && !added.includes(feed)) continue;
      const doc = await this.index(feed);
      const entries = doc.entries.filter((e) => e.id !== id);
      if (entries.length === doc.entries.length) continue;
      doc.entries = entries;
      changed.add(feed);
      this.ctx.docs.touch(feedIndexFile(feed));
    }
    for (const { feed, entry } of placements) {
      checkFeedName(feed);
      const doc = await this.index(feed);
      if (!names.has(feed)) added.push(feed);
      if (placeEntry(doc, { id: entry.id, date: entry.date, updatedAt: entry.updatedAt }, this.cap)) {
        changed.add(feed);
        this.ctx.docs.touch(feedIndexFile(feed));
      } else if (!names.has(feed)) this.ctx.docs.touch(feedIndexFile(feed));
    }
    if (dirty.length) {
      const doc = await this.dirtyDoc();
      const next = [...new Set([...doc.dirty, ...dirty.map(checkFeedName)])].sort();
      if (next.length !== doc.dirty.length) {
        doc.dirty = next;
        this.ctx.docs.touch(DIRTY);
      }
    }
    return [...changed].sort();
  }

  /** After the unit that staged them succeeded. */
  noteAdded(feeds: Iterable<string>): void {
    for (const f of feeds) this.names_?.add(f);
  }

  async entries(feed: string): Promise<FeedEntry[]> {
    await this.ctx.before();
    if (!(await this.nameSet()).has(feed)) return [];
    return [...(await this.index(feed)).entries];
  }

  async names(): Promise<string[]> {
    await this.ctx.before();
    return [...(await this.nameSet())].sort();
  }

  async has(feed: string): Promise<boolean> {
    await this.ctx.before();
    return (await this.nameSet()).has(feed);
  }

  async dirty(): Promise<string[]> {
    await this.ctx.before();
    return [...(await this.dirtyDoc()).dirty];
  }

  async dirtyMarks(): Promise<DirtyMark[]> {
    return (await this.dirty()).map((feed) => ({ feed, version: "" }));
  }

  /** One writer at a time holds the state: a mark cannot move on while its feed is rendered, so versions are not checked. */
  async publish(renders: readonly FeedRender[], given: readonly (string | DirtyMark)[]): Promise<string[]> {
    const clean = given.map((c) => (typeof c === "string" ? c : c.feed));
    return this.ctx.write(async () => {
      const doc = await this.feedsDoc();
      const changed: string[] = [];
      const now = this.ctx.clock.now().toISOString();
      const updates: { render: FeedRender; hash: string }[] = [];
      const writes: { file: string; xml: TextPieces }[] = [];
      for (const render of renders) {
        const file = feedXmlFile(render.name);
        // Hashed as UTF-8, as it is written (a piece at a time, with no buffer of the whole document).
        const hash = sha256OfText(render.xml);
        const old = doc.docs[render.name];
        // Equal bytes are known by their hash (the file is only checked to still be there), never reread.
        const present = old?.sha === hash && (await this.ctx.disk.exists(file));
        if (present && old.entries === render.entries) continue;
        if (!present) writes.push({ file, xml: render.xml });
        updates.push({ render, hash });
      }
      // Documents are written (several at once, then fsynced together) before their metadata: after
      // a crash in between they are still dirty, and rendered again.
      await inParallel(writes, 8, (w) => this.ctx.disk.write(w.file, w.xml, { sync: false }));
      await this.ctx.disk.syncFiles(writes.map((w) => w.file));
      for (const { render, hash } of updates) {
        const old = doc.docs[render.name];
        const bytesChanged = old?.sha !== hash;
        const updated = !old ? now : bytesChanged ? feedChangedAt(old.updated, now) : old.updated;
        doc.docs[render.name] = { etag: `"${hash}"`, updated, entries: render.entries, sha: hash };
        if (bytesChanged) changed.push(render.name);
        this.ctx.docs.touch(FEEDS);
      }
      const done = new Set(clean);
      const marks = await this.dirtyDoc();
      const next = marks.dirty.filter((f) => !done.has(f));
      if (next.length !== marks.dirty.length) {
        marks.dirty = next;
        this.ctx.docs.touch(DIRTY);
      }
      const files = await this.ctx.docs.staged();
      if (files.length === 0) return changed;
      const gen = this.ctx.nextGeneration();
      await this.ctx.unit({ files: [...files, gen.file] });
      gen.committed();
      return changed;
    });
  }

  async get(name: string): Promise<FeedDocument | undefined> {
    await this.ctx.before();
    const meta = (await this.feedsDoc()).docs[name];
    if (!meta) return undefined;
    const xml = await this.ctx.disk.readText(feedXmlFile(name));
    if (xml === undefined) return undefined;
    // Bytes written by a publish that crashed before its metadata: the ETag still names these bytes.
    const hash = sha256OfText(xml);
    if (hash !== meta.sha) return { name, xml, etag: `"${hash}"`, updated: meta.updated, entries: meta.entries };
    return { name, xml, etag: meta.etag, updated: meta.updated, entries: meta.entries };
  }

  async documents(): Promise<string[]> {
    await this.ctx.before();
    return Object.keys((await this.feedsDoc()).docs).sort();
  }

  /** Sets a feed's entries and document directly (importing records into an empty state). */
  async importEntries(feed: string, entries: readonly FeedEntry[]): Promise<void> {
    checkFeedName(feed);
    const doc = await this.index(feed);
    doc.entries = [...entries].sort(compareEntries).slice(0, this.cap);
    this.ctx.docs.touch(feedIndexFile(feed));
    await this.ctx.unit({ files: await this.ctx.docs.staged() });
    this.noteAdded([feed]);
  }

  async importDocument(document: FeedDocument): Promise<void> {
    await this.ctx.disk.write(feedXmlFile(document.name), document.xml);
    const doc = await this.feedsDoc();
    doc.docs[document.name] = { etag: document.etag, updated: document.updated, entries: document.entries, sha: sha256OfText(document.xml) };
    this.ctx.docs.touch(FEEDS);
    await this.ctx.unit({ files: await this.ctx.docs.staged() });
  }

  async importDirty(feeds: readonly string[]): Promise<void> {
    const doc = await this.dirtyDoc();
    doc.dirty = [...new Set([...doc.dirty, ...feeds])].sort();
    this.ctx.docs.touch(DIRTY);
    await this.ctx.unit({ files: await this.ctx.docs.staged() });
  }
}
