/**
 * RSS 0.9x / 1.0 / 2.0 and Atom 0.3 / 1.0 text → plain entries, salvaging what a good feed reader
 * would. The text is read by a tolerant tokenizer (`feed-xml.ts`), never edited first; entries are
 * mapped here by namespace and local name. An entry that cannot be read (cut off by the end of
 * the document, or failing to map) is skipped with a warning naming it; the others still count.
 * The whole source fails (FEED_MALFORMED) only when nothing feed-like is there: no `<rss>`,
 * `<feed>`, `<rdf:RDF>` or `<channel>`, or a document cut off before its first complete entry.
 */
import { PressroomError, describeError } from "../core/errors.js";
import { cleanText } from "../core/text.js";
import { parseFeedDate } from "./feed-dates.js";
import { pickAtomLink, resolveLink } from "./feed-links.js";
import { readHtml, readText } from "./feed-text.js";
import { MAX_DEPTH, NS, childElements, findElements, parseXmlTree, textOf } from "./feed-xml.js";
import type { XmlElement } from "./feed-xml.js";

export interface FeedEntry {
  /** Atom `id`, RSS `guid` or RSS 1.0 `rdf:about`. */
  readonly id?: string;
  /** Absolute URL of the entry's page. */
  readonly link?: string;
  /** Plain text. */
  readonly title: string;
  /** Date texts as the feed wrote them (trimmed); only ones that read as dates survive. */
  readonly published?: string;
  readonly updated?: string;
  /** RSS `pubDate` or `dc:date`. */
  readonly pubDate?: string;
  /** A date the feed carried that is not a date (the entry is then skipped unless it has another). */
  readonly badDate?: string;
  /** Atom summary or RSS description, as HTML. */
  readonly summaryHtml?: string;
  /** Atom content or RSS `content:encoded`, as HTML. */
  readonly contentHtml?: string;
}

export interface ParsedFeed {
  readonly format: "atom" | "rss";
  readonly entries: readonly FeedEntry[];
  /** Entries skipped while reading (`entry 3 "Title": cut off …; skipped`). */
  readonly warnings: readonly string[];
}

const ATOM = new Set<string>([NS.atom, NS.atom03, ""]);
const ATOM_ONLY = new Set<string>([NS.atom, NS.atom03]);
const RSS = new Set<string>(["", NS.rss10, NS.rss090, NS.rss090channel, NS.userland]);
const DC = new Set<string>([NS.dc, NS.dc10]);
const DCTERMS = new Set<string>([NS.dcterms]);
const CONTENT = new Set<string>([NS.content]);

type Field = readonly [ReadonlySet<string>, string];

function pick(element: XmlElement, fields: readonly Field[]): XmlElement | undefined {
  const children = childElements(element);
  for (const [namespaces, local] of fields) {
    const found = children.find((c) => c.local === local && namespaces.has(c.ns));
    if (found) return found;
  }
  return undefined;
}

function plain(element: XmlElement | undefined): string | undefined {
  const text = element ? cleanText(textOf(element)) : "";
  return text === "" ? undefined : text;
}

/** Date candidates by role, in order of preference, per format. */
function dateFields(format: ParsedFeed["format"]): Record<"published" | "updated" | "pubDate", readonly Field[]> {
  const atom = format === "atom" ? ATOM : ATOM_ONLY;
  return {
    published: [[atom, "published"], [atom, "issued"], [DCTERMS, "issued"], [DCTERMS, "created"], [atom, "created"]],
    updated: [[atom, "updated"], [atom, "modified"], [DCTERMS, "modified"]],
    pubDate: [[format === "rss" ? RSS : new Set<string>(), "pubDate"], [DC, "date"]],
  };
}

function readDates(item: XmlElement, format: ParsedFeed["format"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [role, fields] of Object.entries(dateFields(format))) {
    for (const field of fields) {
      const text = plain(pick(item, [field]));
      if (text === undefined) continue;
      if (parseFeedDate(text)) {
        out[role] = text;
        break;
      }
      out.badDate ??= text;
    }
  }
  if (out.published || out.updated || out.pubDate) delete out.badDate;
  return out;
}

function readAtomEntry(entry: XmlElement): FeedEntry {
  return {
    ...defined({
      id: plain(pick(entry, [[ATOM, "id"]])),
      link: pickAtomLink(entry),
      summaryHtml: readHtml(pick(entry, [[ATOM, "summary"], [DC, "description"]]), "text"),
      contentHtml: readHtml(pick(entry, [[ATOM, "content"]]), "text"),
    }),
    title: readText(pick(entry, [[ATOM, "title"], [DC, "title"]]), "text"),
    ...readDates(entry, "atom"),
  };
}

function readRssItem(item: XmlElement, siteUrl: string | undefined, documentUrl: string): FeedEntry {
  // No xml:base in scope: relative links are relative to the site, as feed readers read them.
  const base = item.base === documentUrl && siteUrl ? siteUrl : item.base;
  const linkElement = pick(item, [[RSS, "link"]]);
  const guid = pick(item, [[RSS, "guid"]]);
  const guidUrl = guid && (guid.attrs.isPermaLink ?? "true").trim().toLowerCase() !== "false" && /^\s*(https?:|\/)/i.test(textOf(guid))
    ? resolveLink(textOf(guid), base)
    : undefined;
  return {
    ...defined({
      id: plain(guid) ?? (item.attrs["rdf:about"]?.trim() || undefined),
      link: (linkElement ? resolveLink(textOf(linkElement), linkElement.base === documentUrl ? base : linkElement.base) : undefined)
        ?? pickAtomLink(item, ATOM_ONLY)
        ?? guidUrl,
      summaryHtml: readHtml(pick(item, [[RSS, "description"], [DC, "description"]]), "html"),
      contentHtml: readHtml(pick(item, [[CONTENT, "encoded"]]), "html"),
    }),
    title: readText(pick(item, [[RSS, "title"], [DC, "title"]]), "html"),
    ...readDates(item, "rss"),
  };
}

function defined<T extends Record<string, string | undefined>>(fields: T): Partial<Record<keyof T, string>> {
  const out: Partial<Record<keyof T, string>> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key as keyof T] = value;
  return out;
}

function isFeedRoot(e: XmlElement): boolean {
  return (e.local === "feed" && ATOM.has(e.ns)) || (e.local === "rss" && RSS.has(e.ns)) || (e.local === "RDF" && e.ns === NS.rdf)
    || (e.local === "channel" && RSS.has(e.ns));
}

function labelOf(entry: XmlElement, index: number, format: ParsedFeed["format"]): string {
  const element = pick(entry, [[format === "atom" ? ATOM : RSS, "title"]]);
  const title = element ? cleanText(textOf(element)) : "";
  return `entry ${index + 1}${title ? ` ${JSON.stringify(title.length > 80 ? `${title.slice(0, 79)}…` : title)}` : ""}`;
}

/** Parses feed text; `url` is the document's URL (the first base for relative links). Throws FEED_MALFORMED `<url>: not a feed: <reason>`. */
export function parseFeed(xml: string, url: string): ParsedFeed {
  const fail = (reason: string): PressroomError => new PressroomError("FEED_MALFORMED", `${url}: not a feed: ${reason}`);
  const document = parseXmlTree(xml, url);
  const [root] = findElements(document.roots, isFeedRoot);
  if (!root) {
    const first = document.roots[0];
    throw fail(first
      ? `no <rss>, <feed> or <rdf:RDF> element (the document is <${first.name}>)`
      : "no elements at all (the document is empty or is not XML)");
  }
  const format: ParsedFeed["format"] = root.local === "feed" ? "atom" : "rss";
  const candidates = format === "atom"
    ? findElements(childElements(root), (e) => e.local === "entry" && ATOM.has(e.ns))
    : findElements(childElements(root), (e) => e.local === "item" && RSS.has(e.ns));
  const channel = format === "rss" ? (root.local === "channel" ? root : pick(root, [[RSS, "channel"]])) : undefined;
  const channelLink = channel ? pick(channel, [[RSS, "link"]]) : undefined;
  const siteUrl = channelLink ? resolveLink(textOf(channelLink), channelLink.base) : undefined;

  const entries: FeedEntry[] = [];
  const warnings: string[] = [];
  const cutBy = document.stoppedBy === "depth" ? `elements nested deeper than ${MAX_DEPTH} levels` : "the end of the document";
  candidates.forEach((candidate, index) => {
    if (candidate.cutOff) {
      warnings.push(`${labelOf(candidate, index, format)}: cut off by ${cutBy}; skipped`);
      return;
    }
    try {
      entries.push(format === "atom" ? readAtomEntry(candidate) : readRssItem(candidate, siteUrl, url));
    } catch (error) {
      warnings.push(`${labelOf(candidate, index, format)}: unreadable (${describeError(error)}); skipped`);
    }
  });
  if (entries.length === 0 && document.cutOff) {
    const where = `<${document.cutOffAt ?? root.name}>`;
    throw fail(document.stoppedBy === "depth"
      ? `elements nest deeper than ${MAX_DEPTH} levels inside ${where} before any complete entry`
      : `the document ends inside ${where} before any complete entry (a truncated download?)`);
  }
  return { format, entries, warnings };
}
