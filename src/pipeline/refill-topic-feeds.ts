import type { FeedEntry, StateStore } from "../core/ports.js";
import { topicFeedName } from "../feeds/index.js";
import { compileQuery } from "../match/index.js";
import { excludedKeys, searchClauses } from "../match/search-index.js";
import type { FeedTopics } from "./feed-placements.js";

/** Candidates loaded and tested at a time. */
const BATCH = 64;

/**
 * A topic feed holds its newest `cap` matches. When a revision takes a release out of a full one,
 * the newest match it did not hold (trimmed when the feed was full) takes the free place, as the live
 * `?q=` feed of the same query would show it: found through the persisted search index, tested with
 * the topic matcher the placements use. Without that index (a state written before it, until
 * `pressroom search --rebuild`) the feed stays short until new matches fill it.
 * `feeds` are the topic feeds that lost entries; each one refilled is marked dirty again.
 */
export async function refillTopicFeeds(
  store: StateStore,
  topics: readonly { readonly name: string; readonly query: string }[],
  feedTopics: FeedTopics,
  feeds: readonly string[],
  cap: number,
): Promise<void> {
  const placements: { feed: string; entry: FeedEntry }[] = [];
  const refilled: string[] = [];
  for (const topic of topics) {
    const feed = topicFeedName(topic.name);
    if (!feeds.includes(feed)) continue;
    const held = new Set((await store.feeds.entries(feed)).map((e) => e.id));
    if (held.size >= cap) continue;
    const ast = compileQuery(topic.query).ast;
    const candidates = await store.search.candidates(searchClauses(ast), excludedKeys(ast));
    if (!candidates) continue;
    // Newest first, as the feed is ordered: the first `cap` matches are the feed.
    let matches = 0;
    const missing: FeedEntry[] = [];
    while (matches < cap) {
      const batch = await candidates.next(BATCH);
      if (batch.length === 0) break;
      for (const release of await store.releases.getMany(batch.map((e) => e.id))) {
        if (matches >= cap) break;
        if (!feedTopics(release).includes(topic.name)) continue;
        matches++;
        if (!held.has(release.id)) missing.push({ id: release.id, date: release.date, updatedAt: release.updatedAt });
      }
    }
    if (missing.length === 0) continue;
    placements.push(...missing.map((entry) => ({ feed, entry })));
    refilled.push(feed);
  }
  if (placements.length > 0) await store.commit({ placements, dirty: refilled });
}
