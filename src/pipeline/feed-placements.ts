import type { FeedEntry } from "../core/ports.js";
import type { StoredRelease } from "../core/release.js";
import type { Change } from "../diff/diff-releases.js";
import { ALL_FEED, kindFeedName, topicFeedName } from "../feeds/index.js";

/** Named topic feeds (config `feeds.topics`) whose query a release's current text matches: their names. */
export type FeedTopics = (release: StoredRelease) => string[];

/** A chunk's changes to the feed index: entries to place (or move) and entries to take out. */
export interface FeedPlacements {
  readonly placements: readonly { readonly feed: string; readonly entry: FeedEntry }[];
  readonly removals: readonly { readonly feed: string; readonly id: string }[];
}

const entryOf = (release: StoredRelease): FeedEntry => ({ id: release.id, date: release.date, updatedAt: release.updatedAt });

/** Subscription feeds a release appears in (archives are planned by month). */
function feedsOf(release: StoredRelease, feedTopics: FeedTopics): string[] {
  return [ALL_FEED, kindFeedName(release.kind), ...feedTopics(release).map(topicFeedName)];
}

/**
 * Where new and revised releases go in the feeds: all, their kind, and the topic feeds their
 * current text matches. A revision whose earlier text matched a topic the new text does not is
 * taken out of that topic feed: a topic feed lists what matches now, and Atom has no deletion, so
 * the entry simply is no longer there. When one release changes twice in a chunk, the last wins.
 */
export function planFeedPlacements(changes: readonly Change[], feedTopics: FeedTopics): FeedPlacements {
  const latest = new Map<string, { feed: string; entry: FeedEntry } | { feed: string; id: string }>();
  for (const change of changes) {
    if (change.type === "unchanged") continue;
    const now = feedsOf(change.release, feedTopics);
    // A revision, or a first sighting that edited a release known from baselines only.
    if (change.previous) {
      for (const feed of feedsOf(change.previous, feedTopics)) {
        if (!now.includes(feed)) latest.set(`${feed}\u0000${change.previous.id}`, { feed, id: change.previous.id });
      }
    }
    for (const feed of now) latest.set(`${feed}\u0000${change.release.id}`, { feed, entry: entryOf(change.release) });
  }
  const placements: { feed: string; entry: FeedEntry }[] = [];
  const removals: { feed: string; id: string }[] = [];
  for (const p of latest.values()) {
    if ("entry" in p) placements.push(p);
    else removals.push(p);
  }
  return { placements, removals };
}
