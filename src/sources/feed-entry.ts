/**
 * One feed entry → one SourceItem. Knows the three real feeds: the GOV.UK organisation feed
 * (`<url>#<timestamp>` ids, `Press release: ` prefixes), the GOV.UK finder feed (stable `tag:` ids,
 * `updated` only) and UKPOL's WordPress RSS (date line in the body, repost `pubDate`).
 */
import { canonicalId, canonicalUrl } from "../core/ids.js";
import { londonDate } from "../core/london.js";
import type { Release } from "../core/release.js";
import type { SourceItem } from "../core/source.js";
import { cleanText } from "../core/text.js";
import { parseFeedDate } from "./feed-dates.js";
import type { FeedEntry } from "./feed-parse.js";
import { parseUkpolBody, parseUkpolTitle } from "./feed-ukpol.js";
import { htmlToText } from "./html-text.js";
import { htmlToBlocks } from "./html-to-blocks.js";
import { NEWS_KINDS, kindFromGovukPath, normaliseKind, splitGovukPrefix } from "./kinds.js";

export interface EntryOptions {
  readonly department: string;
  /** Kinds to keep (normalised); undefined keeps news kinds of GOV.UK entries and everything else. */
  readonly kinds?: readonly string[];
}

export type EntryOutcome =
  | { readonly item: SourceItem }
  | { readonly filtered: string }
  | { readonly skipped: string };

function isHttpUrl(value: string | undefined): value is string {
  return value !== undefined && /^https?:\/\//i.test(value);
}

function isGovuk(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return /(^|\.)gov\.uk$/i.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** A fragment that is a date or a date and time (`2023-10-30T16:55:36+00:00`). */
const TIMESTAMP_FRAGMENT = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * GOV.UK organisation-feed ids are `<url>#<timestamp>`: the URL part is the stable key. Elsewhere a
 * fragment may be what tells entries apart (`/press#statement-1`, `/press#statement-2`): it stays.
 */
function stableId(entry: FeedEntry): string | undefined {
  if (isHttpUrl(entry.id)) {
    const at = entry.id.indexOf("#");
    if (at >= 0 && (isGovuk(entry.id) || TIMESTAMP_FRAGMENT.test(decodeFragment(entry.id.slice(at + 1))))) return entry.id.slice(0, at);
    return entry.id;
  }
  return entry.id ?? entry.link;
}

function decodeFragment(fragment: string): string {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}

export function mapFeedEntry(entry: FeedEntry, options: EntryOptions): EntryOutcome {
  const sourceItemId = stableId(entry);
  const link = isHttpUrl(entry.link) ? entry.link : isHttpUrl(sourceItemId) ? sourceItemId : undefined;
  const url = link ? canonicalUrl(link) : undefined;
  const label = `entry ${JSON.stringify(cleanText(entry.title) || "(untitled)")}${url ? ` (${url})` : ""}`;

  const ukpolTitle = parseUkpolTitle(cleanText(entry.title));
  // `Speech: …`, `Statistics: …` prefixes are GOV.UK's document types; on other sites a colon in a
  // title is just a colon.
  const govuk = isGovuk(url) ? splitGovukPrefix(ukpolTitle.title) : { title: ukpolTitle.title, kind: undefined };
  const title = govuk.title;
  if (!title) return { skipped: `${label}: no title; skipped` };

  const ukpol = entry.contentHtml ? parseUkpolBody(entry.contentHtml) : undefined;
  const dateLine = ukpol?.dateLine;
  const published = parseFeedDate(entry.published);
  const stamp = published ?? parseFeedDate(entry.updated) ?? parseFeedDate(entry.pubDate);
  let date = dateLine?.date ?? (stamp ? londonDate(stamp) : undefined);
  if (!date && ukpolTitle.month) date = `${ukpolTitle.month}-01`;
  if (!date) {
    const why = entry.badDate ? `date ${JSON.stringify(entry.badDate)} is not a date` : "no date";
    return { skipped: `${label}: ${why}; skipped` };
  }

  const govukKind = govuk.kind ?? (isGovuk(url) ? kindFromGovukPath(url!) : undefined);
  const kind = govukKind ?? ukpolTitle.kind ?? (dateLine ? normaliseKind(dateLine.label) : "news");
  const wanted = options.kinds?.map(normaliseKind);
  if (wanted ? !wanted.includes(kind) : govukKind !== undefined && !NEWS_KINDS.has(kind)) {
    return { filtered: kind };
  }

  const body = dateLine ? ukpol!.body : entry.contentHtml ? htmlToBlocks(entry.contentHtml) : [];
  const firstParagraph = body.find((b) => b.type === "paragraph");
  const summary = dateLine
    ? (firstParagraph?.type === "paragraph" ? firstParagraph.text : "")
    : htmlToText(entry.summaryHtml ?? "");
  const department = dateLine?.issuer ?? options.department;
  // UKPOL's pubDate is the repost time, not publication.
  const publishedAt = published ?? (dateLine ? undefined : parseFeedDate(entry.pubDate));

  const release: Release = {
    id: canonicalId(department, date, title),
    title,
    kind,
    department,
    date,
    ...(publishedAt ? { publishedAt } : {}),
    summary,
    body,
    ...(url ? { url } : {}),
  };
  // GOV.UK's organisation feed marks an edit with a new `#<timestamp>` id, its finder feed by `updated`.
  const version = entry.id && entry.id !== sourceItemId ? entry.id : isGovuk(url) ? entry.updated : undefined;
  return { item: { release, ...(sourceItemId ? { sourceItemId } : {}), ...(url ? { url } : {}), ...(version ? { version } : {}) } };
}
