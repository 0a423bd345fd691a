/** `feed` source: any RSS (0.9x, 1.0, 2.0) or Atom (0.3, 1.0) feed, fetched politely and read tolerantly (see `feed-parse.ts`). */
import type { FeedSourceConfig } from "../config/schema.js";
import { PressroomError, describeError } from "../core/errors.js";
import type { SourceAdapter, SourceContext, SourceItem, SourceResult } from "../core/source.js";
import { cleanText } from "../core/text.js";
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
  // Relative links resolve against the URL the document came from (after redirects).
  const feed = parseFeed(response.body, response.url || config.url);
  const items: SourceItem[] = [];
  const warnings: string[] = feed.warnings.map((w) => `${config.url}: ${w}`);
  const seen = new Set<string>();
  let filtered = 0;
  for (const [index, entry] of feed.entries.entries()) {
    let outcome: ReturnType<typeof mapFeedEntry>;
    try {
      outcome = mapFeedEntry(entry, { department: config.department, kinds: config.kinds });
    } catch (error) {
      // One entry this code cannot handle costs that entry, not the source.
      const name = cleanText(entry.title) || entry.link || `#${index + 1}`;
      warnings.push(`${config.url}: entry ${JSON.stringify(name)}: ${describeError(error)}; skipped`);
      continue;
    }
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
