import type { Config } from "../config/schema.js";
import type { FeedEntry, StateStore } from "../core/ports.js";
import type { StoredRelease } from "../core/release.js";
import { topicFeedName } from "../feeds/feed-names.js";

/**
 * A topic feed named in config for the first time is filled from the stored history once (one
 * commit); afterwards only new and revised releases are placed into it.
 */
export async function backfillTopicFeeds(config: Config, store: StateStore, feedTopics: (release: StoredRelease) => string[]): Promise<void> {
  const missing: string[] = [];
  for (const topic of config.feeds.topics) if (!(await store.feeds.has(topicFeedName(topic.name)))) missing.push(topic.name);
  if (missing.length === 0) return;
  const wanted = new Set(missing);
  const placements: { feed: string; entry: FeedEntry }[] = [];
  for await (const release of store.releases.all()) {
    for (const name of feedTopics(release)) {
      if (wanted.has(name)) placements.push({ feed: topicFeedName(name), entry: { id: release.id, date: release.date, updatedAt: release.updatedAt } });
    }
  }
  const feeds = missing.map(topicFeedName);
  await store.commit({ ensureFeeds: feeds, placements, dirty: feeds });
}
