/** A GOV.UK Content API item → a normalised release. */
import { PressroomError } from "../core/errors.js";
import { canonicalId, canonicalUrl } from "../core/ids.js";
import { londonDate } from "../core/london.js";
import type { Release } from "../core/release.js";
import { cleanText } from "../core/text.js";
import type { ContentItem, SearchResult } from "./govuk-api.js";
import { htmlToText } from "./html-text.js";
import { htmlToBlocks } from "./html-to-blocks.js";
import { normaliseKind } from "./kinds.js";

export const GOVUK_ORIGIN = "https://www.gov.uk";

/**
 * The followed organisation when it is among the item's organisations (so ids agree with the feed
 * sources, which use the configured department), else the lead (first emphasised), else the first.
 */
function departmentOf(item: ContentItem, organisation: string): string {
  const orgs = item.links?.organisations ?? [];
  const lead = item.details?.emphasised_organisations?.[0];
  const chosen =
    orgs.find((o) => o.base_path === `/government/organisations/${organisation}`) ??
    orgs.find((o) => lead !== undefined && o.content_id === lead) ??
    orgs[0];
  return cleanText(chosen?.title ?? "") || "Home Office";
}

/** The latest change note, unless the only one is GOV.UK's "First published." */
function latestChangeNote(item: ContentItem): string | undefined {
  const history = [...(item.details?.change_history ?? [])]
    .filter((c) => typeof c.note === "string" && c.note.trim() !== "")
    .sort((a, b) => Date.parse(b.public_timestamp ?? "") - Date.parse(a.public_timestamp ?? ""));
  const latest = history[0];
  if (!latest?.note) return undefined;
  if (history.length === 1 && /^first published\.?$/i.test(latest.note.trim())) return undefined;
  return cleanText(latest.note);
}

function iso(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function releaseFromContent(item: ContentItem, result: SearchResult, organisation: string, url: string): Release {
  const title = cleanText(item.title ?? result.title ?? "");
  const publishedAt = iso(item.first_published_at) ?? iso(result.public_timestamp);
  if (!title || !publishedAt) {
    throw new PressroomError("FEED_MALFORMED", `${url}: content item has no ${title ? "first_published_at" : "title"}`);
  }
  const department = departmentOf(item, organisation);
  const date = londonDate(publishedAt);
  const changeNote = latestChangeNote(item);
  return {
    id: canonicalId(department, date, title),
    title,
    kind: normaliseKind(item.document_type ?? result.content_store_document_type ?? "news"),
    department,
    date,
    publishedAt,
    summary: htmlToText(item.description ?? result.description ?? ""),
    body: htmlToBlocks(item.details?.body ?? ""),
    url: canonicalUrl(new URL(item.base_path ?? result.link, GOVUK_ORIGIN).toString()),
    ...(changeNote ? { changeNote } : {}),
  };
}
