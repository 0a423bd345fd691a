import type { IncomingMessage, ServerResponse } from "node:http";
import { isPressroomError } from "../core/errors.js";
import type { StoredRelease } from "../core/release.js";
import { feedIdFor, latestUpdate, renderAtomFeed, sortForFeed } from "../feeds/index.js";
import { topicId } from "../mail/index.js";
import { compileQuery, type CompiledQuery } from "../match/index.js";
import { HttpError } from "./http-errors.js";
import { ATOM_TYPE } from "./feed-routes.js";
import { sendCached } from "./send-cached.js";
import type { ServerContext } from "./server-context.js";
import { withReadStore } from "./state-access.js";

/** Longest query accepted for a live feed. */
export const MAX_QUERY_CHARS = 500;

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

/** Newest matching releases, scanning month by month (newest first) until `limit` are found. */
async function findMatches(months: readonly string[], load: (month: string) => Promise<StoredRelease[]>, compiled: CompiledQuery, limit: number): Promise<StoredRelease[]> {
  const hits: StoredRelease[] = [];
  for (const month of [...months].sort().reverse()) {
    for (const release of await load(month)) if (compiled.matches(release)) hits.push(release);
    if (hits.length >= limit) break;
  }
  return sortForFeed(hits).slice(0, limit);
}

/** `/feeds/topics?q=<query>`: a feed of the newest releases matching any query, built on request. */
export async function serveLiveTopicFeed(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const query = url.searchParams.get("q");
  const compiled = compileOr400(query);
  const limit = ctx.config.feeds.entries;
  const releases = await withReadStore(ctx, async (store) => findMatches(await store.releases.months(), (m) => store.releases.inMonth(m), compiled, limit));
  const base = ctx.config.feeds.baseUrl.replace(/\/+$/, "");
  const updated = latestUpdate(releases);
  const xml = renderAtomFeed(
    {
      id: feedIdFor(`topics/query/${topicId(compiled.query)}`),
      title: `${ctx.config.feeds.title}: ${compiled.query}`,
      subtitle: `Releases matching ${compiled.query}`,
      selfUrl: `${base}/feeds/topics?q=${encodeURIComponent(compiled.query)}`,
      alternateUrl: `${base}/`,
      updated,
      maxEntries: limit,
    },
    releases,
  );
  sendCached(req, res, { body: Buffer.from(xml, "utf8"), contentType: ATOM_TYPE, lastModified: updated });
}
