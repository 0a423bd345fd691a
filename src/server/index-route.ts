import type { IncomingMessage, ServerResponse } from "node:http";
import { ALL_FEED } from "../feeds/feed-names.js";
import { renderIndexPage, listFeeds } from "./index-page.js";
import { sendHtml } from "./send-response.js";
import type { ServerContext } from "./server-context.js";

/** Latest releases listed on the index page. */
export const INDEX_LATEST = 20;

/** `GET /`: the index page. */
export async function serveIndex(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const store = ctx.store;
  const data = listFeeds(ctx.config, await store.feeds.names(), await store.releases.months());
  const latest = await store.releases.getMany((await store.feeds.entries(ALL_FEED)).slice(0, INDEX_LATEST).map((e) => e.id));
  sendHtml(res, 200, renderIndexPage(ctx.config, data, latest), req.method === "HEAD");
}
