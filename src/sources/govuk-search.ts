/**
 * `govuk-search` source: lists with the GOV.UK Search API, then fetches each new or changed item
 * from the Content API. New means an unseen link; changed means its public_timestamp moved. Never
 * "newer than the last check": GOV.UK allows backdating. All requests go through a rate limiter.
 */
import type { GovukSearchSourceConfig } from "../config/schema.js";
import { describeError } from "../core/errors.js";
import type { SourceAdapter, SourceContext, SourceCursor, SourceItem, SourceResult } from "../core/source.js";
import { contentUrl, fetchJson, readSearchResults, searchUrl } from "./govuk-api.js";
import type { ContentItem, SearchResult } from "./govuk-api.js";
import { GOVUK_ORIGIN, releaseFromContent } from "./govuk-content.js";
import { createRateLimiter } from "./govuk-rate-limit.js";

export interface GovukSearchOptions {
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** Cursor: link → public_timestamp of the version last read. */
function seenOf(cursor: SourceCursor): Record<string, string> {
  const seen = cursor.seen;
  return seen && typeof seen === "object" ? (seen as Record<string, string>) : {};
}

/** Read before at this public_timestamp: no detail fetch. */
function isUnchanged(result: SearchResult, seen: Record<string, string>): boolean {
  return result.link in seen && seen[result.link] === (result.public_timestamp ?? "");
}

async function readGovuk(config: GovukSearchSourceConfig, context: SourceContext, options: GovukSearchOptions): Promise<SourceResult> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const limiter = createRateLimiter(config.rateLimit, sleep, options.now);
  const listUrl = searchUrl(config.url, config.organisation, config.supergroup, config.count);
  await limiter.wait();
  const results = readSearchResults(await fetchJson(context.http, listUrl), listUrl);

  const previous = seenOf(context.cursor);
  const seen: Record<string, string> = {};
  const items: SourceItem[] = [];
  const warnings: string[] = [];
  const failures: unknown[] = [];
  const todo = results.filter((r) => {
    if (!r.link.startsWith("/")) {
      warnings.push(`${listUrl}: result ${JSON.stringify(r.link)} is not a GOV.UK path; skipped`);
      return false;
    }
    if (isUnchanged(r, previous)) {
      seen[r.link] = r.public_timestamp ?? "";
      return false;
    }
    return true;
  });

  for (const [index, result] of todo.entries()) {
    const url = contentUrl(config.url, result.link);
    try {
      await limiter.wait();
      const item = (await fetchJson(context.http, url)) as ContentItem;
      const release = releaseFromContent(item, result, config.organisation, url);
      items.push({ release, sourceItemId: result.link, url: release.url! });
      seen[result.link] = result.public_timestamp ?? "";
    } catch (error) {
      failures.push(error);
      warnings.push(`${url}: ${describeError(error).replace(`${url}: `, "")}; will retry next run`);
    }
    context.onProgress?.(index + 1, todo.length);
  }
  if (todo.length > 0 && failures.length === todo.length) throw failures[0];
  return { status: todo.length === 0 ? "not-modified" : "ok", items, cursor: { ...context.cursor, seen }, warnings };
}

/** The adapter with an injectable sleep and clock for the rate limiter (tests). */
export function createGovukSearchAdapter(options: GovukSearchOptions = {}): SourceAdapter<GovukSearchSourceConfig> {
  return { type: "govuk-search", read: (config, context) => readGovuk(config, context, options) };
}

export const govukSearchAdapter: SourceAdapter<GovukSearchSourceConfig> = createGovukSearchAdapter();
