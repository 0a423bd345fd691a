import type { IncomingMessage, ServerResponse } from "node:http";
import { isPressroomError } from "../core/errors.js";
import type { StoredRelease } from "../core/release.js";
import { feedIdFor, latestUpdate, renderAtomFeed, sortForFeed } from "../feeds/index.js";
import { topicId } from "../mail/index.js";
import { compileQuery, type CompiledQuery } from "../match/index.js";
import { HttpError } from "./http-errors.js";
import { ATOM_TYPE } from "./feed-routes.js";
import { createLruCache, type LruCache } from "./lru-cache.js";
import { sendCached } from "./send-cached.js";
import type { ServerContext } from "./server-context.js";
import { withReadStore } from "./state-access.js";

/** Longest query accepted for a live feed. */
export const MAX_QUERY_CHARS = 500;

/** A rendered live feed, as cached. */
export interface LiveFeed {
  readonly body: Buffer;
  readonly lastModified: Date;
}

export type LiveFeedCache = LruCache<LiveFeed>;

/** Bounds on the work one live feed request may cost. */
export interface LiveFeedOptions {
  /** Newest months scanned at most (older releases never appear in a live feed). */
  readonly maxMonths: number;
  /** Releases tested at most per request; the scan stops there. */
  readonly maxReleases: number;
  /** Rendered feeds kept, keyed by query and last run. */
  readonly cache: LiveFeedCache;
}

export const LIVE_FEED_MAX_MONTHS = 24;
export const LIVE_FEED_MAX_RELEASES = 5_000;
export const LIVE_FEED_CACHE_ENTRIES = 100;

export function createLiveFeedCache(entries = LIVE_FEED_CACHE_ENTRIES): LiveFeedCache {
  return createLruCache<LiveFeed>(entries);
}

export function liveFeedOptions(options: Partial<LiveFeedOptions> = {}): LiveFeedOptions {
  return {
    maxMonths: options.maxMonths ?? LIVE_FEED_MAX_MONTHS,
    maxReleases: options.maxReleases ?? LIVE_FEED_MAX_RELEASES,
    cache: options.cache ?? createLiveFeedCache(),
  };
}

function compileOr400(query: string | null): CompiledQuery {
  if (query === null || query.trim() === "") throw new HttpError(400, "add a query: /feeds/topics?q=<query>, e.g. q=asylum AND kind:press-release");
  if (query.length > MAX_QUERY_CHARS) throw new HttpError(400, `query too long (over ${MAX_QUERY_CHARS} characters)`);
  try {
    return compileQuery(query);
  } catch (error) {
    if (isPressroomError(error, "QUERY_INVALID")) throw new HttpError(400, error.message);
    throw error;
  }
}

/**
 * Newest matching releases, month by month (newest first) until `limit` are found, within the
 * newest `maxMonths` months and at most `maxReleases` releases tested.
 */
export async function findMatches(
  months: readonly string[],
  load: (month: string) => Promise<StoredRelease[]>,
  compiled: CompiledQuery,
  limit: number,
  bounds: Pick<LiveFeedOptions, "maxMonths" | "maxReleases">,
): Promise<StoredRelease[]> {
  const hits: StoredRelease[] = [];
  let tested = 0;
  scan: for (const month of [...months].sort().reverse().slice(0, bounds.maxMonths)) {
    for (const release of await load(month)) {
      if (tested++ >= bounds.maxReleases) break scan;
      if (compiled.matches(release)) hits.push(release);
    }
    if (hits.length >= limit) break;
  }
  return sortForFeed(hits).slice(0, limit);
}

function renderLiveFeed(ctx: ServerContext, query: string, releases: readonly StoredRelease[]): LiveFeed {
  const base = ctx.config.feeds.baseUrl.replace(/\/+$/, "");
  const updated = latestUpdate(releases);
  const xml = renderAtomFeed(
    {
      id: feedIdFor(`topics/query/${topicId(query)}`),
      title: `${ctx.config.feeds.title}: ${query}`,
      subtitle: `Releases matching ${query}`,
      selfUrl: `${base}/feeds/topics?q=${encodeURIComponent(query)}`,
      alternateUrl: `${base}/`,
      updated,
      maxEntries: ctx.config.feeds.entries,
    },
    releases,
  );
  return { body: Buffer.from(xml, "utf8"), lastModified: updated };
}

/**
 * `/feeds/topics?q=<query>`: a feed of the newest releases matching any query. Rendered once per
 * (query with single spaces, last run) and then served from memory until the next run finishes.
 */
export async function serveLiveTopicFeed(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const compiled = compileOr400(url.searchParams.get("q"));
  // Whitespace never changes a query's meaning; case can (AND vs and), so it is kept.
  const query = compiled.query.trim().replace(/\s+/g, " ");
  const { cache, ...bounds } = ctx.liveFeed;
  const feed = await withReadStore(ctx, async (store) => {
    const lastRun = (await store.runs.last())?.finishedAt ?? "never";
    return cache.getOrCompute(`${lastRun}\n${query}`, async () => {
      const releases = await findMatches(await store.releases.months(), (m) => store.releases.inMonth(m), compiled, ctx.config.feeds.entries, bounds);
      return renderLiveFeed(ctx, query, releases);
    });
  });
  sendCached(req, res, { body: feed.body, contentType: ATOM_TYPE, lastModified: feed.lastModified });
}
