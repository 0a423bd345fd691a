import type { StoredRelease } from "../core/release.js";
import type { DocCache } from "./docs.js";

/** One entry of a feed's index: enough to sort and to fetch the release. */
export interface FeedIndexEntry {
  readonly id: string;
  readonly date: string;
  readonly updatedAt: string;
}

interface FeedIndexDoc {
  /** feed name (`all`, `kinds/speech`, `topics/asylum`) → newest entries first, capped. */
  feeds: Record<string, FeedIndexEntry[]>;
  /** Feeds whose files must be (re)rendered: recorded before releases are written, cleared after rendering. */
  dirty: string[];
}

const FILE = "feed-index.json";

export function compareEntries(a: FeedIndexEntry, b: FeedIndexEntry): number {
  return b.date.localeCompare(a.date) || b.updatedAt.localeCompare(a.updatedAt) || a.id.localeCompare(b.id);
}

/** Keeps the newest N entries of every feed, so rendering a feed never scans the whole history. */
export class FeedIndexRepo {
  constructor(private readonly docs: DocCache, private readonly cap: number) {}

  private doc() {
    return this.docs.get<FeedIndexDoc>(FILE, () => ({ feeds: {}, dirty: [] }));
  }

  async entries(feed: string): Promise<FeedIndexEntry[]> {
    return (await this.doc()).data.feeds[feed] ?? [];
  }

  async feedNames(): Promise<string[]> {
    return Object.keys((await this.doc()).data.feeds).sort();
  }

  async has(feed: string): Promise<boolean> {
    return (await this.doc()).data.feeds[feed] !== undefined;
  }

  /** Creates an empty entry list for a feed (a topic that matches nothing yet). */
  async ensure(feeds: readonly string[]): Promise<void> {
    const doc = await this.doc();
    const missing = feeds.filter((f) => doc.data.feeds[f] === undefined);
    for (const f of missing) doc.data.feeds[f] = [];
    if (missing.length) await this.docs.save(FILE, doc);
  }

  async dirty(): Promise<string[]> {
    return [...(await this.doc()).data.dirty];
  }

  /** Marks feeds dirty and durable before the releases they show are written. */
  async markDirty(feeds: readonly string[]): Promise<void> {
    const doc = await this.doc();
    const before = doc.data.dirty.length;
    doc.data.dirty = [...new Set([...doc.data.dirty, ...feeds])].sort();
    if (doc.data.dirty.length !== before) await this.docs.save(FILE, doc);
  }

  /** Adds or moves releases into the named feeds; returns the feeds whose entry list changed. */
  async place(placements: readonly { feed: string; release: StoredRelease }[]): Promise<string[]> {
    const doc = await this.doc();
    const changed = new Set<string>();
    for (const { feed, release } of placements) {
      const list = (doc.data.feeds[feed] ?? []).filter((e) => e.id !== release.id);
      list.push({ id: release.id, date: release.date, updatedAt: release.updatedAt });
      list.sort(compareEntries);
      doc.data.feeds[feed] = list.slice(0, this.cap);
      changed.add(feed);
    }
    if (changed.size) await this.docs.save(FILE, doc);
    return [...changed];
  }

  async clearDirty(feeds: readonly string[]): Promise<void> {
    const doc = await this.doc();
    const done = new Set(feeds);
    const next = doc.data.dirty.filter((f) => !done.has(f));
    if (next.length !== doc.data.dirty.length) {
      doc.data.dirty = next;
      await this.docs.save(FILE, doc);
    }
  }
}
