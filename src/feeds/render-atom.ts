import { Feed, type Item } from "feed";
import { TAG_AUTHORITY, shortHash } from "../core/ids.js";
import type { StoredRelease } from "../core/release.js";
import { escapeHtml, stripXmlInvalid } from "../core/text.js";
import { EMPTY_FEED_UPDATED, publishedOf, sortForFeed, updatedOf } from "./entry-order.js";
import { finishAtomXml } from "./feed-history.js";
import type { FeedMeta } from "./feed-meta.js";
import { normaliseUrl, requireUrl, textForFeed } from "./feed-text.js";
import { kindLabel, kindSlug } from "./feed-names.js";
import { renderHtmlBody } from "./html-body.js";

export const GENERATOR = "Pressroom";

/** The entry id as written: the release id when it is a URI (`feed` throws on anything else). */
export function entryIdFor(releaseId: string): string {
  const clean = stripXmlInvalid(releaseId).trim();
  if (URL.canParse(clean)) return new URL(clean).toString();
  return `tag:${TAG_AUTHORITY},2023:release/${shortHash(releaseId)}`;
}

/** The server's page of a release (`/releases/<id>`, the id percent-encoded). */
export function releasePageUrl(baseUrl: string, releaseId: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/releases/${encodeURIComponent(releaseId)}`;
}

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
export function renderAtomFeed(meta: FeedMeta, releases: readonly StoredRelease[]): string {
  const sorted = sortForFeed(releases);
  const entries = meta.maxEntries === undefined ? sorted : sorted.slice(0, Math.max(0, meta.maxEntries));
  const alternate = meta.alternateUrl === undefined ? undefined : requireUrl(meta.alternateUrl, "alternate URL");
  const hub = meta.hubUrl === undefined ? undefined : requireUrl(meta.hubUrl, "WebSub hub URL");
  const feed = new Feed({
    id: textForFeed(meta.id),
    title: textForFeed(meta.title),
    updated: Number.isNaN(meta.updated.getTime()) ? EMPTY_FEED_UPDATED : meta.updated,
    generator: GENERATOR,
    author: { name: textForFeed(meta.author?.name ?? GENERATOR) },
    feed: requireUrl(meta.selfUrl, "feed self URL"),
    ...(alternate ? { link: alternate } : {}),
    ...(hub ? { hub } : {}),
    ...(meta.subtitle ? { description: textForFeed(meta.subtitle) } : {}),
  });
  const fallback = Number.isNaN(meta.updated.getTime()) ? EMPTY_FEED_UPDATED : meta.updated;
  for (const release of entries) feed.addItem(itemFor(release, fallback, meta.releasePageBase));
  return finishAtomXml(feed.atom1(), meta);
}
