import type { IncomingMessage, ServerResponse } from "node:http";
import { renderIndexPage, listFeeds } from "./index-page.js";
import { sendHtml } from "./send-response.js";
import type { ServerContext } from "./server-context.js";
import { withReadStore } from "./state-access.js";

/** `GET /`: the index page. */
export async function serveIndex(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const data = await withReadStore(ctx, async (store) => listFeeds(ctx.config, await store.feeds.names(), await store.releases.months()));
  sendHtml(res, 200, renderIndexPage(ctx.config, data), req.method === "HEAD");
}
