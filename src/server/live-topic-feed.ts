import type { IncomingMessage, ServerResponse } from "node:http";
import { isPressroomError } from "../core/errors.js";
import type { StoredRelease } from "../core/release.js";
import { feedIdFor, latestUpdate, renderAtomFeed } from "../feeds/index.js";
import { topicId } from "../mail/index.js";
import { compileQuery, type CompiledQuery } from "../match/index.js";
import { HttpError } from "./http-errors.js";
import { ATOM_TYPE } from "./feed-routes.js";
import { createLruCache, type LruCache } from "./lru-cache.js";
import { makeRepresentation, sendRepresentation, type Representation } from "./representation-cache.js";
import type { ServerContext } from "./server-context.js";

const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs tasks one after another (the work of live queries is CPU: running them side by side only delays every other request). */
export class SerialLane {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => {});
    return result;
  }
}

/** Longest query accepted for a live feed. */
export const MAX_QUERY_CHARS = 500;

export type LiveFeedCache = LruCache<Representation>;

/** Bounds on the work live feeds may cost. */
export interface LiveFeedOptions {
  /** Live queries computed at once; more get 503 with Retry-After. */
  readonly maxConcurrent: number;
  /** Rendered feeds kept, keyed by query and state generation. */
  readonly cache: LiveFeedCache;
}

export const LIVE_FEED_MAX_CONCURRENT = 64;
/**
 * Candidates loaded and tested between two yields: testing 64 releases (tokenising each) held the
 * event loop for up to ~90 ms on a busy 2-core machine, and /healthz waited behind it.
 */
const LIVE_TEST_BATCH = 16;
export const LIVE_FEED_CACHE_ENTRIES = 200;
/** Seconds a client is asked to wait when every live-query slot is busy. */
export const LIVE_FEED_RETRY_AFTER = 5;

export function createLiveFeedCache(entries = LIVE_FEED_CACHE_ENTRIES): LiveFeedCache {
  return createLruCache<Representation>(entries);
}

export function liveFeedOptions(options: Partial<LiveFeedOptions> = {}): LiveFeedOptions {
  return {
    maxConcurrent: options.maxConcurrent ?? LIVE_FEED_MAX_CONCURRENT,
    cache: options.cache ?? createLiveFeedCache(),
  };
}

function tooLong(): HttpError {
  return new HttpError(400, `query too long (over ${MAX_QUERY_CHARS} characters): shorten it or use a named topic feed`);
}

/** Compiles `q`, or a 400 saying what is wrong (missing, too long, malformed). */
export function compileLiveQuery(query: string | null): CompiledQuery {
  if (query === null || query.trim() === "") throw new HttpError(400, "add a query: /feeds/topics?q=<query>, e.g. q=asylum AND kind:press-release");
  if (query.length > MAX_QUERY_CHARS) throw tooLong();
  try {
    return compileQuery(query);
  } catch (error) {
    if (isPressroomError(error, "QUERY_INVALID")) throw new HttpError(400, error.message);
    throw error;
  }
}

/** The 400 for a live-feed request whose URL is too long to read at all. */
export { tooLong as liveQueryTooLong };

function renderLiveFeed(ctx: ServerContext, query: string, releases: readonly StoredRelease[], version: string): Promise<Representation> {
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
      releasePageBase: base,
    },
    releases,
  );
  // No Last-Modified: the newest match's time does not move when a revision drops a match (the
  // feed changed, an If-Modified-Since would get 304). The ETag, a hash of the bytes, is exact.
  return makeRepresentation(version, { body: Buffer.from(xml, "utf8"), contentType: ATOM_TYPE });
}

/**
 * `/feeds/topics?q=<query>`: a feed of the newest releases matching any query, answered from the
 * server's search index. Rendered once per (query with single spaces, state generation) and then
 * served from memory; at most `maxConcurrent` queries are computed at once (503 beyond).
 */
export async function serveLiveTopicFeed(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const compiled = compileLiveQuery(url.searchParams.get("q"));
  // Whitespace never changes a query's meaning; case can (AND vs and), so it is kept.
  const query = compiled.query.trim().replace(/\s+/g, " ");
  const version = await ctx.generation.current();
  const { cache, maxConcurrent } = ctx.liveFeed;
  const key = `${version}\n${query}`;
  const busy = ctx.liveQueries;
  const rep = await cache.getOrCompute(key, async () => {
    // Queued and running together: beyond the cap a client is told to come back.
    if (busy.running >= maxConcurrent) {
      throw new HttpError(503, "too many live feeds are being built just now; please try again shortly", { "Retry-After": String(LIVE_FEED_RETRY_AFTER) });
    }
    busy.running++;
    try {
      // One query computed at a time, yielding between steps: fifty at once never starve /healthz.
      return await ctx.liveLane.run(async () => {
        const { hits } = await ctx.liveIndex.search(compiled, version, { limit: ctx.config.feeds.entries, pause: yieldNow, batch: LIVE_TEST_BATCH });
        await yieldNow();
        return renderLiveFeed(ctx, query, hits, version);
      });
    } finally {
      busy.running--;
    }
  });
  sendRepresentation(req, res, rep);
}
