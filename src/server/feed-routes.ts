import type { IncomingMessage, ServerResponse } from "node:http";
import type { StateStore } from "../core/ports.js";
import { ALL_FEED, topicFeedName } from "../feeds/feed-names.js";
import { renderFeed } from "../pipeline/write-feeds.js";
import { HttpError } from "./http-errors.js";
import { sendCached } from "./send-cached.js";
import type { ServerContext } from "./server-context.js";
import { withReadStore } from "./state-access.js";

export const ATOM_TYPE = "application/atom+xml; charset=utf-8";

/** Whether a (well-formed) feed name exists: the all feed, a kind seen, a configured topic, a stored month. */
async function feedExists(ctx: ServerContext, store: StateStore, name: string): Promise<boolean> {
  if (name === ALL_FEED) return true;
  if (name.startsWith("kinds/")) return store.feeds.has(name);
  if (name.startsWith("topics/")) return ctx.config.feeds.topics.some((t) => topicFeedName(t.name) === name);
  if (name.startsWith("archive/")) return (await store.releases.months()).includes(name.slice("archive/".length));
  return false;
}

/** The `<updated>` of a feed document (its first one), for Last-Modified of a rendered feed. */
function feedUpdated(xml: string): Date | undefined {
  const m = /<updated>([^<]+)<\/updated>/.exec(xml);
  const date = m?.[1] ? new Date(m[1]) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/** Serves `/feeds/<name>.atom`: the document a run published, else rendered from the store; 404 for unknown feeds. */
export async function serveFeedFile(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
  const content = await withReadStore(ctx, async (store) => {
    if (!(await feedExists(ctx, store, name))) return undefined;
    const doc = await store.feeds.get(name);
    if (doc) return { body: Buffer.from(doc.xml, "utf8"), lastModified: new Date(doc.updated) };
    const { xml } = await renderFeed(ctx.config, store, name);
    const updated = feedUpdated(xml);
    return { body: Buffer.from(xml, "utf8"), ...(updated ? { lastModified: updated } : {}) };
  });
  if (!content) throw new HttpError(404, `no feed named ${name}`);
  sendCached(req, res, { ...content, contentType: ATOM_TYPE });
}
