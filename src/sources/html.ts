/**
 * `html` source: a listing page plus article pages, scraped with CSS selectors from config, for a
 * site with no feed. Only article URLs not seen before are fetched.
 */
import type { HtmlSourceConfig } from "../config/schema.js";
import { PressroomError, describeError } from "../core/errors.js";
import { canonicalId, canonicalUrl } from "../core/ids.js";
import type { Release } from "../core/release.js";
import type { SourceAdapter, SourceContext, SourceItem, SourceResult } from "../core/source.js";
import { validatorsFor, withValidators } from "./feed-cursor.js";
import { parseScrapedDate } from "./html-date.js";
import { scrapeArticle, scrapeListing } from "./html-scrape.js";
import type { ListingLink } from "./html-scrape.js";
import { normaliseKind } from "./kinds.js";

const ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1";

function seenOf(context: SourceContext): Set<string> {
  const seen = context.cursor.seen;
  return new Set(Array.isArray(seen) ? seen.filter((s): s is string => typeof s === "string") : []);
}

async function readArticle(link: ListingLink, config: HtmlSourceConfig, context: SourceContext): Promise<SourceItem> {
  const response = await context.http.get(link.url, { accept: ACCEPT });
  if (response.status !== "ok") throw new PressroomError("FETCH_FAILED", `${link.url}: unexpected 304 Not Modified`);
  const article = scrapeArticle(response.body, config.article);
  const title = article.title || link.title || "";
  if (!title) throw new PressroomError("FEED_MALFORMED", `${link.url}: no title matches "${config.article.title}"`);
  const when = parseScrapedDate(article.date) ?? parseScrapedDate(link.date);
  if (!when) {
    const found = article.date ?? link.date;
    throw new PressroomError("FEED_MALFORMED", `${link.url}: ${found ? `date "${found}" is not a date` : `no date matches "${config.article.date ?? config.listing.date ?? "(none configured)"}"`}`);
  }
  const url = canonicalUrl(response.url);
  const first = article.body.find((b) => b.type === "paragraph");
  const release: Release = {
    id: canonicalId(config.department, when.date, title),
    title,
    kind: normaliseKind(config.kind),
    department: config.department,
    date: when.date,
    ...(when.publishedAt ? { publishedAt: when.publishedAt } : {}),
    summary: article.summary ?? (first?.type === "paragraph" ? first.text : ""),
    body: article.body,
    url,
  };
  return { release, sourceItemId: link.url, url };
}

async function readHtml(config: HtmlSourceConfig, context: SourceContext): Promise<SourceResult> {
  const validators = validatorsFor(context.cursor, config.url);
  const listing = await context.http.get(config.url, { accept: ACCEPT, ...(validators ? { validators } : {}) });
  if (listing.status === "not-modified") return { status: "not-modified", items: [], cursor: context.cursor, warnings: [] };
  const listed = scrapeListing(listing.body, listing.url, config.listing);
  const warnings: string[] = [];
  if (listed.length === 0) warnings.push(`${config.url}: no article links match "${config.listing.item}" / "${config.listing.link}"`);

  const previous = seenOf(context);
  // The first read (or the first with a cursor from before `seenWholeListing`, which named only the
  // newest maxArticles links) reads the newest maxArticles: the rest of the listing is backlog,
  // known from then on without being fetched. Later reads look for new links in the whole listing,
  // so more new articles than maxArticles are read over the next runs, never left below the cut.
  const whole = context.cursor.seenWholeListing === true;
  const links = whole ? listed : listed.slice(0, config.maxArticles);
  const backlog = whole ? [] : listed.slice(config.maxArticles).map((link) => link.url);
  const seen: string[] = [];
  const unseen = links.filter((link) => {
    const known = previous.has(link.url);
    if (known) seen.push(link.url);
    return !known;
  });
  const todo = unseen.slice(0, config.maxArticles);
  const deferred = unseen.length - todo.length;
  if (deferred > 0) warnings.push(`${config.url}: ${deferred} more new article(s) than maxArticles (${config.maxArticles}); read on the next run`);
  const items: SourceItem[] = [];
  const failures: unknown[] = [];
  for (const [index, link] of todo.entries()) {
    try {
      items.push(await readArticle(link, config, context));
      seen.push(link.url);
    } catch (error) {
      failures.push(error);
      warnings.push(`${describeError(error)}; will retry next run`);
    }
    context.onProgress?.(index + 1, todo.length);
  }
  if (todo.length > 0 && failures.length === todo.length) throw failures[0];
  // After a failed or deferred article, forget the listing's validators so a 304 cannot hide it next run.
  const base = failures.length > 0 || deferred > 0 ? context.cursor : withValidators(context.cursor, config.url, listing.validators);
  const cursor = { ...base, seen: [...seen, ...backlog], seenWholeListing: true };
  return { status: "ok", items, cursor, warnings };
}

export const htmlAdapter: SourceAdapter<HtmlSourceConfig> = {
  type: "html",
  read: readHtml,
};
