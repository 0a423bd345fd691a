import type { StoredRelease } from "../core/release.js";
import { archiveNeighbours } from "./archive-chain.js";
import { latestUpdate } from "./entry-order.js";
import type { FeedMeta } from "./feed-meta.js";
import { ALL_FEED, archiveFeedName, feedIdFor, feedUrlFor, kindFeedName, kindLabel, topicFeedName } from "./feed-names.js";

/** Site-wide settings every feed shares (from `config.feeds`). */
export interface FeedSite {
  /** Public base URL; feeds live under `<baseUrl>/feeds/`. */
  readonly baseUrl: string;
  /** Title of the all feed; other feeds append their part. */
  readonly title: string;
  /** Entries kept in subscription feeds (archives keep all of their month). */
  readonly entries?: number;
  readonly hubUrl?: string;
  readonly author?: string;
}

function baseMeta(site: FeedSite, name: string, title: string, releases: readonly StoredRelease[], withHub = true): FeedMeta {
  return {
    id: feedIdFor(name),
    title,
    selfUrl: feedUrlFor(site.baseUrl, name),
    alternateUrl: `${site.baseUrl.replace(/\/+$/, "")}/`,
    updated: latestUpdate(releases),
    releasePageBase: site.baseUrl,
    ...(site.author ? { author: { name: site.author } } : {}),
    ...(site.hubUrl && withHub ? { hubUrl: site.hubUrl } : {}),
  };
}

/** The all feed; `months` are the archive months written, its `prev-archive` is the newest. */
export function allFeedMeta(site: FeedSite, releases: readonly StoredRelease[], months: readonly string[]): FeedMeta {
  const newest = [...months].sort().at(-1);
  return {
    ...baseMeta(site, ALL_FEED, site.title, releases),
    ...(site.entries !== undefined ? { maxEntries: site.entries } : {}),
    ...(newest ? { prevArchive: feedUrlFor(site.baseUrl, archiveFeedName(newest)) } : {}),
  };
}

export function kindFeedMeta(site: FeedSite, kind: string, releases: readonly StoredRelease[]): FeedMeta {
  return {
    ...baseMeta(site, kindFeedName(kind), `${site.title}: ${kindLabel(kind)}`, releases),
    ...(site.entries !== undefined ? { maxEntries: site.entries } : {}),
  };
}

/** A named topic feed from config (`feeds.topics`); `releases` are the ones its query matched. */
export function topicFeedMeta(
  site: FeedSite,
  topic: { readonly name: string; readonly title?: string; readonly query: string },
  releases: readonly StoredRelease[],
): FeedMeta {
  return {
    ...baseMeta(site, topicFeedName(topic.name), `${site.title}: ${topic.title ?? topic.query}`, releases),
    subtitle: `Releases matching ${topic.query}`,
    ...(site.entries !== undefined ? { maxEntries: site.entries } : {}),
  };
}

/** RFC 5005 archived feed of one month; `months` are all archive months, for prev/next links. */
export function archiveFeedMeta(
  site: FeedSite,
  month: string,
  months: readonly string[],
  releases: readonly StoredRelease[],
): FeedMeta {
  const { prev, next } = archiveNeighbours(months, month);
  return {
    // Archives do not change once their month is over: no WebSub hub to announce changes.
    ...baseMeta(site, archiveFeedName(month), `${site.title}: archive ${month}`, releases, false),
    archive: {
      current: feedUrlFor(site.baseUrl, ALL_FEED),
      ...(prev ? { prev: feedUrlFor(site.baseUrl, archiveFeedName(prev)) } : {}),
      ...(next ? { next: feedUrlFor(site.baseUrl, archiveFeedName(next)) } : {}),
    },
  };
}
