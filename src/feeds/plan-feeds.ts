import { archiveNeighbours } from "./archive-chain.js";
import { ALL_FEED, archiveFeedName, archiveMonthOf, isArchiveMonth, kindFeedName, kindSlug } from "./feed-names.js";

export interface FeedPlan {
  /** Feed names to render, in a stable order: `all`, then kinds, then archive months. */
  readonly names: readonly string[];
  /** Kind slugs touched. */
  readonly kinds: readonly string[];
  /** Archive months (`YYYY-MM`) to render. */
  readonly months: readonly string[];
}

/**
 * Which feeds a change touches. `changed` holds the new and revised releases; pass a revised
 * release's previous version too when its kind or date changed, so the feed it left is redone.
 * `existingMonths` (the archive months already written) lets a new month also redo its neighbours,
 * whose prev/next-archive links change. Topic feeds depend on matching and are the caller's call.
 */
export function planFeeds(
  changed: readonly { readonly kind: string; readonly date: string }[],
  options: { readonly existingMonths?: readonly string[] } = {},
): FeedPlan {
  if (changed.length === 0) return { names: [], kinds: [], months: [] };
  const kinds = [...new Set(changed.map((r) => kindSlug(r.kind)))].sort();
  const touched = new Set(changed.map(archiveMonthOf).filter(isArchiveMonth));
  const existing = new Set(options.existingMonths ?? []);
  const months = new Set(touched);
  for (const month of touched) {
    if (existing.has(month) || options.existingMonths === undefined) continue;
    const { prev, next } = archiveNeighbours([...existing], month);
    if (prev) months.add(prev);
    if (next) months.add(next);
  }
  const sortedMonths = [...months].sort();
  return {
    names: [ALL_FEED, ...kinds.map(kindFeedName), ...sortedMonths.map(archiveFeedName)],
    kinds,
    months: sortedMonths,
  };
}
