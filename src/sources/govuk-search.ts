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

/** Pages of `count` results read in one run, at most, while every page brings something new. */
const MAX_PAGES = 10;
/** Results whose content fetch failed, kept in the cursor to be read again: at most. */
const MAX_RETRIES = 500;

/** Cursor: link → public_timestamp of the version last read. */
function seenOf(cursor: SourceCursor): Record<string, string> {
  const seen = cursor.seen;
  return seen && typeof seen === "object" ? (seen as Record<string, string>) : {};
}

/** Cursor: results whose content fetch failed, read again on the next run wherever the listing has them. */
function retriesOf(cursor: SourceCursor): SearchResult[] {
  const retry = cursor.retry;
  return Array.isArray(retry) ? retry.filter((r): r is SearchResult => typeof r === "object" && r !== null && typeof (r as { link?: unknown }).link === "string") : [];
}

/** Read before at this public_timestamp: no detail fetch. */
function isUnchanged(result: SearchResult, seen: Record<string, string>): boolean {
  return result.link in seen && seen[result.link] === (result.public_timestamp ?? "");
}

/**
 * The listing, newest first: the first page, then the next ones while a page brings anything new
 * or changed (more releases than `count` since the last poll would otherwise be lost below the
 * first page). A first read takes the first page only (the baseline). Results that moved from one
 * page to the next while paging appear once.
 */
async function listResults(config: GovukSearchSourceConfig, context: SourceContext, limiter: { wait(): Promise<void> }, previous: Record<string, string>, warnings: string[]) {
  const firstRead = Object.keys(previous).length === 0;
  const byLink = new Map<string, SearchResult>();
  const listUrl = searchUrl(config.url, config.organisation, config.supergroup, config.count);
  for (let page = 0; ; page++) {
    const url = searchUrl(config.url, config.organisation, config.supergroup, config.count, page * config.count);
    await limiter.wait();
    const results = readSearchResults(await fetchJson(context.http, url), url);
    for (const r of results) if (!byLink.has(r.link)) byLink.set(r.link, r);
    if (firstRead || results.length < config.count || results.every((r) => isUnchanged(r, previous))) break;
    if (page + 1 >= MAX_PAGES) {
      warnings.push(`${listUrl}: more than ${MAX_PAGES * config.count} results new or changed since the last poll; older ones are not read (raise count)`);
      break;
    }
  }
  return { listUrl, results: [...byLink.values()] };
}

async function readGovuk(config: GovukSearchSourceConfig, context: SourceContext, options: GovukSearchOptions): Promise<SourceResult> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const limiter = createRateLimiter(config.rateLimit, sleep, options.now);
  const previous = seenOf(context.cursor);
  const warnings: string[] = [];
  const { listUrl, results } = await listResults(config, context, limiter, previous, warnings);
  // A result whose fetch failed is read again even once newer ones pushed it off the pages read.
  const listed = new Set(results.map((r) => r.link));
  const retries = retriesOf(context.cursor).filter((r) => !listed.has(r.link) && !isUnchanged(r, previous));

  const seen: Record<string, string> = {};
  const items: SourceItem[] = [];
  const failures: unknown[] = [];
  const failed: SearchResult[] = [];
  const todo = [...results, ...retries].filter((r) => {
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
      failed.push(result);
      warnings.push(`${url}: ${describeError(error).replace(`${url}: `, "")}; will retry next run`);
    }
    context.onProgress?.(index + 1, todo.length);
  }
  if (todo.length > 0 && failures.length === todo.length) throw failures[0];
  const { retry: _before, ...rest } = context.cursor;
  const cursor: SourceCursor = { ...rest, seen, ...(failed.length > 0 ? { retry: failed.slice(0, MAX_RETRIES) } : {}) };
  return { status: todo.length === 0 ? "not-modified" : "ok", items, cursor, warnings };
}

/** The adapter with an injectable sleep and clock for the rate limiter (tests). */
export function createGovukSearchAdapter(options: GovukSearchOptions = {}): SourceAdapter<GovukSearchSourceConfig> {
  return { type: "govuk-search", read: (config, context) => readGovuk(config, context, options) };
}

export const govukSearchAdapter: SourceAdapter<GovukSearchSourceConfig> = createGovukSearchAdapter();
