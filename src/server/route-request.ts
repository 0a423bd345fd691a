import type { IncomingMessage, ServerResponse } from "node:http";
import { feedNameFromPath } from "./feed-path.js";
import { serveFeedFile } from "./feed-routes.js";
import { serveHealth } from "./health-route.js";
import { HttpError } from "./http-errors.js";
import { serveIndex } from "./index-route.js";
import { serveLiveTopicFeed } from "./live-topic-feed.js";
import { serveMetrics } from "./metrics-route.js";
import { readForm } from "./read-form.js";
import { serveReleasePage } from "./release-page.js";
import { redirect } from "./send-response.js";
import type { ServerContext } from "./server-context.js";
import { handleConfirm, handleSubscribe, showConfirm } from "./subscribe-routes.js";
import { handleUnsubscribe, showUnsubscribe } from "./unsubscribe-routes.js";

type Handler = (ctx: ServerContext, req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

interface Route {
  /** HTML pages answer errors with a page; the others with plain text. */
  readonly page: boolean;
  /** Answers from a prepared representation whose headers are complete. */
  readonly cached?: boolean;
  readonly GET?: Handler;
  readonly POST?: Handler;
}

const ROUTES: Readonly<Record<string, Route>> = {
  "/": { page: true, GET: serveIndex },
  "/feeds/topics": { page: false, GET: serveLiveTopicFeed },
  "/subscribe": { page: true, GET: async (_ctx, _req, res) => redirect(res, "/"), POST: handleSubscribe },
  "/confirm": { page: true, GET: showConfirm, POST: async (ctx, req, res) => handleConfirm(ctx, req, res, await readForm(req)) },
  "/unsubscribe": { page: true, GET: showUnsubscribe, POST: async (ctx, req, res, url) => handleUnsubscribe(ctx, req, res, url, await readForm(req)) },
  "/healthz": { page: false, GET: serveHealth },
  "/metrics": { page: false, GET: serveMetrics },
};

const FEED_ROUTE: Route = {
  page: false,
  cached: true,
  GET: async (ctx, req, res, url) => serveFeedFile(ctx, req, res, feedNameFromPath(url.pathname)!),
};

const RELEASE_ROUTE: Route = { page: true, GET: serveReleasePage };

/** The route for a path, or undefined (404). */
export function findRoute(pathname: string): Route | undefined {
  if (pathname.startsWith("/releases/")) return RELEASE_ROUTE;
  return ROUTES[pathname] ?? (feedNameFromPath(pathname) ? FEED_ROUTE : undefined);
}

/** Dispatches a request: 404 for unknown paths, 405 (with Allow) for other methods; HEAD is a GET without body. */
export async function routeRequest(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, url: URL, route: Route): Promise<void> {
  const method = req.method === "HEAD" ? "GET" : req.method;
  const handler = method === "GET" ? route.GET : method === "POST" ? route.POST : undefined;
  if (!handler) {
    const allow = [route.GET ? "GET, HEAD" : "", route.POST ? "POST" : ""].filter(Boolean).join(", ");
    throw new HttpError(405, `method ${req.method ?? "?"} not allowed here (use ${allow})`, { Allow: allow });
  }
  await handler(ctx, req, res, url);
}
