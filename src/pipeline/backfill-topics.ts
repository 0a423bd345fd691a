import type { Config } from "../config/schema.js";
import type { StoredRelease } from "../core/release.js";
import { topicFeedName } from "../feeds/feed-names.js";
import type { Store } from "../store/open-store.js";

/**
 * A topic feed named in config for the first time is filled from the stored history once;
 * afterwards only new and revised releases are placed into it.
 */
export async function backfillTopicFeeds(config: Config, store: Store, feedTopics: (release: StoredRelease) => string[]): Promise<void> {
  const missing: string[] = [];
  for (const topic of config.feeds.topics) if (!(await store.feedIndex.has(topicFeedName(topic.name)))) missing.push(topic.name);
  if (missing.length === 0) return;
  const wanted = new Set(missing);
  const placements: { feed: string; release: StoredRelease }[] = [];
  for await (const release of store.releases.all()) {
    for (const name of feedTopics(release)) if (wanted.has(name)) placements.push({ feed: topicFeedName(name), release });
  }
  const feeds = missing.map(topicFeedName);
  await store.feedIndex.markDirty(feeds);
  await store.feedIndex.ensure(feeds);
  await store.feedIndex.place(placements);
}
