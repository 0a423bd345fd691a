import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Config } from "../config/schema.js";
import { systemClock, type Clock } from "../core/clock.js";
import { describeError } from "../core/errors.js";
import { londonDate } from "../core/london.js";
import { silentLogger, type Logger } from "../core/logger.js";
import type { StateStore } from "../core/ports.js";
import type { MailTransport } from "../mail/index.js";
import { HttpError } from "./http-errors.js";
import { watchGeneration, type ChangeFeed } from "./generation-watch.js";
import { LiveIndex } from "./live-index.js";
import { liveFeedOptions, liveQueryTooLong, SerialLane, type LiveFeedOptions } from "./live-topic-feed.js";
import { RepresentationCache } from "./representation-cache.js";
import type { SharedLimiterFactory } from "./shared-limits.js";
import { renderErrorPage } from "./page-layout.js";
import { findRoute, routeRequest } from "./route-request.js";
import { sendHtml, sendText } from "./send-response.js";
import type { ServerContext } from "./server-context.js";
import { StateBusyError } from "./state-access.js";
import { createSubscribeLimiters, type SubscribeLimits } from "./subscribe-limits.js";

/** Longest request target (path + query) accepted; longer gets 414. */
export const MAX_URL_CHARS = 2048;

export interface ServerOptions {
  readonly store: StateStore;
  readonly config: Config;
  /** HMAC secret of unsubscribe tokens (the same one runs sign with). */
  readonly secret: string;
  /** Sends confirmation emails (closed by whoever made it). */
  readonly transport: MailTransport;
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Links in emails use the listening URL instead of `config.feeds.baseUrl` (tests, local use). */
  readonly useListenUrl?: boolean;
  /** Limits of POST /subscribe (default 5 per client per 10 min, 3 per address per hour); counted on `clock`. */
  readonly subscribeLimits?: Partial<SubscribeLimits>;
  /** Live feed concurrency cap (default config `server.maxLiveQueries`) and its cache (default 200 feeds). */
  readonly liveFeed?: Partial<LiveFeedOptions>;
  /**
   * Pushes "the state changed" (PostgreSQL's LISTEN, wired by the CLI): the server then reads the
   * generation on each change and twice a second instead of on each request.
   */
  readonly changes?: ChangeFeed;
  /** Rate limits shared by every instance (PostgreSQL, wired by the CLI); default: in this process. */
  readonly sharedLimits?: SharedLimiterFactory;
}

export interface PressroomServer {
  /** Listens (port 0: any free port); resolves with `http://host:port`. */
  listen(port: number, host?: string): Promise<{ url: string }>;
  /** Stops accepting, ends idle connections, waits for requests in flight (then cuts them after 5 s). */
  close(): Promise<void>;
}

function sendFailure(res: ServerResponse, page: boolean, status: number, message: string, head: boolean, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (page) sendHtml(res, status, renderErrorPage(status >= 500 ? "Sorry, something went wrong" : "That did not work", message), head, headers);
  else sendText(res, status, message, head, headers);
}

async function handle(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const head = req.method === "HEAD";
  const target = req.url ?? "/";
  if (target.length > MAX_URL_CHARS) {
    // A live feed's URL is long because its query is: say so, as for any query over the limit.
    if (target.startsWith("/feeds/topics?")) return sendText(res, 400, liveQueryTooLong().message, head);
    return sendText(res, 414, `request URL too long (limit ${MAX_URL_CHARS} characters)`, head);
  }
  let url: URL;
  try {
    url = new URL(target, "http://pressroom.invalid");
  } catch {
    return sendText(res, 400, "malformed request URL", head);
  }
  const route = findRoute(url.pathname);
  if (!route) return sendText(res, 404, `not found: ${url.pathname.slice(0, 200)}`, head);
  // Every answer (pages, /healthz, /metrics, errors) is what its Content-Type says; cached feeds carry it already.
  if (!route.cached) res.setHeader("X-Content-Type-Options", "nosniff");
  try {
    await routeRequest(ctx, req, res, url, route);
  } catch (error) {
    if (error instanceof HttpError) return sendFailure(res, route.page, error.status, error.message, head, { ...error.headers });
    if (error instanceof StateBusyError) {
      return sendFailure(res, route.page, 503, "Pressroom is busy updating; please try again in a minute", head, { "Retry-After": "60" });
    }
    ctx.log.error("request failed", { path: url.pathname, error: describeError(error) });
    sendFailure(res, route.page, 500, "internal error; it has been logged", head);
  }
}

/** The HTTP server: feeds with caching, index and subscribe pages, unsubscribe, health and metrics. */
export function createServer(options: ServerOptions): PressroomServer {
  const transport = options.transport;
  let listenUrl: string | undefined;
  const clock = options.clock ?? systemClock;
  const ctx: ServerContext = {
    store: options.store,
    config: options.config,
    secret: options.secret,
    transport,
    clock,
    log: options.log ?? silentLogger,
    publicUrl: () => (options.useListenUrl && listenUrl ? listenUrl : options.config.feeds.baseUrl),
    subscribeLimiters: createSubscribeLimiters(
      clock,
      { global: { limit: options.config.server.confirmationsPerHour, windowMs: 3_600_000 }, ...options.subscribeLimits },
      options.sharedLimits,
    ),
    liveFeed: liveFeedOptions({ maxConcurrent: options.config.server.maxLiveQueries, ...options.liveFeed }),
    liveQueries: { running: 0 },
    liveLane: new SerialLane(),
    generation: watchGeneration(options.store, options.log ?? silentLogger, options.changes),
    feedCache: new RepresentationCache(options.config.server.feedCacheMB * 1024 * 1024),
    liveIndex: new LiveIndex(options.store, options.log ?? silentLogger),
  };
  const { server: limits } = options.config;
  // Node checks both timeouts every connectionsCheckingInterval (30 s by default): check each second.
  const server: Server = createHttpServer({ connectionsCheckingInterval: 1_000, headersTimeout: limits.headersTimeoutSeconds * 1000, requestTimeout: limits.requestTimeoutSeconds * 1000 }, (req, res) => {
    handle(ctx, req, res).catch((error: unknown) => {
      ctx.log.error("request crashed", { error: describeError(error) });
      if (!res.headersSent) sendText(res, 500, "internal error");
      else res.destroy();
    });
  });
  server.maxConnections = limits.maxConnections;
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    // Headers or body too slow (headersTimeout / requestTimeout): 408, as RFC 9110 says.
    const timedOut = error.code === "ERR_HTTP_REQUEST_TIMEOUT";
    if (socket.writable) socket.end(`HTTP/1.1 ${timedOut ? "408 Request Timeout" : "400 Bad Request"}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });

  return {
    listen: (port, host = "127.0.0.1") =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
          listenUrl = `http://${shown}:${address.port}`;
          ctx.log.info("server listening", { url: listenUrl });
          // London dates load the time zone data at first use (~40 ms): now, not in the first feed's render.
          londonDate(new Date());
          // An in-memory search index, if one is needed, is built now, in slices, rather than on the first live query.
          void ctx.generation.current().then((g) => ctx.liveIndex.warm(g)).catch((error: unknown) => ctx.log.error("search index build failed", { error: describeError(error) }));
          resolve({ url: listenUrl });
        });
      }),
    close: async () => {
      await ctx.generation.close();
      if (server.listening) {
        await new Promise<void>((resolve) => {
          const cut = setTimeout(() => server.closeAllConnections(), 5_000);
          server.close(() => {
            clearTimeout(cut);
            resolve();
          });
          server.closeIdleConnections();
        });
      }
    },
  };
}
