import type { Item } from "feed";
import { entryIdFor, feedHead, releasePageUrl } from "../../src/feeds/render-atom.js";
import type { StoredRelease } from "../../src/core/release.js";
import { escapeHtml } from "../../src/core/text.js";
import { EMPTY_FEED_UPDATED, publishedOf, sortForFeed, updatedOf } from "../../src/feeds/entry-order.js";
import { finishAtomXml } from "../../src/feeds/feed-history.js";
import type { FeedMeta } from "../../src/feeds/feed-meta.js";
import { normaliseUrl, textForFeed } from "../../src/feeds/feed-text.js";
import { kindLabel, kindSlug } from "../../src/feeds/feed-names.js";
import { renderHtmlBody } from "../../src/feeds/html-body.js";

/**
 * The reference renderer: the whole document through the `feed` package (entries as `feed` items),
 * as Pressroom rendered feeds before it printed entries itself. Tests compare `renderAtomFeed`
 * with it byte for byte.
 */

/** One release as a `feed` item. Every text is HTML-escaped for `feed`'s `type="html"` CDATA. */
function itemFor(release: StoredRelease, fallback: Date, pageBase: string | undefined): Item {
  const link = normaliseUrl(release.url) ?? (pageBase === undefined ? undefined : releasePageUrl(pageBase, release.id));
  const summary = escapeHtml(release.summary).trim();
  const content = renderHtmlBody(release.body) || `<p>${summary || escapeHtml(release.title)}</p>`;
  return {
    id: entryIdFor(release.id),
    title: escapeHtml(release.title),
    // feed 6 always writes an entry <link>; without a URL it is an empty <link/>, removed afterwards.
    link: link as string,
    date: updatedOf(release, fallback),
    published: publishedOf(release, fallback),
    ...(summary ? { description: summary } : {}),
    content,
    author: [{ name: textForFeed(release.department).trim() }],
    category: [{ term: kindSlug(release.kind), name: kindLabel(release.kind) }],
  };
}

/**
 * Renders one Atom 1.0 document (RFC 4287, with RFC 5005 archive links when `meta` asks).
 * Entries newest first (`sortForFeed`). Pure and deterministic: the same input gives the same bytes.
 */
export function renderAtomFeedWithFeedPackage(meta: FeedMeta, releases: readonly StoredRelease[]): string {
  const sorted = sortForFeed(releases);
  const entries = meta.maxEntries === undefined ? sorted : sorted.slice(0, Math.max(0, meta.maxEntries));
  // The head comes from the same `feed` document; the entries go through `feed` here as well.
  const feed = feedHead(meta);
  const fallback = Number.isNaN(meta.updated.getTime()) ? EMPTY_FEED_UPDATED : meta.updated;
  for (const release of entries) feed.addItem(itemFor(release, fallback, meta.releasePageBase));
  return finishAtomXml(feed.atom1(), meta);
}
