/**
 * RSS / Atom text → plain entries with rss-parser. Invalid entry dates are blanked before parsing
 * (rss-parser would otherwise throw `RangeError: Invalid time value` for the whole feed) and kept
 * aside, so only the entry that carried them is skipped.
 */
import Parser from "rss-parser";
import { PressroomError, describeError } from "../core/errors.js";

export interface FeedEntry {
  /** Atom `id` or RSS `guid`. */
  readonly id?: string;
  readonly link?: string;
  readonly title: string;
  /** Raw date strings, as in the feed (only valid ones survive). */
  readonly published?: string;
  readonly updated?: string;
  readonly pubDate?: string;
  /** A date the feed carried that is not a date (the entry is then skipped unless it has another). */
  readonly badDate?: string;
  /** Atom summary or RSS description (HTML). */
  readonly summaryHtml?: string;
  /** Atom content or RSS `content:encoded` (HTML). */
  readonly contentHtml?: string;
}

export interface ParsedFeed {
  readonly format: "atom" | "rss";
  readonly entries: readonly FeedEntry[];
}

const BAD_DATE_TAG = "pressroom-bad-date";
const DATE_ELEMENT = /<(published|updated|pubDate|dc:date)(\s[^>]*)?>([\s\S]*?)<\/\1>/g;
const CDATA = /^<!\[CDATA\[([\s\S]*)\]\]>$/;

/**
 * rss-parser turns every date element into a Date and throws for the whole feed on one it cannot
 * read: date texts are trimmed (pretty-printed feeds), CDATA is unwrapped, and a date that still
 * does not parse is blanked, its text kept in a marker element the parser passes through.
 */
export function blankInvalidDates(xml: string): string {
  return xml.replace(DATE_ELEMENT, (whole, tag: string, attrs: string | undefined, value: string) => {
    let text = value.trim();
    const cdata = CDATA.exec(text);
    if (cdata) text = cdata[1]!.trim();
    if (text === "") return whole;
    if (!/[<&]/.test(text) && !Number.isNaN(Date.parse(text))) return text === value ? whole : `<${tag}${attrs ?? ""}>${text}</${tag}>`;
    const kept = text.replace(/&/g, "&amp;").replace(/</g, "&lt;");
    return `<${tag}${attrs ?? ""}></${tag}><${BAD_DATE_TAG}>${kept}</${BAD_DATE_TAG}>`;
  });
}

const parser = new Parser({
  customFields: {
    item: ["updated", "published", "content:encoded", BAD_DATE_TAG],
  },
});

type RawItem = Record<string, unknown>;

function str(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim() === "" ? undefined : value;
  if (value && typeof value === "object" && typeof (value as { _?: unknown })._ === "string") {
    return str((value as { _: string })._);
  }
  return undefined;
}

function toEntry(item: RawItem, format: ParsedFeed["format"]): FeedEntry {
  const entry: Record<string, string | undefined> = {
    id: str(item.id) ?? str(item.guid),
    link: str(item.link),
    title: str(item.title) ?? "",
    published: str(item.published),
    updated: str(item.updated),
    pubDate: format === "rss" ? str(item.pubDate) : undefined,
    badDate: str(item[BAD_DATE_TAG]),
    summaryHtml: format === "atom" ? str(item.summary) : str(item.content),
    contentHtml: format === "atom" ? str(item.content) : str(item["content:encoded"]),
  };
  for (const key of Object.keys(entry)) if (entry[key] === undefined) delete entry[key];
  return entry as unknown as FeedEntry;
}

/** Parses feed text. Throws FEED_MALFORMED `<url>: not a feed: <reason>`. */
export async function parseFeed(xml: string, url: string): Promise<ParsedFeed> {
  const format: ParsedFeed["format"] = /<feed[\s>]/.test(xml.slice(0, 4096)) && !/<rss[\s>]/.test(xml.slice(0, 4096)) ? "atom" : "rss";
  let output: { items: RawItem[] };
  try {
    output = (await parser.parseString(blankInvalidDates(xml))) as unknown as { items: RawItem[] };
  } catch (error) {
    const reason = describeError(error).split("\n").join(" ").trim();
    throw new PressroomError("FEED_MALFORMED", `${url}: not a feed: ${reason}`, { cause: error });
  }
  return { format, entries: (output.items ?? []).map((item) => toEntry(item, format)) };
}
