import { Feed } from "feed";
import { TAG_AUTHORITY, shortHash } from "../core/ids.js";
import type { StoredRelease } from "../core/release.js";
import { stripXmlInvalid } from "../core/text.js";
import { renderAtomEntry } from "./atom-entry.js";
import { EMPTY_FEED_UPDATED, sortForFeed } from "./entry-order.js";
import { finishAtomXml } from "./feed-history.js";
import type { FeedMeta } from "./feed-meta.js";
import { requireUrl, textForFeed } from "./feed-text.js";

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

/**
 * Renders one Atom 1.0 document (RFC 4287, with RFC 5005 archive links when `meta` asks).
 * Entries newest first (`sortForFeed`). Pure and deterministic: the same input gives the same bytes.
 */
export function renderAtomFeed(meta: FeedMeta, releases: readonly StoredRelease[]): string {
  return renderAtomFeedPieces(meta, releases).join("");
}

/**
 * `renderAtomFeed` as pieces, one after another (its head, each entry, its end), never joined: an
 * archive feed holds its whole month, a megabyte or two (see `TextPieces`).
 */
export function renderAtomFeedPieces(meta: FeedMeta, releases: readonly StoredRelease[]): string[] {
  const sorted = sortForFeed(releases);
  const entries = meta.maxEntries === undefined ? sorted : sorted.slice(0, Math.max(0, meta.maxEntries));
  // `feed` writes the document and its head; the entries, the bulk of the bytes, are printed
  // directly (see renderAtomEntry) and go where `feed` would have put them, before `</feed>`.
  const head = finishAtomXml(feedHead(meta).atom1(), meta);
  const fallback = Number.isNaN(meta.updated.getTime()) ? EMPTY_FEED_UPDATED : meta.updated;
  const pageBase = meta.releasePageBase;
  const linkOf = (release: StoredRelease) => (pageBase === undefined ? undefined : releasePageUrl(pageBase, release.id));
  const end = head.lastIndexOf("\n</feed>");
  const pieces = [head.slice(0, end)];
  for (const release of entries) pieces.push(renderAtomEntry(release, fallback, linkOf, entryIdFor(release.id)));
  pieces.push(head.slice(end));
  return pieces;
}

/** The `feed` document of a feed's metadata, without entries: id, title, updated, author, links. */
export function feedHead(meta: FeedMeta): Feed {
  const alternate = meta.alternateUrl === undefined ? undefined : requireUrl(meta.alternateUrl, "alternate URL");
  const hub = meta.hubUrl === undefined ? undefined : requireUrl(meta.hubUrl, "WebSub hub URL");
  return new Feed({
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
}
