/** CSS-selector scraping of a listing page and an article page (cheerio). */
import { load } from "cheerio";
import type { HtmlSourceConfig } from "../config/schema.js";
import type { Block } from "../core/release.js";
import { cleanText } from "../core/text.js";
import { htmlToBlocks } from "./html-to-blocks.js";

export interface ListingLink {
  readonly url: string;
  readonly title?: string;
  readonly date?: string;
}

export interface ScrapedArticle {
  readonly title: string;
  readonly date?: string;
  readonly summary?: string;
  readonly body: Block[];
}

/** Article links in listing order (absolute, http(s) only, no duplicates). */
export function scrapeListing(html: string, baseUrl: string, listing: HtmlSourceConfig["listing"]): ListingLink[] {
  const $ = load(html);
  const out: ListingLink[] = [];
  const seen = new Set<string>();
  $(listing.item).each((_, element) => {
    const item = $(element);
    const anchor = item.is(listing.link) ? item : item.find(listing.link).first();
    const href = anchor.attr("href");
    if (!href) return;
    let url: URL;
    try {
      url = new URL(href.trim(), baseUrl);
    } catch {
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return;
    url.hash = "";
    if (seen.has(url.href)) return;
    seen.add(url.href);
    const title = listing.title ? cleanText(item.find(listing.title).first().text()) : cleanText(anchor.text());
    const dateEl = listing.date ? item.find(listing.date).first() : undefined;
    const date = dateEl ? (dateEl.attr("datetime") ?? dateEl.text()) : undefined;
    out.push({ url: url.href, ...(title ? { title } : {}), ...(date ? { date } : {}) });
  });
  return out;
}

export function scrapeArticle(html: string, article: HtmlSourceConfig["article"]): ScrapedArticle {
  const $ = load(html);
  const title = cleanText($(article.title).first().text());
  const dateEl = article.date ? $(article.date).first() : undefined;
  const date = dateEl && dateEl.length > 0 ? (dateEl.attr("datetime") ?? dateEl.text()) : undefined;
  const summary = article.summary ? cleanText($(article.summary).first().text()) : undefined;
  const body = $(article.body)
    .toArray()
    .flatMap((el) => htmlToBlocks($(el).html() ?? ""));
  return { title, ...(date ? { date } : {}), ...(summary ? { summary } : {}), body };
}
