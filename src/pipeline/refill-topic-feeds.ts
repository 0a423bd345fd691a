import type { Placement, StateStore } from "../core/ports.js";
import type { StoredRelease } from "../core/release.js";
import { topicFeedName } from "../feeds/index.js";
import { compileQuery } from "../match/index.js";
import { excludedKeys, searchClauses } from "../match/search-index.js";
import type { FeedPlacements, FeedTopics } from "./feed-placements.js";

/** Candidates loaded and tested at a time. */
const BATCH = 64;

/**
 * A topic feed holds its newest `cap` matches. When a chunk takes a release out of a full one, the
 * newest match the feed did not hold (trimmed when it was full) takes the free place, as the live
 * `?q=` feed of the same query would show it. Planned before the chunk's commit and committed with
 * it, so no crash or failure between the two can leave the feed short for good. Found through the
 * persisted search index, which does not yet hold the chunk's own texts: a candidate the chunk
 * changes is tested by its new text (`current`), and the chunk's own new matches are among its
 * placements already. Without that index (a state written before it, until `pressroom search`
 * rebuilds it) nothing is refilled and the feed stays short until new matches fill it.
 * Returns the placements to add to the chunk's (their feeds are already marked dirty by the removals),
 * each placed only if its release is still as read (`ifCurrent`).
 */
export async function planRefills(
  store: StateStore,
  topics: readonly { readonly name: string; readonly query: string }[],
  feedTopics: FeedTopics,
  chunk: FeedPlacements & { readonly current: readonly StoredRelease[] },
  cap: number,
): Promise<Placement[]> {
  const left = new Set(chunk.removals.map((r) => r.feed));
  const current = new Map(chunk.current.map((r) => [r.id, r]));
  const refills: Placement[] = [];
  for (const topic of topics) {
    const feed = topicFeedName(topic.name);
    if (!left.has(feed)) continue;
    // What the feed holds once the chunk is committed.
    const held = new Set((await store.feeds.entries(feed)).map((e) => e.id));
    for (const r of chunk.removals) if (r.feed === feed) held.delete(r.id);
    for (const p of chunk.placements) if (p.feed === feed) held.add(p.entry.id);
    if (held.size >= cap) continue;
    const ast = compileQuery(topic.query).ast;
    const candidates = await store.search.candidates(searchClauses(ast), excludedKeys(ast));
    if (!candidates) continue;
    // Newest first, as the feed is ordered: the first `cap` matches are the feed.
    let matches = 0;
    while (matches < cap) {
      const batch = await candidates.next(BATCH);
      if (batch.length === 0) break;
      for (const stored of await store.releases.getMany(batch.map((e) => e.id))) {
        if (matches >= cap) break;
        const release = current.get(stored.id) ?? stored;
        if (!feedTopics(release).includes(topic.name)) continue;
        matches++;
        // Read before the commit: placed only if no other instance revised it meanwhile.
        if (!held.has(release.id)) refills.push({ feed, entry: { id: release.id, date: release.date, updatedAt: release.updatedAt }, ifCurrent: true });
      }
    }
  }
  return refills;
}
