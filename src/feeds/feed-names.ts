import { TAG_AUTHORITY } from "../core/ids.js";
import { slugify } from "../core/text.js";

/** Name of the subscription feed holding every release: written as `all.atom`. */
export const ALL_FEED = "all";

/** Date part of feed `tag:` ids (RFC 4151). Fixed forever: changing it changes every feed id. */
const FEED_TAG_DATE = "2023";

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** `tag:pressroom.invalid,2023:feeds/kinds/speech` for the feed named `kinds/speech`. */
export function feedIdFor(name: string): string {
  return `tag:${TAG_AUTHORITY},${FEED_TAG_DATE}:feeds/${name}`;
}

/** The file of a feed under the feeds folder: `all` → `all.atom`, `kinds/speech` → `kinds/speech.atom`. */
export function feedFileFor(name: string): string {
  return `${name}.atom`;
}

/** Public URL of a feed: `<baseUrl>/feeds/<name>.atom`. */
export function feedUrlFor(baseUrl: string, name: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/feeds/${feedFileFor(name)}`;
}

/** `kinds/<kind-slug>`. */
export function kindFeedName(kind: string): string {
  return `kinds/${kindSlug(kind)}`;
}

/** `topics/<name>` for a named topic from config (names are already `[a-z0-9-_]`). */
export function topicFeedName(name: string): string {
  return `topics/${/^[a-z0-9][a-z0-9_-]*$/.test(name) ? name : slugify(name, 80)}`;
}

/** True for a `YYYY-MM` month. */
export function isArchiveMonth(month: string): boolean {
  return MONTH.test(month);
}

/** `archive/<YYYY-MM>` for a monthly RFC 5005 archive document. */
export function archiveFeedName(month: string): string {
  if (!MONTH.test(month)) throw new RangeError(`feeds: archive month "${month}" is not YYYY-MM`);
  return `archive/${month}`;
}

/** The archive month (`YYYY-MM`) a release belongs to: the month of its London calendar date. */
export function archiveMonthOf(release: { readonly date: string }): string {
  return release.date.slice(0, 7);
}

/** The kind as a category term and file-name part: always a slug. */
export function kindSlug(kind: string): string {
  return slugify(kind, 60);
}

/** Human label of a kind: `press-release` → `Press release`. */
export function kindLabel(kind: string): string {
  const words = kindSlug(kind).replace(/-/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
