export { archiveMonths, archiveNeighbours, releasesInMonth } from "./archive-chain.js";
export { EMPTY_FEED_UPDATED, latestUpdate, publishedOf, sortForFeed, updatedOf } from "./entry-order.js";
export { FH_NAMESPACE } from "./feed-history.js";
export type { FeedMeta } from "./feed-meta.js";
export {
  ALL_FEED,
  archiveFeedName,
  archiveMonthOf,
  feedFileFor,
  feedIdFor,
  feedUrlFor,
  isArchiveMonth,
  kindFeedName,
  kindLabel,
  kindSlug,
  topicFeedName,
} from "./feed-names.js";
export { allFeedMeta, archiveFeedMeta, kindFeedMeta, topicFeedMeta, type FeedSite } from "./feed-set.js";
export { renderHtmlBody } from "./html-body.js";
export { planFeeds, type FeedPlan } from "./plan-feeds.js";
export { entryIdFor, GENERATOR, releasePageUrl, renderAtomFeed, renderAtomFeedPieces } from "./render-atom.js";
