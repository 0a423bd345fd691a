/** `feed` source: any RSS 2.0 or Atom feed, fetched politely and read with rss-parser. */
import type { FeedSourceConfig } from "../config/schema.js";
import { PressroomError } from "../core/errors.js";
import type { SourceAdapter, SourceContext, SourceItem, SourceResult } from "../core/source.js";
import { validatorsFor, withValidators } from "./feed-cursor.js";
import { mapFeedEntry } from "./feed-entry.js";
import { parseFeed } from "./feed-parse.js";

const ACCEPT = "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1";

/** An HTML page where a feed should be (an error page, a login wall, a moved site). */
export function looksLikeHtml(body: string, contentType: string): boolean {
  const head = body.slice(0, 2048);
  if (/^(\uFEFF)?\s*(<!--[\s\S]*?-->\s*)*<(!doctype\s+html|html[\s>])/i.test(head)) return true;
  // A feed mislabelled text/html by its server is still a feed.
  const feedLike = /^(\uFEFF)?\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<(rss|feed|rdf:RDF)[\s>]/i.test(head);
  return /\btext\/html\b|application\/xhtml/i.test(contentType) && !feedLike;
}

async function readFeed(config: FeedSourceConfig, context: SourceContext): Promise<SourceResult> {
  const validators = validatorsFor(context.cursor, config.url);
  const response = await context.http.get(config.url, { accept: ACCEPT, ...(validators ? { validators } : {}) });
  if (response.status === "not-modified") {
    return { status: "not-modified", items: [], cursor: context.cursor, warnings: [] };
  }
  if (looksLikeHtml(response.body, response.contentType)) {
    throw new PressroomError("FEED_MALFORMED", `${config.url}: returned an HTML page, not a feed (check the URL, or the site may be down)`);
  }
  const feed = await parseFeed(response.body, config.url);
  const items: SourceItem[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  let filtered = 0;
  for (const entry of feed.entries) {
    const outcome = mapFeedEntry(entry, { department: config.department, kinds: config.kinds });
    if ("skipped" in outcome) warnings.push(`${config.url}: ${outcome.skipped}`);
    else if ("filtered" in outcome) filtered += 1;
    else {
      const key = outcome.item.sourceItemId ?? outcome.item.release.id;
      if (seen.has(key)) continue;
      seen.add(key);
      items.push(outcome.item);
    }
  }
  if (filtered > 0) context.log.debug("feed entries filtered", { source: config.id, filtered });
  return { status: "ok", items, cursor: withValidators(context.cursor, config.url, response.validators), warnings };
}

export const feedAdapter: SourceAdapter<FeedSourceConfig> = {
  type: "feed",
  read: readFeed,
};
