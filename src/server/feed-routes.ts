import type { IncomingMessage, ServerResponse } from "node:http";
import type { StateStore } from "../core/ports.js";
import { joinPieces } from "../core/text-pieces.js";
import { ALL_FEED, topicFeedName } from "../feeds/feed-names.js";
import { renderFeed } from "../pipeline/write-feeds.js";
import { HttpError } from "./http-errors.js";
import { makeRepresentation, sendRepresentation, type Representation } from "./representation-cache.js";
import type { ServerContext } from "./server-context.js";

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

/** Reads a feed through the port; reuses the previous representation (no new gzip) when its bytes did not change. */
async function loadFeed(ctx: ServerContext, name: string, version: string, previous: Representation | undefined): Promise<Representation | undefined> {
  const store = ctx.store;
  if (!(await feedExists(ctx, store, name))) return undefined;
  const doc = await store.feeds.get(name);
  const xml = doc ? doc.xml : joinPieces((await renderFeed(ctx.config, store, name)).xml);
  const body = Buffer.from(xml, "utf8");
  const lastModified = doc ? new Date(doc.updated) : feedUpdated(xml);
  if (previous && previous.body.equals(body) && previous.lastModified?.getTime() === lastModified?.getTime()) return { ...previous, version };
  return makeRepresentation(version, { body, contentType: ATOM_TYPE, lastModified });
}

/**
 * Serves `/feeds/<name>.atom` from memory: bytes, gzip and ETag are kept per feed and reused while
 * the state's generation is unchanged, so a request (and every 304) reads nothing from the store.
 * 404 for unknown feeds.
 */
export async function serveFeedFile(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
  // Fast path (generation pushed by the engine, feed cached): no await at all.
  const known = ctx.generation.peek();
  const hit = known === undefined ? undefined : ctx.feedCache.peek(name, known);
  if (hit) return sendRepresentation(req, res, hit);
  const version = await ctx.generation.current();
  const rep = await ctx.feedCache.get(name, version, (previous) => loadFeed(ctx, name, version, previous));
  if (!rep) throw new HttpError(404, `no feed named ${name}`);
  sendRepresentation(req, res, rep);
}
